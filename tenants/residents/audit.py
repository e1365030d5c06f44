"""Per-town audit chain of personal-data access (個人情報アクセス記録) on kyodo.audit.chain."""

from __future__ import annotations

from kyodo.audit import chain as _chain
from kyodo.tenancy.db import current_schema

from .models import ResidentAuditEntry, ResidentAuditHead


def chain_name(town) -> str:
    return f"residents:{town.code}"


def assert_in_town(town) -> None:
    """Every residents call runs in the town's own schema (set by django-tenants), never another."""
    schema = current_schema()
    if schema != town.schema_name:
        raise RuntimeError(f"residents call for {town.code} outside its schema ({schema})")


def record(*, town, actor, action: str, person_id=None, persons=(), purpose: str = "", outcome: str = "ok",
           **detail) -> ResidentAuditEntry:
    if persons:
        detail["person_ids"] = sorted(int(p) for p in persons)
    return _chain.append(
        ResidentAuditEntry, ResidentAuditHead, chain=chain_name(town), actor=actor, action=action,
        municipality_code=town.code, target_type="person" if person_id else "",
        target_id=str(person_id or ""), purpose=purpose[:200], outcome=outcome, detail=detail,
    )


def verify(town) -> _chain.ChainReport:
    assert_in_town(town)
    return _chain.verify(ResidentAuditEntry, ResidentAuditHead, chain=chain_name(town))
