"""支援措置 (DV・ストーカー等の支援措置): registration, the requests to except or end one, their
second-person decision (through ``kyodo.foureyes``), and acknowledging flagged refusals."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo import foureyes

from .. import audit, permissions
from ..models import (
    Aggressor,
    MeasureRequest,
    MeasureRequestKind,
    MeasureStatus,
    Person,
    SupportMeasure,
)
from ..search import normalise_stored
from .common import allowed, parse_id, require_permission
from .validation import Errors, date_field

MEASURE_REQUEST_DECISION = foureyes.Policy(
    requester_field="requested_by_id",
    # No column holds a reason yet and the page asks for none: a reason given is audited only.
    reason_on_reject=False,
    not_allowed="支援措置の決裁の権限がありません。",
    already_decided="この申請は既に処理済みです。",
    own_request="自分の申請は決裁できません（別の職員が決裁します）。",
)


def support_measure_create(*, actor, town, person_id, starts_on, ends_on=None, note: str = "",
                           aggressors: list[dict] | None = None) -> SupportMeasure:
    """支援措置の開始: effective at once (protection errs on the safe side; ending needs two people)."""
    require_permission(actor, town, permissions.can_manage_measures, "支援措置の登録")
    errors = Errors()
    pid = parse_id(person_id)
    if pid is None or not Person.objects.filter(pk=pid).exists():
        errors.add("person_id", "対象の住民が見つかりません。")
    start = date_field(errors, "starts_on", starts_on, "開始日")
    end = None
    if ends_on:
        end = date_field(errors, "ends_on", ends_on, "終了予定日")
    elif start:
        # 標準仕様: 1 year, filled in from the start date and editable.
        try:
            end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        except ValueError:
            end = start + dt.timedelta(days=364)
    if start and end and end < start:
        errors.add("ends_on", "終了予定日が開始日より前です。")
    clean_aggressors = []
    for i, raw in enumerate(aggressors or []):
        name = normalise_stored(raw.get("name", ""))
        if not name:
            errors.add(f"aggressor{i}_name", "加害者の氏名を入力してください。")
        aggressor_person = None
        if raw.get("person_id") not in (None, ""):
            aggressor_person = parse_id(raw["person_id"])
            if aggressor_person is None or not Person.objects.filter(pk=aggressor_person).exists():
                errors.add(f"aggressor{i}_person_id", "加害者の住民が見つかりません。")
        clean_aggressors.append({**raw, "name": name, "person_id": aggressor_person})
    errors.raise_if_any()
    assert pid is not None and start is not None and end is not None  # guaranteed once no error was recorded
    with transaction.atomic():
        measure = SupportMeasure.objects.create(
            person_id=pid, starts_on=start, ends_on=end, note=note[:500],
            created_by_id=actor.pk, created_by_username=actor.username)
        for raw in clean_aggressors:
            Aggressor.objects.create(measure=measure, name=raw["name"], name_kana=raw.get("name_kana", ""),
                                     birth_date=raw.get("birth_date") or None, person_id=raw["person_id"],
                                     note=raw.get("note", ""))
        audit.record(town=town, actor=actor, action="support_measure.create", person_id=pid,
                     purpose="支援措置", measure_id=measure.pk)
    return measure


def support_measure_request(*, actor, town, measure: SupportMeasure, kind: str, purpose: str) -> MeasureRequest:
    """Ask for a temporary exception (一時解除) or for the end of a measure; a second person decides."""
    require_permission(actor, town, permissions.can_read, "支援措置の申請")
    if kind not in MeasureRequestKind.values:
        raise ValidationError({"kind": ["申請の種類が正しくありません。"]})
    if not (purpose or "").strip():
        raise ValidationError({"purpose": ["理由・目的を入力してください。"]})
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError({"measure": ["この支援措置は既に終了しています。"]})
    with transaction.atomic():
        request = MeasureRequest.objects.create(
            measure=measure, kind=kind, purpose=purpose.strip()[:500],
            requested_by_id=actor.pk, requested_by_username=actor.username)
        audit.record(town=town, actor=actor, action=f"support_measure.{kind}_request",
                     person_id=measure.person_id, purpose=purpose[:200], request_id=request.pk)
    return request


def support_measure_decide(*, actor, town, request: MeasureRequest, approve: bool, reason: str = "",
                           valid_minutes: int = 60) -> MeasureRequest:
    """The second approver: never the requester. An approved exception lets only the requester see
    the protected address, for ``valid_minutes``; an approved end ends the measure."""
    may_decide = allowed(actor, town, permissions.can_manage_measures)
    with transaction.atomic():
        decision = foureyes.decide(request, actor=actor, approve=approve, reason=reason, may_decide=may_decide,
                                   policy=MEASURE_REQUEST_DECISION)
        request = decision.instance
        measure = SupportMeasure.objects.select_for_update().get(pk=request.measure_id)
        if approve and request.kind == MeasureRequestKind.EXCEPTION:
            request.expires_at = decision.decided_at + dt.timedelta(minutes=max(1, min(valid_minutes, 24 * 60)))
            request.save(update_fields=["expires_at"])
        if approve and request.kind == MeasureRequestKind.END:
            measure.status = MeasureStatus.ENDED
            measure.ended_at = timezone.now()
            measure.save(update_fields=["status", "ended_at"])
        detail = {"reason": decision.reason} if decision.reason else {}
        audit.record(town=town, actor=actor, action=f"support_measure.{request.kind}_{decision.outcome}",
                     person_id=measure.person_id, purpose=request.purpose[:200], request_id=request.pk,
                     requested_by=request.requested_by_username, **detail)
    return request


def blocked_attempt_acknowledge(*, actor, town, attempt) -> None:
    """A supervisor has seen a flagged refusal (出力拒否の警告)."""
    require_permission(actor, town, permissions.can_supervise, "警告の確認")
    with transaction.atomic():
        attempt.acknowledged_by_username = actor.username
        attempt.acknowledged_at = timezone.now()
        attempt.save(update_fields=["acknowledged_by_username", "acknowledged_at"])
        audit.record(town=town, actor=actor, action="blocked_attempt.acknowledge", person_id=attempt.person_id,
                     attempt_id=attempt.pk)
