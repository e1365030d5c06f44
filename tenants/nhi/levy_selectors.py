"""Every read of 賦課: a household's levy with its step-by-step explanation, the rate tables. A household's levy
names its persons, so reading it leaves an audit record."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from . import audit, permissions, residents_facts
from .levy_models import Assessment, IncomeRecord, RateTable, TableStatus
from .selectors import NotFound


@dataclass
class HouseholdLevy:
    household_id: int
    fiscal_year: int
    members: list  # PersonVersion, 世帯主 first
    current: Assessment | None
    history: list[Assessment]
    table: RateTable | None
    incomes: dict[int, IncomeRecord]

    @property
    def rows(self) -> list[tuple]:
        """(member, last year's income record or None), 世帯主 first."""
        return [(m, self.incomes.get(m.person_id)) for m in self.members]


def household_levy(*, actor, town, household_id: int, fiscal_year: int) -> HouseholdLevy:
    audit.assert_in_town(town)
    if not permissions.can_levy(actor, town):
        raise PermissionDenied("賦課を照会する権限がありません")
    members = residents_facts.members(int(household_id))
    if not members:
        raise NotFound
    history = list(Assessment.objects.filter(household_id=household_id, fiscal_year=fiscal_year)
                   .select_related("rate_table").order_by("-pk")[:20])
    current = next((a for a in history if a.is_current), None)
    table = RateTable.objects.filter(fiscal_year=fiscal_year, is_current=True).first()
    incomes = {r.person_id: r for r in IncomeRecord.objects.filter(
        income_year=fiscal_year - 1, person_id__in=[m.person_id for m in members])}
    audit.record(town=town, actor=actor, action="assessment.read", persons=[m.person_id for m in members],
                 purpose="賦課の照会", household_id=int(household_id), fiscal_year=fiscal_year)
    return HouseholdLevy(int(household_id), fiscal_year, members, current, history, table, incomes)


def ratetables_list(*, actor, town) -> list[RateTable]:
    """Every table and proposal, newest year first (no personal data)."""
    audit.assert_in_town(town)
    if not permissions.can_levy(actor, town):
        raise PermissionDenied("税率表を照会する権限がありません")
    return list(RateTable.objects.order_by("-fiscal_year", "-pk")[:200])


def latest_levy_year() -> int | None:
    row = RateTable.objects.filter(status=TableStatus.APPROVED, is_current=True).order_by("-fiscal_year").first()
    return row.fiscal_year if row else None


def levy_statistics(fiscal_year: int) -> dict[str, int]:
    qs = Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True)
    return {"households": qs.count(), "pending_tables": RateTable.objects.filter(status=TableStatus.PENDING).count()}
