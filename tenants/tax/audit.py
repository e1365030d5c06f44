"""税務's personal-data audit chain (``tax:<団体コード>``) on the shared per-town chain of kyodo.tenantlog."""

from __future__ import annotations

from kyodo.audit.chain import ChainReport
from kyodo.tenantlog import audit as _audit
from kyodo.tenantlog.audit import assert_in_town
from kyodo.tenantlog.models import AuditEntry

from .permissions import APPLICATION

__all__ = ["assert_in_town", "record", "verify"]


def record(*, town, actor, action: str, person_id=None, persons=(), purpose: str = "", outcome: str = "ok",
           **detail) -> AuditEntry:
    return _audit.record(application=APPLICATION, town=town, actor=actor, action=action, person_id=person_id,
                         persons=persons, purpose=purpose, outcome=outcome, **detail)


def verify(town) -> ChainReport:
    return _audit.verify(town, APPLICATION)
