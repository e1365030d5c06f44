"""支援措置 enforcement: who is address-protected right now, and the uniform refusal.

A person is protected when they, or anyone currently in their household, has an active measure:
the household shares one address, so showing any member's address would show theirs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from . import audit
from .models import (
    BlockedAttempt,
    MeasureRequest,
    MeasureRequestKind,
    MeasureStatus,
    PersonVersion,
    SupportMeasure,
)

NOT_FOUND_MESSAGE = "該当する住民が見つからないか、表示できません。"


class ResidentNotFound(Exception):
    """Raised for a missing, another town's, or protected record: callers cannot tell them apart."""

    def __init__(self, message: str = NOT_FOUND_MESSAGE):
        super().__init__(message)
        self.message = message


def _measures_affecting(person_ids: Iterable[int]) -> dict[int, set[int]]:
    """person id -> ids of the active measures that protect them (directly or through the household)."""
    person_ids = set(person_ids)
    if not person_ids:
        return {}
    active = dict(SupportMeasure.objects.filter(status=MeasureStatus.ACTIVE).values_list("person_id", "id"))
    if not active:
        return {}
    # Households of protected persons (current), and the current household of each asked person.
    protected_households: dict[int, set[int]] = {}
    for person_id, household_id in PersonVersion.objects.filter(
            is_current=True, person_id__in=active.keys()).values_list("person_id", "household_id"):
        protected_households.setdefault(household_id, set()).add(active[person_id])
    result: dict[int, set[int]] = {}
    for person_id, household_id in PersonVersion.objects.filter(
            is_current=True, person_id__in=person_ids).values_list("person_id", "household_id"):
        measures = set(protected_households.get(household_id, set()))
        if person_id in active:
            measures.add(active[person_id])
        if measures:
            result[person_id] = measures
    for person_id in person_ids & active.keys():
        result.setdefault(person_id, set()).add(active[person_id])
    return result


def _excepted_measures(actor) -> set[int]:
    """Measures for which ``actor`` holds an approved, unexpired exception (一時解除)."""
    if actor is None:
        return set()
    return set(MeasureRequest.objects.filter(
        kind=MeasureRequestKind.EXCEPTION, status="approved", requested_by_id=actor.pk,
        expires_at__gt=timezone.now(), measure__status=MeasureStatus.ACTIVE,
    ).values_list("measure_id", flat=True))


def assess(actor, person_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """(blocked, seen under an exception) for ``person_ids``, in one pass (3 queries at most)."""
    affecting = _measures_affecting(person_ids)
    if not affecting:
        return set(), set()
    excepted = _excepted_measures(actor)
    blocked = {pid for pid, measures in affecting.items() if not measures <= excepted}
    return blocked, set(affecting) - blocked


def blocked_person_ids(actor, person_ids: Iterable[int]) -> set[int]:
    """The subset of ``person_ids`` whose address ``actor`` may not see right now."""
    return assess(actor, person_ids)[0]


def record_blocked(*, town, actor, person_ids: Iterable[int], channel: str, purpose: str = "") -> None:
    """Log and flag to supervisors, committed even though the caller then refuses."""
    with transaction.atomic():
        for person_id in sorted(set(person_ids)):
            BlockedAttempt.objects.create(
                person_id=person_id, channel=channel, actor_id=getattr(actor, "pk", None),
                actor_username=getattr(actor, "username", "") or "",
            )
            audit.record(town=town, actor=actor, action=f"{channel}.blocked", person_id=person_id,
                         purpose=purpose, outcome="blocked", reason="support_measure")


def refuse_if_blocked(*, town, actor, person_ids: Iterable[int], channel: str, purpose: str = "") -> None:
    person_ids = list(person_ids)
    blocked = blocked_person_ids(actor, person_ids)
    if blocked:
        record_blocked(town=town, actor=actor, person_ids=blocked, channel=channel, purpose=purpose)
        raise ResidentNotFound()
