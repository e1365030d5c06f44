"""The residents registry's personal-data audit chain (個人情報アクセス記録), on the shared per-town
chain of kyodo.tenantlog (one chain per application per town: ``residents:<団体コード>``)."""

from __future__ import annotations

from kyodo.audit.chain import ChainReport
from kyodo.tenantlog import audit as _audit
from kyodo.tenantlog.audit import assert_in_town
from kyodo.tenantlog.models import AuditEntry

from .permissions import APPLICATION

__all__ = ["assert_in_town", "chain_name", "record", "verify"]


def chain_name(town) -> str:
    return _audit.chain_name(APPLICATION, town)


def record(*, town, actor, action: str, person_id=None, persons=(), purpose: str = "", outcome: str = "ok",
           **detail) -> AuditEntry:
    return _audit.record(application=APPLICATION, town=town, actor=actor, action=action, person_id=person_id,
                         persons=persons, purpose=purpose, outcome=outcome, **detail)


def verify(town) -> ChainReport:
    return _audit.verify(town, APPLICATION)
