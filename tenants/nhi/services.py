"""Every write of 国保の資格: 取得, 喪失, 納付義務者, and confirming or setting aside a 作業 (work item).

Each service is one transaction with its audit record; errors are ValidationError with the field named,
in Japanese. 資格 rows are added, never changed (except ``is_current`` of the row they follow)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo.identity.principal import audit_actor_of
from tenants.residents.dates import parse_date

from . import audit, permissions, residents_facts
from .models import (
    AcquisitionReason,
    Enrolment,
    LossReason,
    Payer,
    PayerKind,
    WorkItem,
    WorkKind,
    WorkStatus,
)


def _who(actor) -> str:
    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def _require(actor, town) -> None:
    audit.assert_in_town(town)
    if not permissions.can_record(actor, town):
        raise PermissionDenied("国保の資格を記録する権限がありません")


def _date(value, *, field: str, label: str) -> dt.date:
    try:
        return parse_date(value, label=label)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _choice(value, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [f"{label}が正しくありません。"]})
    return str(value)


def current_enrolment(person_id: int, *, for_update: bool = False) -> Enrolment | None:
    qs = Enrolment.objects.filter(person_id=person_id, is_current=True)
    if for_update:
        qs = qs.select_for_update()
    return qs.first()


def _next_no(person_id: int) -> int:
    last = Enrolment.objects.filter(person_id=person_id).order_by("-history_no").first()
    return (last.history_no + 1) if last else 1


def enrolment_acquire(*, actor, town, person_id: int, acquired_on, reason: str, is_retiree: bool = False,
                      is_special_case: bool = False, note: str = "", work_item: WorkItem | None = None) -> Enrolment:
    """資格取得: the person becomes insured from ``acquired_on`` (取得日) for ``reason`` (取得事由)."""
    _require(actor, town)
    reason = _choice(reason, AcquisitionReason, field="reason", label="取得事由")
    acquired_on = _date(acquired_on, field="acquired_on", label="取得日")
    with transaction.atomic():
        version = residents_facts.current(int(person_id))
        if version is None:
            raise ValidationError({"person_id": ["住民記録にない方です。"]})
        previous = current_enrolment(int(person_id), for_update=True)
        if previous is not None and previous.lost_on is None:
            raise ValidationError({"person_id": ["すでに資格を取得しています（喪失していません）。"]})
        if previous is not None and acquired_on < previous.lost_on:
            raise ValidationError({"acquired_on": ["取得日が前回の喪失日より前です。"]})
        if acquired_on < version.birth_date:
            raise ValidationError({"acquired_on": ["取得日が生年月日より前です。"]})
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        row = Enrolment.objects.create(
            person_id=int(person_id), atena_number=residents_facts.atena_of(int(person_id)),
            household_id=version.household_id, history_no=_next_no(int(person_id)), acquired_on=acquired_on,
            acquisition_reason=reason, is_retiree=is_retiree, is_special_case=is_special_case, note=note[:200],
            work_item=work_item, recorded_by=_who(actor))
        audit.record(town=town, actor=actor, action="enrolment.acquire", person_id=row.person_id,
                     purpose="資格取得", acquired_on=acquired_on.isoformat(), reason=reason,
                     work_item_id=work_item.pk if work_item else None)
    return row


def enrolment_lose(*, actor, town, person_id: int, lost_on, reason: str, note: str = "",
                   work_item: WorkItem | None = None) -> Enrolment:
    """資格喪失 on ``lost_on`` (喪失日: for 転出 and 死亡 the day after, 国保法8条; see docs/nhi.md)."""
    _require(actor, town)
    reason = _choice(reason, LossReason, field="reason", label="喪失事由")
    lost_on = _date(lost_on, field="lost_on", label="喪失日")
    with transaction.atomic():
        previous = current_enrolment(int(person_id), for_update=True)
        if previous is None or previous.lost_on is not None:
            raise ValidationError({"person_id": ["資格を取得していない方です。"]})
        if lost_on < previous.acquired_on:
            raise ValidationError({"lost_on": ["喪失日が取得日より前です。"]})
        previous.is_current = False
        previous.save(update_fields=["is_current"])
        row = Enrolment.objects.create(
            person_id=previous.person_id, atena_number=previous.atena_number, household_id=previous.household_id,
            history_no=previous.history_no + 1, acquired_on=previous.acquired_on,
            acquisition_reason=previous.acquisition_reason, is_retiree=previous.is_retiree,
            is_special_case=previous.is_special_case, lost_on=lost_on, loss_reason=reason, note=note[:200],
            work_item=work_item, recorded_by=_who(actor))
        audit.record(town=town, actor=actor, action="enrolment.lose", person_id=row.person_id, purpose="資格喪失",
                     lost_on=lost_on.isoformat(), reason=reason, work_item_id=work_item.pk if work_item else None)
    return row


def is_insured(person_id: int) -> bool:
    row = current_enrolment(person_id)
    return row is not None and row.lost_on is None


def payer_set(*, actor, town, household_id: int, person_id: int, valid_from,
              work_item: WorkItem | None = None) -> Payer:
    """納付義務者: the 世帯主 of the household — 擬制世帯主 when the 世帯主 is not insured."""
    _require(actor, town)
    valid_from = _date(valid_from, field="valid_from", label="適用日")
    with transaction.atomic():
        member = next((v for v in residents_facts.members(int(household_id)) if v.person_id == int(person_id)), None)
        if member is None:
            raise ValidationError({"person_id": ["この世帯の世帯員ではありません。"]})
        if not member.is_head:
            raise ValidationError({"person_id": ["納付義務者は世帯主です（住民記録の世帯主を選んでください）。"]})
        if not any(is_insured(v.person_id) for v in residents_facts.members(int(household_id))):
            raise ValidationError({"household_id": ["この世帯に国保の被保険者がいません。"]})
        kind = PayerKind.HEAD if is_insured(member.person_id) else PayerKind.DEEMED_HEAD
        previous = Payer.objects.select_for_update().filter(household_id=household_id, is_current=True).first()
        if previous is not None:
            if previous.person_id == member.person_id and previous.kind == kind:
                return previous  # nothing changes: no new row
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        row = Payer.objects.create(household_id=int(household_id), person_id=member.person_id, kind=kind,
                                   valid_from=valid_from, history_no=(previous.history_no + 1) if previous else 1,
                                   work_item=work_item, recorded_by=_who(actor))
        audit.record(town=town, actor=actor, action="payer.set", person_id=row.person_id, purpose="納付義務者の変更",
                     household_id=row.household_id, kind=kind, valid_from=valid_from.isoformat())
    return row


# --- 作業 (work items) ---------------------------------------------------------------------------------

def _apply(actor, town, item: WorkItem) -> None:
    p = item.proposed
    if item.kind == WorkKind.ACQUIRE:
        enrolment_acquire(actor=actor, town=town, person_id=item.person_id, acquired_on=p["date"],
                          reason=p["reason"], work_item=item)
    elif item.kind == WorkKind.LOSE:
        enrolment_lose(actor=actor, town=town, person_id=item.person_id, lost_on=p["date"], reason=p["reason"],
                       work_item=item)
    elif item.kind == WorkKind.PAYER:
        payer_set(actor=actor, town=town, household_id=item.household_id, person_id=item.person_id,
                  valid_from=p["date"], work_item=item)


def _decide(actor, town, item_id: int, status: str, note: str = "") -> WorkItem:
    _require(actor, town)
    with transaction.atomic():
        item = WorkItem.objects.select_for_update().filter(pk=int(item_id)).first()
        if item is None:
            raise WorkItem.DoesNotExist
        if item.status != WorkStatus.PENDING:
            raise ValidationError({"item": ["この作業はすでに処理されています。"]})
        if status == WorkStatus.CONFIRMED:
            _apply(actor, town, item)
        item.status, item.decided_at, item.decided_by = status, timezone.now(), _who(actor)
        item.decision_note = note[:200]
        item.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        audit.record(town=town, actor=actor, action=f"workitem.{status}", person_id=item.person_id,
                     purpose="作業の処理", work_item_id=item.pk, kind=item.kind)
    return item


def workitem_confirm(*, actor, town, item_id: int) -> WorkItem:
    """確定: apply the proposed 取得・喪失・納付義務者 in one step."""
    return _decide(actor, town, item_id, WorkStatus.CONFIRMED)


def workitem_dismiss(*, actor, town, item_id: int, note: str) -> WorkItem:
    """対象外: e.g. a 転入者 who keeps their 社会保険. A reason is required."""
    if not (note or "").strip():
        raise ValidationError({"note": ["対象外とする理由を入力してください。"]})
    return _decide(actor, town, item_id, WorkStatus.DISMISSED, note.strip())


def workitems_confirm_household(*, actor, town, household_id: int) -> list[WorkItem]:
    """Confirm every pending 作業 of a household at once: 取得・喪失 first, then the 納付義務者 (its kind
    depends on who is insured)."""
    _require(actor, town)
    order: dict[str, int] = {WorkKind.ACQUIRE.value: 0, WorkKind.LOSE.value: 1, WorkKind.PAYER.value: 2}
    with transaction.atomic():
        ids = list(WorkItem.objects.filter(household_id=int(household_id), status=WorkStatus.PENDING)
                   .values_list("pk", "kind"))
        return [workitem_confirm(actor=actor, town=town, item_id=pk)
                for pk, kind in sorted(ids, key=lambda r: (order.get(r[1], 9), r[0]))]
