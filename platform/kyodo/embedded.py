"""Embedded services for the demo and tests: a pip-installed PostgreSQL (pgserver) when DATABASE_URL
is unset, and a local redis-server when REDIS_URL is unset. Both keep their data under the state dir."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def postgres_url(state_dir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL cluster under ``state_dir/pgdata`` and return its URL."""
    data_dir = state_dir / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver asks platformdirs for a runtime dir; give it one of ours rather than a warning.
    run_dir = state_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run_dir))
    import pgserver  # imported lazily: only needed when DATABASE_URL is unset

    # cleanup_mode=None keeps the server running for the other processes (worker, web) that share it.
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    uri = server.get_uri()
    # pgserver hands out a socket URI; make it explicit for libpq and for pg_dump.
    return uri


def port_open(host: str, port: int) -> bool:
    """Is something listening on host:port (loopback services of the demo and tests)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


EMBEDDED_REDIS_PORT = 6390
EMBEDDED_REDIS_URL = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"


def redis_url(state_dir: Path, port: int = EMBEDDED_REDIS_PORT) -> str:
    """Start (or reuse) a private redis-server on ``port`` bound to loopback and return its URL."""
    url = f"redis://127.0.0.1:{port}/0"
    if port_open("127.0.0.1", port):
        return url
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "REDIS_URL is unset and no redis-server binary is installed; run scripts/setup.sh "
            "(it installs Debian's redis-server) or set REDIS_URL"
        )
    run_dir = state_dir / "redis"
    run_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [binary, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(run_dir), "--logfile", str(run_dir / "redis.log"),
         "--pidfile", str(run_dir / "redis.pid")],
        check=True,
    )
    for _ in range(50):
        if port_open("127.0.0.1", port):
            return url
        time.sleep(0.1)
    raise RuntimeError(f"redis-server did not start on port {port}; see {run_dir / 'redis.log'}")


def pg_bin(name: str) -> str:
    """Path of a PostgreSQL client program matching the embedded server (used by backups)."""
    import pgserver

    candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found")
    return found


def env_with_services(state_dir: Path) -> dict[str, str]:
    """The environment for child processes, with DATABASE_URL/REDIS_URL filled in from embedded services."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = postgres_url(state_dir)
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = redis_url(state_dir)
    return env
