"""The embedded servers of a state dir (kyodo.embedded): our redis-server is never confused with one
we did not start, and stop_embedded stops exactly what we started, only once nobody else uses it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from kyodo.embedded import port_open, redis_url, register_user, stop_embedded

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def _wait_for(predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def foreign_redis(tmp_path):
    """A redis-server somebody else started (its own dir, no pidfile of ours), on a free port."""
    port = _free_port()
    directory = tmp_path / "foreign"
    directory.mkdir()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: port_open("127.0.0.1", port))
    yield port, proc
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def state_dir(tmp_path):
    state = tmp_path / "state"
    yield state
    stop_embedded(state, services=["redis"])  # whatever a failed test left running


def _pid_on(port: int) -> int:
    return int(redis.Redis(host="127.0.0.1", port=port).info("server")["process_id"])


def test_a_foreign_redis_on_the_port_is_not_reused_and_survives_our_stop(state_dir, foreign_redis, capsys):
    port, proc = foreign_redis
    url = redis_url(state_dir, port=port, db=15)
    ours = _port(url)
    assert ours != port and url == f"redis://127.0.0.1:{ours}/15"
    assert f"127.0.0.1:{port} is in use by a server this checkout did not start" in capsys.readouterr().err
    ours_client = redis.Redis(host="127.0.0.1", port=ours)
    assert Path(ours_client.config_get("dir")["dir"]) == (state_dir / "redis").resolve()
    assert _pid_on(ours) == int((state_dir / "redis" / "redis.pid").read_text())
    # Asked again (the next command of the same checkout): the same server, on the port it runs on.
    assert redis_url(state_dir, port=port) == f"redis://127.0.0.1:{ours}/0"

    lines = stop_embedded(state_dir)
    assert len(lines) == 1 and lines[0].startswith("stopped embedded redis-server") and f"port {ours})" in lines[0]
    assert not port_open("127.0.0.1", ours)
    assert proc.poll() is None and redis.Redis(host="127.0.0.1", port=port).ping()


def test_a_service_that_is_not_redis_is_not_reused(state_dir):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        url = redis_url(state_dir, port=taken)
    assert _port(url) != taken and redis.Redis.from_url(url).ping()


def test_our_redis_is_left_running_while_another_process_uses_it(state_dir):
    url = redis_url(state_dir, port=_free_port())
    other = subprocess.Popen(["sleep", "60"])
    try:
        register_user(state_dir, "redis", other.pid)
        assert stop_embedded(state_dir) == [f"embedded redis left running: still used by pid {other.pid}"]
        assert redis.Redis.from_url(url).ping()
    finally:
        other.kill()
        other.wait()
    # The other user is gone: the next command that is done with it stops it.
    assert stop_embedded(state_dir, services=["redis"])[0].startswith("stopped embedded redis-server")
    assert not port_open("127.0.0.1", _port(url))


def test_a_recorded_pid_alone_does_not_make_a_server_ours(state_dir, foreign_redis):
    """Stale records (our redis died; its pid and port now belong to another server) are not trusted:
    the server must also report our dir."""
    port, proc = foreign_redis
    records = state_dir / "redis"
    records.mkdir(parents=True)
    (records / "redis.pid").write_text(str(proc.pid))
    (records / "redis.port").write_text(str(port))
    url = redis_url(state_dir, port=port)
    assert _port(url) != port
    assert Path(redis.Redis.from_url(url).config_get("dir")["dir"]) == records.resolve()
    assert stop_embedded(state_dir)[0].startswith("stopped embedded redis-server")
    assert proc.poll() is None


@pytest.mark.slow
def test_stop_embedded_stops_the_pgserver_cluster_of_the_state_dir(tmp_path):
    import psycopg

    state = tmp_path / "state"
    env = dict(os.environ, KYODO_STATE_DIR=str(state), PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "kyodo.embedded", "postgres-url", "--for-pid", str(os.getpid())],
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    url = result.stdout.strip()
    assert f"host={state / 'pgdata'}" in url
    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW data_directory").fetchone()[0] == str((state / "pgdata").resolve())
    sockets = list((state / "pgdata").glob(".s.PGSQL.*"))
    assert sockets

    lines = stop_embedded(state)
    assert len(lines) == 1 and lines[0].startswith("stopped embedded PostgreSQL")
    assert not any(s.exists() for s in sockets)
    assert not (state / "pgdata" / "postmaster.pid").exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
