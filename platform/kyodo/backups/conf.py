"""Backup configuration, read once from the environment (documented in docs/configuration.md)."""

from __future__ import annotations

import functools
import os
from datetime import timedelta

from integrations.objectstore import ObjectStore, store_configs_from_env, store_open

DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
DEFAULT_RETENTION_DAYS = 35
KEY_PREFIX = "kyodo"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


@functools.lru_cache(maxsize=1)
def signing_key() -> bytes:
    """HMAC-SHA256 key that signs manifests and key-share documents: KYODO_BACKUP_SIGNING_KEY or
    KYODO_BACKUP_SIGNING_KEY_FILE; generated into <state dir>/secrets only in debug/demo mode."""
    from kyodo.config import CONFIG, _secret

    return _secret("KYODO_BACKUP_SIGNING_KEY", CONFIG.state_dir, CONFIG.debug).encode()


def chunk_bytes() -> int:
    return int(_env("KYODO_BACKUP_CHUNK_BYTES") or DEFAULT_CHUNK_BYTES)


def retention_for(town_code: str) -> timedelta:
    """Object Lock retention: KYODO_BACKUP_RETENTION_DAYS_<code> overrides KYODO_BACKUP_RETENTION_DAYS."""
    days = _env(f"KYODO_BACKUP_RETENTION_DAYS_{town_code}") or _env("KYODO_BACKUP_RETENTION_DAYS")
    return timedelta(days=int(days or DEFAULT_RETENTION_DAYS))


@functools.lru_cache(maxsize=1)
def configured_stores() -> dict[str, ObjectStore]:
    return {name: store_open(config) for name, config in store_configs_from_env().items()}
