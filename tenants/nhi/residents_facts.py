"""What NHI reads of the residents registry (same town schema): the current record of a person and the
members of a household. Read-only, through the registry's own selectors where they exist."""

from __future__ import annotations

from tenants.residents.models import PersonVersion
from tenants.residents.selectors import household_members, persons_shown


def shown(person_ids) -> dict:
    """宛名番号 and current record (``.atena_number``, ``.version``) of each of these persons, in two queries."""
    return persons_shown(person_ids)


def members_of(household_ids) -> dict[int, list[PersonVersion]]:
    """Members on the register of each of these households, 世帯主 first, in one query."""
    from tenants.residents.models import ON_REGISTER

    found: dict[int, list[PersonVersion]] = {}
    for v in (PersonVersion.objects.filter(household_id__in=list(household_ids), is_current=True,
                                           status__in=ON_REGISTER).order_by("person_id")):
        found.setdefault(v.household_id, []).append(v)
    for rows in found.values():
        rows.sort(key=lambda v: (not v.is_head, v.person_id))
    return found


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


# --- for the levy (賦課): plain values, a few queries whatever the town's size -----------------------------

MEMBER_FIELDS = ("person_id", "household_id", "birth_date", "relationship", "family_name", "given_name")


def member_rows(household_ids=None) -> list[tuple]:
    """(person_id, household_id, birth_date, relationship, family_name, given_name) of every current member on
    the register — of the households in ``household_ids`` (a list or a subquery), or of the whole town."""
    from tenants.residents.models import ON_REGISTER

    qs = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER)
    if household_ids is not None:
        qs = qs.filter(household_id__in=household_ids)
    return list(qs.values_list(*MEMBER_FIELDS))


def households_query(person_ids):
    """The current households (on the register) of these persons (a list or a subquery), as a query of
    ``household_id`` to use as a subquery."""
    from tenants.residents.models import ON_REGISTER

    return (PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER, person_id__in=person_ids)
            .values("household_id"))


def households_of(person_ids) -> list[int]:
    """The current households (on the register) of these persons (a list or a subquery)."""
    return list(households_query(person_ids).values_list("household_id", flat=True).distinct())


def persons_by_atena(atena_numbers) -> dict[str, int]:
    """宛名番号 → person id, for those the registry knows."""
    from tenants.residents.models import Person

    return dict(Person.objects.filter(atena_number__in=list(atena_numbers)).values_list("atena_number", "pk"))


def born_between(earliest, latest, *, person_ids) -> list[PersonVersion]:
    """Current records on the register of these persons born from ``earliest`` to ``latest``."""
    from tenants.residents.models import ON_REGISTER

    return list(PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER, person_id__in=person_ids,
                                             birth_date__gte=earliest, birth_date__lte=latest).order_by("person_id"))
