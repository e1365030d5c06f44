"""What NHI reads of the residents registry (same town schema): the current record of a person and the
members of a household. Read-only, through the registry's own selectors where they exist."""

from __future__ import annotations

from tenants.residents.models import PersonVersion
from tenants.residents.selectors import household_members, persons_shown


def current(person_id: int) -> PersonVersion | None:
    shown = persons_shown([person_id]).get(int(person_id))
    return shown.version if shown else None


def atena_of(person_id: int) -> str:
    shown = persons_shown([person_id]).get(int(person_id))
    return shown.atena_number if shown else ""


def members(household_id: int) -> list[PersonVersion]:
    """Members on the register, 世帯主 first."""
    return list(household_members(household_id))


def head_of(household_id: int) -> PersonVersion | None:
    return next((v for v in members(household_id) if v.is_head), None)
