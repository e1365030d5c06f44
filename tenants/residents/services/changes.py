"""異動: 仮登録 (``change_submit``), 決裁 (``change_approve``) and 差戻し (``change_reject``).

Every 異動 is validated by one flow (``validate_change``: the dates common to all kinds, then the
kind's own validator from ``kinds.KINDS``) at entry and again at approval, against the registry as
it is then. It takes effect only when another member of staff approves it (四つの目, through
``kyodo.foureyes``); approval adds a new PersonVersion (履歴) per affected person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo import foureyes

from .. import audit, events, kinds, permissions, suppression
from ..models import Change, ChangeKind, Person, Process
from .common import allowed, household_members, id_list, parse_id, require_permission
from .measures import follow_move_out
from .validation import ChangeInput, Errors, date_field

CHANGE_DECISION = foureyes.Policy(
    requester_field="entered_by_id", reject_reason_field="rejection_reason",
    not_allowed="審査・決裁の権限がありません。",
    already_decided="この異動は既に処理済みです。",
    own_request="自分が入力した異動は審査できません（別の職員が決裁します）。",
    reason_required="差戻しの理由を入力してください。",
)


@dataclass(frozen=True)
class ValidatedChange:
    payload: dict            # stored on the Change; re-validated at approval
    person_ids: list[int]    # persons known before approval (new persons get ids when applied)
    household_id: int | None
    summary: str


def validate_change(spec: kinds.ChangeKindSpec, *, town, notified_on, effective_on, data: dict) -> ValidatedChange:
    """The one validation flow of every kind; raises ValidationError naming each field at fault."""
    errors = Errors()
    today = timezone.localdate()
    notified = date_field(errors, "notified_on", notified_on, "届出日")
    effective = date_field(errors, "effective_on", effective_on, "異動日")
    if notified and notified > today:
        errors.add("notified_on", "届出日が未来の日付です。")
    if effective and effective > today and not spec.future_effective_on:
        errors.add("effective_on", "異動日が未来の日付です（未来の異動日は転出予定日のみ入力できます）。")
    if spec.notified_on_or_after_effective and notified and effective and notified < effective:
        errors.add("notified_on", f"届出日が異動日より前です（{spec.title}は{spec.label}した日以後に受け付けます）。")
    part = spec.validate(errors, ChangeInput(kind=spec.kind, town=town, notified_on=notified,
                                             effective_on=effective, data=data))
    errors.raise_if_any()
    assert notified is not None and effective is not None  # guaranteed once no error was recorded
    payload = {**part.payload, "notified_on": notified.isoformat(), "effective_on": effective.isoformat()}
    return ValidatedChange(payload, part.person_ids, part.household_id, f"{spec.label}: {'、'.join(part.names)}")


def _touched(data: dict) -> set[int]:
    """The persons an entry names: its person, its persons and the members of its households.
    Ids that do not parse touch nobody; validation then reports them on their field."""
    ids = {pid for pid in map(parse_id, id_list(data.get("person_ids"))) if pid is not None}
    person_id = parse_id(data.get("person_id"))
    if person_id is not None:
        ids.add(person_id)
    for key in ("household_id", "target_household_id"):
        household_id = parse_id(data.get(key))
        if household_id is not None:
            ids |= {m.person_id for m in household_members(household_id)}
    return ids


def _check_blocks(actor, town, ids, alert_purpose: suppression.Purpose) -> None:
    """異動 blocks (標準仕様 3.1), before validation (whose messages describe the record): an error
    refuses; an alert (e.g. 支援措置: the protected person's own 異動 can be processed) needs the
    warning acknowledged with a purpose, and is flagged."""
    result = suppression.check(Process.CHANGE, ids, actor=actor)
    suppression.enforce(result, town=town, actor=actor, channel="change", purpose="異動",
                        alert_purpose=alert_purpose)


def change_submit(*, actor, town, kind: str, notified_on, effective_on, data: dict,
                  alert_purpose: suppression.Purpose = "") -> Change:
    """異動の仮登録: validated and saved, but invisible in the registry until approved."""
    require_permission(actor, town, permissions.can_enter_change, "異動の入力")
    spec = kinds.spec_for(kind)
    _check_blocks(actor, town, _touched(data), alert_purpose)
    checked = validate_change(spec, town=town, notified_on=notified_on, effective_on=effective_on, data=dict(data))
    with transaction.atomic():
        change = Change.objects.create(
            kind=spec.kind.value, notified_on=checked.payload["notified_on"],
            effective_on=checked.payload["effective_on"], reason_code=spec.reason_code, payload=checked.payload,
            summary=checked.summary[:300], household_id=checked.household_id, person_ids=checked.person_ids,
            entered_by_id=actor.pk, entered_by_username=actor.username,
        )
        audit.record(town=town, actor=actor, action="change.submit", persons=checked.person_ids,
                     purpose=spec.label, change_id=change.pk, kind=spec.kind.value)
        # Intake and task distribution act on entries awaiting 審査, not only on approved ones.
        events.emit(events.CHANGE_SUBMITTED, town=town, actor=actor, aggregate_id=change.pk, change_id=change.pk,
                    kind=change.kind, effective_on=checked.payload["effective_on"],
                    person_ids=checked.person_ids, household_id=checked.household_id)
    return change


def change_reject(*, actor, town, change: Change, reason: str) -> Change:
    """差戻し: the change is closed without effect; the reason is kept and shown to the entrant."""
    may_decide = allowed(actor, town, permissions.can_approve_changes)
    with transaction.atomic():
        decision = foureyes.decide(change, actor=actor, approve=False, reason=reason, may_decide=may_decide,
                                   policy=CHANGE_DECISION)
        change = decision.instance
        audit.record(town=town, actor=actor, action="change.reject", persons=change.person_ids,
                     purpose="審査・決裁", change_id=change.pk, reason=decision.reason)
        events.emit(events.CHANGE_REJECTED, town=town, actor=actor, aggregate_id=change.pk, change_id=change.pk,
                    kind=change.kind, person_ids=change.person_ids)
    return change


def change_approve(*, actor, town, change: Change, alert_purpose: suppression.Purpose = "") -> Change:
    """決裁: another member of staff approves; the change is re-validated against today's registry,
    applied as new history rows, audited, and its events written to the outbox, all at once.
    A 転出 of a 申出者 switches their 支援措置 to 前住所地の仮支援措置."""
    may_decide = allowed(actor, town, permissions.can_approve_changes)
    if may_decide:
        _check_blocks(actor, town, set(change.person_ids), alert_purpose)
    with transaction.atomic():
        change = foureyes.decide(change, actor=actor, approve=True, may_decide=may_decide,
                                 policy=CHANGE_DECISION).instance
        spec = kinds.spec_for(change.kind)
        if change.person_ids:
            list(Person.objects.select_for_update().filter(pk__in=change.person_ids))
        checked = validate_change(spec, town=town, notified_on=change.notified_on,
                                  effective_on=change.effective_on, data=dict(change.payload))
        blocker = spec.approval_blocker(checked.payload) if spec.approval_blocker else None
        if blocker:
            raise ValidationError({"household_id": [blocker]})
        touched = spec.apply(change, checked.payload, town)
        change.person_ids = sorted(set(change.person_ids) | set(touched))
        change.save()
        if spec.kind == ChangeKind.MOVE_OUT:
            follow_move_out(town=town, actor=actor, person_ids=change.person_ids,
                            destination=str(checked.payload.get("destination", "")))
        audit.record(town=town, actor=actor, action="change.approve", persons=change.person_ids,
                     purpose="審査・決裁", change_id=change.pk, kind=change.kind)
        payload: dict[str, Any] = {"change_id": change.pk, "kind": change.kind, "effective_on": change.effective_on.isoformat()
                   if isinstance(change.effective_on, dt.date) else change.effective_on,
                   "person_ids": change.person_ids, "household_id": change.household_id}
        events.emit(events.CHANGE_APPROVED, town=town, actor=actor, aggregate_id=change.pk, **payload)
        events.emit(spec.event_type, town=town, actor=actor, aggregate_id=change.pk, **payload)
    return change


def move_outs_complete(*, actor, town, today: dt.date | None = None) -> list[int]:
    """転出予定日 reached (run daily by the scheduler): the 転出予定 persons whose date has come leave
    the registry, in one transaction with an audit record naming them. Idempotent."""
    from .apply import move_outs_complete as _complete

    audit.assert_in_town(town)
    with transaction.atomic():
        ids = _complete(today=today or timezone.localdate())
        if ids:
            audit.record(town=town, actor=actor, action="change.move_out_completed", persons=ids,
                         purpose="転出予定日の到来")
    return ids
