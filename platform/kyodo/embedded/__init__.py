"""Embedded services for the demo and tests: a pip-installed PostgreSQL (pgserver) when DATABASE_URL
is unset, and a local redis-server when REDIS_URL is unset. Both keep their data under the state dir.

Nothing here attaches to a server this checkout did not start: the redis-server is ours only if the
pid in ``redis/redis.pid`` is the ``process_id`` the server reports and its ``dir`` is ours; a
foreign one on the wanted port makes us start our own on a free port (recorded in ``redis/redis.port``).
Every process that uses an embedded server registers under ``run/users/``; ``stop_embedded`` stops a
server only when no other live process still uses it (the demo and the test script call it at the end).
``python -m kyodo.embedded`` exposes the same for shell scripts (scripts/test.sh).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

EMBEDDED_REDIS_PORT = 6390
EMBEDDED_REDIS_URL = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
SERVICES = ("redis", "postgres")


def port_open(host: str, port: int) -> bool:
    """Is something listening on host:port (loopback services of the demo and tests)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


# --- which processes use the embedded servers ------------------------------------------------------

@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """One process at a time starts, registers or stops the embedded servers of a state dir."""
    run_dir = state_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (run_dir / "embedded.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a live process (tells a reused pid from the one registered)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in {"Z", "X"}:  # exited, not yet reaped
        return None
    return fields[19]


def _users_dir(state_dir: Path) -> Path:
    return state_dir / "run" / "users"


def _register(state_dir: Path, service: str, pid: int | None = None) -> None:
    """Record that process ``pid`` (default: this one) uses the embedded ``service``. Call with the lock held."""
    pid = pid or os.getpid()
    started = _process_start(pid)
    if started is None:
        raise RuntimeError(f"process {pid} is not running")
    path = _users_dir(state_dir) / f"{pid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    services: list[str] = []
    with contextlib.suppress(OSError, ValueError):
        old = json.loads(path.read_text())
        if old.get("started") == started:  # else: a dead process's entry under a reused pid
            services = list(old.get("services", []))
    if service not in services:
        path.write_text(json.dumps({"started": started, "services": [*services, service]}))


def register_user(state_dir: Path, service: str, pid: int) -> None:
    """Record that process ``pid`` (e.g. a shell script running several commands) uses ``service``."""
    with _locked(state_dir):
        _register(state_dir, service, pid)


def _live_users(state_dir: Path) -> dict[int, set[str]]:
    """Registered processes still alive, with the services they use (stale entries are removed)."""
    users: dict[int, set[str]] = {}
    directory = _users_dir(state_dir)
    if not directory.is_dir():
        return users
    for path in directory.glob("*.json"):
        try:
            pid = int(path.stem)
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if _process_start(pid) != entry.get("started"):
            path.unlink(missing_ok=True)
            continue
        users[pid] = set(entry.get("services", ()))
    return users


# --- PostgreSQL (pgserver) -------------------------------------------------------------------------

def _pgserver_bin(name: str) -> Path:
    """A program of pgserver's PostgreSQL build (found without importing pgserver, which sets up
    runtime directories on import)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        raise RuntimeError("pgserver is not installed (pip install -e . installs it)")
    return Path(spec.origin).parent / "pginstall" / "bin" / name


def postgres_url(state_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL cluster under ``state_dir/pgdata`` and return its URL.
    It listens on a Unix socket only (no TCP port), so it cannot be confused with another server."""
    data_dir = state_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver asks platformdirs for a runtime dir; give it one of ours rather than a warning.
    run_dir = state_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    run_dir.chmod(0o700)  # also when another of our servers made it first (platformdirs wants 0700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    import pgserver  # imported lazily: only needed when DATABASE_URL is unset

    with _locked(state_dir):
        # cleanup_mode=None keeps the server running for the other processes (worker, web) that share
        # it; stop_embedded stops it once none of them is left.
        server = pgserver.get_server(str(data_dir), cleanup_mode=None)
        _register(state_dir, "postgres")
        return server.get_uri()


def _postgres_pid(data_dir: Path) -> int | None:
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _process_start(pid) is not None else None


def _stop_postgres(state_dir: Path) -> str:
    data_dir = state_dir / "pgdata"
    pid = _postgres_pid(data_dir)
    if pid is None:
        return "embedded PostgreSQL: not running"
    # pg_ctl refuses to run as root; pgserver runs the cluster as its own system user then.
    user = "pgserver" if os.geteuid() == 0 else None
    result = subprocess.run(
        [str(_pgserver_bin("pg_ctl")), "-D", str(data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
        user=user, cwd=data_dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    if result.returncode != 0 and _postgres_pid(data_dir) is not None:
        return f"embedded PostgreSQL (pid {pid}) did not stop: {result.stderr.strip()}"
    return f"stopped embedded PostgreSQL (pid {pid}, {data_dir})"


def pg_bin(name: str) -> str:
    """Path of a PostgreSQL client program matching the embedded server (used by backups)."""
    candidate = _pgserver_bin(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found")
    return found


# --- redis-server ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RedisProbe:
    """Who answers on a loopback port: the redis ``process_id`` and ``dir``, or why we cannot tell."""

    pid: int | None
    dir: Path | None
    problem: str = ""

    def describe(self) -> str:
        if self.problem:
            return self.problem
        return f"redis-server pid {self.pid}, dir {self.dir}"


def _redis_probe(port: int) -> RedisProbe | None:
    """None when nothing listens on 127.0.0.1:``port``."""
    import redis

    if not port_open("127.0.0.1", port):
        return None
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # One short attempt: a server that does not answer at once is not ours anyway.
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1,
                         retry=Retry(NoBackoff(), 0))
    try:
        pid = int(client.info("server")["process_id"])
        directory = Path(str(client.config_get("dir")["dir"]))
    except redis.RedisError as exc:
        return RedisProbe(None, None, f"a service that does not identify itself as a redis-server: {exc}")
    finally:
        client.close()
    return RedisProbe(pid, directory)


def _redis_dir(state_dir: Path) -> Path:
    return state_dir / "redis"


def _recorded_pid(run_dir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int((run_dir / "redis.pid").read_text().strip())
    return None


def _recorded_port(run_dir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int((run_dir / "redis.port").read_text().strip())
    return None


def _is_ours(probe: RedisProbe | None, run_dir: Path) -> bool:
    return (probe is not None and probe.pid is not None and probe.pid == _recorded_pid(run_dir)
            and probe.dir is not None and probe.dir.resolve() == run_dir.resolve())


def _free_port(start: int) -> int:
    for port in range(start + 1, start + 100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as redis-server binds
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free loopback port in {start + 1}-{start + 99} for the embedded redis-server")


def _redis_start(run_dir: Path, port: int) -> None:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "REDIS_URL is unset and no redis-server binary is installed; run scripts/setup.sh "
            "(it installs Debian's redis-server) or set REDIS_URL"
        )
    log = run_dir / "redis.log"
    subprocess.run(
        [binary, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(run_dir.resolve()), "--logfile", str(log.resolve()),
         "--pidfile", str((run_dir / "redis.pid").resolve())],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        probe = _redis_probe(port)
        if _is_ours(probe, run_dir):
            return
        recorded = _recorded_pid(run_dir)
        if probe is not None and probe.pid is not None and recorded is not None and probe.pid != recorded:
            raise RuntimeError(f"port {port} was taken by another server ({probe.describe()}) while our "
                               f"redis-server started; see {log}")
        time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}; see {log}")


def _url(port: int, db: int) -> str:
    return f"redis://127.0.0.1:{port}/{db}"


def redis_url(state_dir: Path, port: int = EMBEDDED_REDIS_PORT, db: int = 0) -> str:
    """Start (or reuse) our own redis-server on loopback and return its URL with database ``db``.

    Our server from an earlier run is reused (on the port it was started on). Anything else on
    ``port`` is left alone: we say so on stderr and start ours on the next free port instead, so
    callers must pass the returned URL on (env_with_services does, as REDIS_URL)."""
    run_dir = _redis_dir(state_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with _locked(state_dir):
        probes = {}
        for candidate in dict.fromkeys(p for p in (_recorded_port(run_dir), port) if p is not None):
            probes[candidate] = _redis_probe(candidate)
            if _is_ours(probes[candidate], run_dir):
                (run_dir / "redis.port").write_text(str(candidate))
                _register(state_dir, "redis")
                return _url(candidate, db)
        chosen = port
        foreign = probes[port]
        if foreign is not None:
            chosen = _free_port(port)
            print(f"kyodo: 127.0.0.1:{port} is in use by a server this checkout did not start "
                  f"({foreign.describe()}); starting our own redis-server on 127.0.0.1:{chosen} instead",
                  file=sys.stderr)
        (run_dir / "redis.pid").unlink(missing_ok=True)
        _redis_start(run_dir, chosen)
        (run_dir / "redis.port").write_text(str(chosen))
        _register(state_dir, "redis")
        return _url(chosen, db)


def redis_url_recorded(state_dir: Path, db: int = 0) -> str | None:
    """The URL of our redis-server if its recorded process is alive (no network, no start): the
    Celery app's fallback for processes started on their own without REDIS_URL."""
    run_dir = _redis_dir(state_dir)
    pid, port = _recorded_pid(run_dir), _recorded_port(run_dir)
    if pid is None or port is None or _process_start(pid) is None:
        return None
    return _url(port, db)


def _stop_redis(state_dir: Path) -> str:
    run_dir = _redis_dir(state_dir)
    port = _recorded_port(run_dir) or EMBEDDED_REDIS_PORT
    probe = _redis_probe(port)
    if not _is_ours(probe, run_dir):
        return "embedded redis-server: not running"
    assert probe is not None and probe.pid is not None
    os.kill(probe.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _process_start(probe.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    if _process_start(probe.pid) is not None:
        return f"embedded redis-server (pid {probe.pid}) did not stop"
    (run_dir / "redis.port").unlink(missing_ok=True)
    return f"stopped embedded redis-server (pid {probe.pid}, port {port})"


# --- for the demo, the worker and the test script --------------------------------------------------

def stop_embedded(state_dir: Path, *, pid: int | None = None, services: Iterable[str] | None = None) -> list[str]:
    """Process ``pid`` (default: this one) is done with the embedded servers: stop each one it used
    (or each of ``services``) unless another live process still uses it. Returns one line per server."""
    pid = pid or os.getpid()
    lines = []
    with _locked(state_dir):
        users = _live_users(state_dir)
        used = set(services) if services is not None else users.get(pid, set())
        (_users_dir(state_dir) / f"{pid}.json").unlink(missing_ok=True)
        users.pop(pid, None)
        for service in SERVICES:
            if service not in used:
                continue
            others = sorted(p for p, s in users.items() if service in s)
            if others:
                lines.append(f"embedded {service} left running: still used by pid {', '.join(map(str, others))}")
            elif service == "redis":
                lines.append(_stop_redis(state_dir))
            else:
                lines.append(_stop_postgres(state_dir))
    return lines


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def stop_children(timeout: float = 15) -> list[int]:
    """Terminate (then kill) every process this one started that is still there, with its process
    group when it leads one, and reap it. For Ctrl-C during start-up: a starter that is still waiting
    for its server to answer has not yet handed the process back to be stopped by name."""
    pids = _children(os.getpid())

    def send(pid: int, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signum)
            else:
                os.kill(pid, signum)

    for pid in pids:
        send(pid, signal.SIGTERM)
    remaining = set(pids)
    deadline = time.monotonic() + timeout
    while remaining:
        for pid in list(remaining):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    remaining.discard(pid)
            except ChildProcessError:  # reaped elsewhere (a Popen of ours)
                remaining.discard(pid)
        if remaining and time.monotonic() > deadline:
            for pid in remaining:
                send(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)
    return pids


def env_with_services(state_dir: Path) -> dict[str, str]:
    """The environment for child processes, with DATABASE_URL/REDIS_URL filled in from embedded services."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = postgres_url(state_dir)
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = redis_url(state_dir)
    return env


def use_services(state_dir: Path) -> dict[str, str]:
    """env_with_services, and point this process (its environment, for children started from it, and
    its Celery app, configured at import before an embedded redis-server may have had to move to
    another port) at the same servers."""
    env = env_with_services(state_dir)
    os.environ.update(DATABASE_URL=env["DATABASE_URL"], REDIS_URL=env["REDIS_URL"])
    from kyodo.celery import app

    url = env["REDIS_URL"]
    app.conf.update(broker_url=url, broker_read_url=url, broker_write_url=url)
    return env
