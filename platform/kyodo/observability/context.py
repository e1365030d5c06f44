"""The context of the work under way — request id (or task id), town and principal — for every log line.

Set by ``RequestContextMiddleware`` for a web request and by Celery's ``task_prerun`` signal for a task; read by
``logs.ContextFilter``. Only identifiers are kept: the town's 団体コード (or schema) and the principal's kind and
id, never a person's name or number."""

from __future__ import annotations

import contextvars
import re
import uuid
from dataclasses import dataclass, replace

# An incoming X-Request-ID from the reverse proxy is kept only if it is a plain token (no spaces, no personal
# data smuggled into logs); anything else is replaced by our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


@dataclass(frozen=True)
class WorkContext:
    request_id: str = "-"
    town: str = "-"
    principal: str = "-"


_NONE = WorkContext()
_current: contextvars.ContextVar[WorkContext | None] = contextvars.ContextVar("kyodo_work", default=None)


def current() -> WorkContext:
    return _current.get() or _NONE


def start(request_id: str | None = None) -> contextvars.Token:
    """Begin a unit of work (a request or a task) with a fresh context; returns the token for :func:`end`."""
    rid = request_id if request_id and _REQUEST_ID.fullmatch(request_id) else uuid.uuid4().hex
    return _current.set(WorkContext(request_id=rid))


def end(token: contextvars.Token) -> None:
    _current.reset(token)


def clear() -> None:
    """No work under way (a request has finished)."""
    _current.set(None)


def bind_town(town) -> None:
    """The town the work is for: its 団体コード (a Municipality) or the schema name given to a task."""
    code = getattr(town, "code", None) or (town if isinstance(town, str) else None)
    if code:
        _current.set(replace(current(), town=str(code)[:40]))


def bind_principal(principal) -> None:
    """The caller, as ``kind:id`` (staff:<user id>, vendor:<client>, system:<what>) — never a display name."""
    label = principal_label(principal)
    if label:
        _current.set(replace(current(), principal=label))


def principal_label(principal) -> str:
    if principal is None:
        return ""
    if isinstance(principal, dict):  # a task's serialized principal
        from kyodo.identity.principal import from_task

        try:
            principal = from_task(principal)
        except (KeyError, TypeError, ValueError):
            return "unknown"
    actor = principal.audit_actor() if hasattr(principal, "audit_actor") else None
    return f"{actor.kind}:{actor.id}"[:80] if actor else ""
