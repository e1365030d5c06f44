"""Per-town personal-data audit (個人情報アクセス記録) for every town application.

One hash chain per application per town, ``<application>:<団体コード>``, in the town's own schema,
append-only (database triggers) and verifiable (``kyodo audit verify --town 412066 [--app residents]``).
Each entry says who (staff, vendor or the system, see kyodo.identity.principal), which town, which
person(s), what was done and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from kyodo.audit import chain as _chain
from kyodo.identity.principal import audit_actor_of
from kyodo.tenancy.db import current_schema

from .models import AuditEntry, AuditHead


def chain_name(application: str, town) -> str:
    return f"{application}:{town.code}"


def assert_in_town(town) -> None:
    """A town's records are only ever written or read in the town's own schema."""
    schema = current_schema()
    if schema != town.schema_name:
        raise RuntimeError(f"call for {town.code} outside its schema ({schema})")


def record(*, application: str, town, actor, action: str, person_id=None, persons: Iterable = (),
           purpose: str = "", outcome: str = "ok", **detail) -> AuditEntry:
    """Append one entry to the application's chain in ``town`` (inside the caller's transaction)."""
    assert_in_town(town)
    persons = list(persons)
    if persons:
        detail["person_ids"] = sorted(int(p) for p in persons)
    who = audit_actor_of(actor)
    return _chain.append(
        AuditEntry, AuditHead, chain=chain_name(application, town), actor=None,
        actor_id=who.user_id if who else None, actor_username=(who.name if who else "")[:150],
        actor_kind=who.kind if who else "system", application=application,
        municipality_code=town.code, action=action, target_type="person" if person_id else "",
        target_id=str(person_id or ""), purpose=(purpose or "")[:200], outcome=outcome, detail=detail,
    )


def verify(town, application: str) -> _chain.ChainReport:
    assert_in_town(town)
    return _chain.verify(AuditEntry, AuditHead, chain=chain_name(application, town))


def verify_all(town, application: str | None = None) -> list[_chain.ChainReport]:
    """Every chain of this town (or one application's), as found in the town's audit table."""
    assert_in_town(town)
    chains = set(AuditHead.objects.values_list("chain", flat=True))
    chains |= set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    if application:
        chains = {c for c in chains if c == chain_name(application, town)}
    return [_chain.verify(AuditEntry, AuditHead, chain=c) for c in sorted(chains)]
