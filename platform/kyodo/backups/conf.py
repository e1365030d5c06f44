"""Backup configuration as the backup code uses it, from ``kyodo.config.BACKUPS`` (read once at start;
every variable is documented in docs/configuration.md)."""

from __future__ import annotations

from datetime import timedelta

from integrations.objectstore import ObjectStore, store_open
from kyodo import config

KEY_PREFIX = "kyodo"

_opened: tuple[config.BackupConfig, dict[str, ObjectStore]] | None = None


def signing_key() -> bytes:
    """HMAC-SHA256 key that signs manifests and key-share documents (KYODO_BACKUP_SIGNING_KEY or
    KYODO_BACKUP_SIGNING_KEY_FILE; generated into <state dir>/secrets only in debug/demo mode)."""
    key = config.BACKUPS.signing_key
    if not key:
        raise RuntimeError("KYODO_BACKUP_SIGNING_KEY (or KYODO_BACKUP_SIGNING_KEY_FILE) must be set "
                           "when KYODO_DEBUG is off")
    return key.encode()


def chunk_bytes() -> int:
    return config.BACKUPS.chunk_bytes


def retention_for(town_code: str) -> timedelta:
    """Object Lock retention: KYODO_BACKUP_RETENTION_DAYS_<code> overrides KYODO_BACKUP_RETENTION_DAYS."""
    return config.BACKUPS.retention_for(town_code)


def configured_stores() -> dict[str, ObjectStore]:
    """The configured stores, opened once per configuration (their clients are reused)."""
    global _opened
    current = config.BACKUPS
    if _opened is None or _opened[0] is not current:
        _opened = (current, {name: store_open(c) for name, c in current.stores.items()})
    return dict(_opened[1])
