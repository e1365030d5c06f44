"""Three local S3-API stores for the demo and the tests: moto's server, one process per store on
loopback, each with its own bucket created with Object Lock enabled. moto keeps objects in memory,
so the demo's backups last as long as the demo runs (docs/backups.md lists what moto does not enforce)."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

from integrations.objectstore import STORE_LETTERS, store_configs_from_env, store_open
from kyodo.embedded import port_open

DEMO_PORTS = (9101, 9102, 9103)
DEMO_REGION = "ap-northeast-1"


def _port_open(port: int) -> bool:
    return port_open("127.0.0.1", port)


def free_ports(count: int, low: int = 9120, high: int = 9199) -> list[int]:
    """Loopback ports nobody listens on, scanned from a random start (tests and benchmarks)."""
    ports: list[int] = []
    candidates = list(range(low, high))
    start = random.randrange(len(candidates))
    for port in candidates[start:] + candidates[:start]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"no free loopback ports in {low}-{high}")


def local_store_env(ports=DEMO_PORTS, bucket_prefix: str = "kyodo-backups") -> dict[str, str]:
    env = {}
    for letter, port in zip(STORE_LETTERS, ports, strict=True):
        prefix = f"KYODO_BACKUP_STORE_{letter}_"
        env.update({
            prefix + "ENDPOINT": f"http://127.0.0.1:{port}", prefix + "BUCKET": f"{bucket_prefix}-{letter.lower()}",
            prefix + "ACCESS_KEY_ID": f"kyodo-local-{letter.lower()}",
            prefix + "SECRET_ACCESS_KEY": f"kyodo-local-secret-{letter.lower()}", prefix + "REGION": DEMO_REGION,
        })
    return env


def start_local_stores(state_dir: Path, ports=DEMO_PORTS, *,
                       unless_configured: bool = True) -> tuple[dict[str, str], list[subprocess.Popen]]:
    """Start (or reuse) three moto servers on ``ports`` -- unless backup stores are configured (and
    ``unless_configured``). Returns the environment for child processes (store variables) and the
    processes started here."""
    if unless_configured and _stores_configured():
        return {}, []
    logs = Path(state_dir) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes = []
    for letter, port in zip(STORE_LETTERS, ports, strict=True):
        if _port_open(port):
            continue
        log = (logs / f"objectstore-{letter.lower()}.log").open("ab")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    deadline = time.time() + 30
    while not all(_port_open(p) for p in ports):
        if time.time() > deadline or any(p.poll() is not None for p in processes):
            for proc in processes:
                proc.kill()
            raise RuntimeError(f"local object stores did not start on {ports}; see {logs}")
        time.sleep(0.1)
    env = local_store_env(ports)
    for config in store_configs_from_env(env).values():
        store_open(config).ensure_bucket()
    return env, processes


def local_files_env(port: int = DEMO_PORTS[0]) -> dict[str, str]:
    """The files store (KYODO_FILES_STORE_*, applications' 添付ファイル) for the demo: its own bucket on the first
    local moto server, unless one is configured. The bucket is made here."""
    if os.environ.get("KYODO_FILES_STORE_BUCKET"):
        return {}
    from integrations.objectstore import files_store_config

    env = {"KYODO_FILES_STORE_ENDPOINT": f"http://127.0.0.1:{port}", "KYODO_FILES_STORE_BUCKET": "kyodo-files",
           "KYODO_FILES_STORE_ACCESS_KEY_ID": "kyodo-local-files",
           "KYODO_FILES_STORE_SECRET_ACCESS_KEY": "kyodo-local-secret-files", "KYODO_FILES_STORE_REGION": DEMO_REGION}
    config = files_store_config(env)
    if config is not None:
        store_open(config).ensure_bucket()
    return env


def use_running_demo_stores() -> bool:
    """`kyodo backup ...` from a second terminal while `kyodo demo` runs: in debug mode, with no store
    configured and the demo's three local stores listening, point this process at them."""
    from kyodo.config import CONFIG

    if not CONFIG.debug or _stores_configured():
        return False
    if not all(_port_open(port) for port in DEMO_PORTS):
        return False
    from kyodo.config import backups_reconfigure

    # This process's configuration was read at start, without stores: read it again with the demo's
    # stores added (the environment itself is left as it is).
    backups_reconfigure({**os.environ, **local_store_env(DEMO_PORTS)})
    return True


def _stores_configured() -> bool:
    """Are backup stores configured for this process (kyodo.config, read once at start)?"""
    from kyodo import config

    return bool(config.BACKUPS.stores)
