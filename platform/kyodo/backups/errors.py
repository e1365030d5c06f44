"""Backup errors: a Japanese message for staff that names the town, store, object and chunk, and the
English in ``log_message`` for logs."""

from __future__ import annotations


class BackupError(Exception):
    def __init__(self, message: str, *, log_message: str = "", store: str | None = None,
                 key: str | None = None, chunk: int | None = None):
        super().__init__(message)
        self.message = message
        self.log_message = log_message or message
        self.store = store
        self.key = key
        self.chunk = chunk


class BackupRefused(BackupError):
    """The backup was not started (another one of the same town is running, too few stores...)."""


class BackupFailed(BackupError):
    """The backup started but produced no restorable result."""

    def __init__(self, message: str, *, run=None, **kwargs):
        super().__init__(message, **kwargs)
        self.run = run


class RestoreRefused(BackupError):
    """Restore stopped before committing anything: missing, tampered or mismatched data, or a target
    that must not be written."""
