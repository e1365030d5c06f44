"""Fixtures for 業務配分: a real moto S3 server on a loopback port of its own as the files store."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pytest


@pytest.fixture(scope="session")
def _files_server():
    from kyodo.backups.embedded import _port_open, free_ports

    port = free_ports(1)[0]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 30
    while not _port_open(port):
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("moto did not start")
        time.sleep(0.1)
    yield port
    proc.terminate()
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)


@pytest.fixture
def files_store(_files_server, monkeypatch):
    """KYODO_FILES_STORE_* pointing at the test's moto server (a fresh bucket per test); returns the store."""
    import uuid

    from integrations.objectstore import files_store_config, store_open
    from tenants.assignments import attachments

    env = {"KYODO_FILES_STORE_ENDPOINT": f"http://127.0.0.1:{_files_server}",
           "KYODO_FILES_STORE_BUCKET": f"kyodo-files-{uuid.uuid4().hex[:12]}",
           "KYODO_FILES_STORE_ACCESS_KEY_ID": "test", "KYODO_FILES_STORE_SECRET_ACCESS_KEY": "test-secret",
           "KYODO_FILES_KEY": "test-files-key-not-a-secret-" + "y" * 16}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    attachments._master.cache_clear()
    store = store_open(files_store_config())
    store.ensure_bucket()
    yield store
    attachments._master.cache_clear()
