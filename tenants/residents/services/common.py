"""Helpers every residents service uses: the permission check, strict ids, 採番, current rows."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from kyodo.core.input import ASCII_ID

from .. import audit
from ..models import ON_REGISTER, Counter, PersonVersion


def require_permission(actor, town, check, what: str) -> None:
    """Refuse unless ``actor`` passes ``check`` in ``town`` (and we are in that town's schema)."""
    if not allowed(actor, town, check):
        raise PermissionDenied(f"{what}の権限がありません。")


def allowed(actor, town, check) -> bool:
    """``check(actor, town)`` in the town's own schema; no actor is never allowed."""
    audit.assert_in_town(town)
    return actor is not None and bool(check(actor, town))


def parse_id(value) -> int | None:
    """A record id as typed or posted: 1 to 18 ASCII digits, else None (never int()'s wider rules,
    which take '１２' and other Unicode digits, and never a number too big for the database)."""
    if isinstance(value, bool):
        return None
    text = str(value).strip() if value is not None else ""
    return int(text) if ASCII_ID.fullmatch(text) else None


def id_list(value) -> list:
    """A posted list of ids (a single value counts as a list of one); the items are not parsed yet."""
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def next_number(name: str) -> int:
    """採番 in this town's schema (row lock; no sequence shared across towns)."""
    Counter.objects.get_or_create(name=name)
    counter = Counter.objects.select_for_update().get(name=name)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def current_version(person_id: int, *, lock: bool = False) -> PersonVersion | None:
    qs = PersonVersion.objects.filter(person_id=person_id, is_current=True)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def household_members(household_id: int) -> list[PersonVersion]:
    """Current resident members of a household, head first."""
    members = list(PersonVersion.objects.filter(household_id=household_id, is_current=True,
                                                status__in=ON_REGISTER).order_by("person_id"))
    return sorted(members, key=lambda v: (not v.is_head, v.person_id))
