"""Log records as JSON lines (python-json-logger) carrying the work context (``context.current()``).

Configured in settings.LOGGING: ``KYODO_LOG_FORMAT=json`` (the default with debug off) or ``plain``."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from . import context


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``town`` and ``principal`` to every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        work = context.current()
        record.request_id, record.town, record.principal = work.request_id, work.town, work.principal
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, the work context and, for errors, the
    exception's type and traceback (tracebacks name code, not data: values are never formatted into them)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(town)s %(principal)s",
                         *args, **kwargs)
