"""Every read of 国保の資格 and 作業; reads of a person's data leave an audit record."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from . import audit, permissions, residents_facts
from .models import Enrolment, Payer, WorkItem, WorkStatus


class NotFound(Exception):
    """Not in this town, or not a person the registry knows: the same answer either way."""


def _require(actor, town) -> None:
    audit.assert_in_town(town)
    if not permissions.can_read(actor, town):
        raise PermissionDenied("国保の資格を照会する権限がありません")


@dataclass
class PersonEligibility:
    person_id: int
    atena_number: str
    name: str
    household_id: int
    history: list[Enrolment]
    current: Enrolment | None
    payer: Payer | None


def person_eligibility(*, actor, town, person_id: int, purpose: str = "資格照会") -> PersonEligibility:
    """A person's 資格履歴 (newest first) and their household's 納付義務者."""
    _require(actor, town)
    version = residents_facts.current(int(person_id))
    if version is None:
        raise NotFound
    history = list(Enrolment.objects.filter(person_id=version.person_id).order_by("-history_no"))
    payer = Payer.objects.filter(household_id=version.household_id, is_current=True).first()
    audit.record(town=town, actor=actor, action="enrolment.read", person_id=version.person_id, purpose=purpose)
    return PersonEligibility(version.person_id, residents_facts.atena_of(version.person_id),
                             f"{version.family_name} {version.given_name}", version.household_id, history,
                             history[0] if history else None, payer)


def workitems_pending(*, actor, town, household_id: int | None = None) -> list[WorkItem]:
    """作業一覧: pending work items, oldest first (each names a person in its summary: audited)."""
    _require(actor, town)
    qs = WorkItem.objects.filter(status=WorkStatus.PENDING)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    items = list(qs.order_by("household_id", "created_at", "pk")[:500])
    if items:
        audit.record(town=town, actor=actor, action="workitem.list", persons=sorted({i.person_id for i in items}),
                     purpose="作業一覧の表示")
    return items


def nhi_statistics(town) -> dict[str, int]:
    """Console figures (no personal data)."""
    return {"被保険者数": Enrolment.objects.filter(is_current=True, lost_on__isnull=True).count(),
            "未処理の作業": WorkItem.objects.filter(status=WorkStatus.PENDING).count()}


@dataclass
class HouseholdMember:
    version: object  # the registry's PersonVersion
    enrolment: Enrolment | None  # current 資格 row
    cards: list  # documents in force (CardIssuance)

    @property
    def insured(self) -> bool:
        return self.enrolment is not None and self.enrolment.lost_on is None


@dataclass
class HouseholdOverview:
    household_id: int
    members: list[HouseholdMember]
    payer: Payer | None
    assessments: list  # current Assessment per fiscal year, newest year first
    pending: int


def household_overview(*, actor, town, household_id: int) -> HouseholdOverview:
    """世帯の国保: each member's current 資格 and documents in force, the 納付義務者, the current levy of each
    year, and how many 作業 are still pending — what one 確定 at the counter produced."""
    from .levy_models import Assessment
    from .models import CardIssuance

    _require(actor, town)
    versions = residents_facts.members(int(household_id))
    if not versions:
        raise NotFound
    ids = [v.person_id for v in versions]
    rows = {e.person_id: e for e in Enrolment.objects.filter(person_id__in=ids, is_current=True)}
    cards: dict[int, list] = {}
    for c in CardIssuance.objects.filter(person_id__in=ids, invalidated_at__isnull=True, returned_at__isnull=True):
        cards.setdefault(c.person_id, []).append(c)
    assessments = list(Assessment.objects.filter(household_id=int(household_id), is_current=True)
                       .order_by("-fiscal_year")[:5])
    audit.record(town=town, actor=actor, action="household.read", persons=ids, purpose="世帯の国保の照会",
                 household_id=int(household_id))
    return HouseholdOverview(
        int(household_id), [HouseholdMember(v, rows.get(v.person_id), cards.get(v.person_id, [])) for v in versions],
        Payer.objects.filter(household_id=int(household_id), is_current=True).first(), assessments,
        WorkItem.objects.filter(household_id=int(household_id), status=WorkStatus.PENDING).count())
