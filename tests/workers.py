"""A real Celery worker process for the tests that kill one (kill -9) and start the next: one queue
of its own, solo pool, started and pinged before the test goes on."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path


def start_worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    """Start ``celery worker`` named ``name`` consuming only queue ``name``; wait until it answers a ping."""
    from kyodo.celery import app

    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kyodo", "worker", "--concurrency=1", "--pool=solo",
         "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"{name}@%h", "-Q", name],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        with contextlib.suppress(Exception):
            if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
                return proc
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {log.read_text()[-2000:]}")
    proc.kill()
    raise RuntimeError(f"worker did not start: {log.read_text()[-2000:]}")
