"""支援措置 (DV・ストーカー・児童虐待等の支援措置, 標準仕様 1.6) and the other blocks of the 抑止
engine (3.1): registration, 仮支援措置 and its confirmation, 延長, the switch to 前住所地の仮支援措置
on 転出, the request to end a measure and its second-person decision, temporary lifts (一時解除,
released by the 支援措置責任者) and acknowledging flagged records.

A measure is carried out by three blocks on everyone it covers: 証明 is an error (when it
restricts 住民票の写し等), 照会 and 異動 are alerts. Setting or ending a 証明 block is sent to other
systems (the outbox event ``residents.suppression_set`` / ``_ended``, for コンビニ交付 and the CS);
a temporary lift never is.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo import foureyes

from .. import audit, events, permissions, suppression
from ..models import (
    Aggressor,
    ChangeStatus,
    MeasureKind,
    MeasureRequest,
    MeasureRequestKind,
    MeasureStatus,
    MeasureSubject,
    Person,
    Process,
    RestrictedService,
    Severity,
    SupportMeasure,
    Suppression,
    SuppressionLift,
    SuppressionReason,
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

LIFT_DECISION = foureyes.Policy(
    requester_field="requested_by_id",
    reject_reason_field="rejection_reason",
    not_allowed="一時解除は支援措置責任者が決裁します。",
    already_decided="この申請は既に処理済みです。",
    own_request="自分の申請は決裁できません（支援措置責任者である別の職員が決裁します）。",
    reason_required="却下の理由を入力してください。",
)

# The blocks a measure carries (標準仕様 1.6: 写し・閲覧 are an error, 照会 an alert; the protected
# person's own 異動 can be processed, with the alert).
MEASURE_BLOCKS = ((Process.CERTIFICATE, Severity.ERROR), (Process.INQUIRY, Severity.ALERT),
                  (Process.CHANGE, Severity.ALERT))
CERTIFICATE_SERVICES = {RestrictedService.COPY, RestrictedService.COPY_PREVIOUS}
LIFT_MINUTES = (1, 24 * 60)  # how long an approved lift may stand, at least and at most


def one_year_from(start: dt.date) -> dt.date:
    """The default 終了日: the day before the same date a year later."""
    try:
        return start.replace(year=start.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 2月29日
        return start + dt.timedelta(days=365)


def extension_opens(ends_on: dt.date) -> dt.date:
    """The first day 延長 is allowed: one month before the end date (the same day of the previous
    month, or that month's last day)."""
    month, year = (ends_on.month - 1, ends_on.year) if ends_on.month > 1 else (12, ends_on.year - 1)
    for day in (ends_on.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _person(errors: Errors, field: str, value, label: str) -> int | None:
    pid = parse_id(value)
    if pid is None or not Person.objects.filter(pk=pid).exists():
        errors.add(field, f"{label}の住民が見つかりません。")
        return None
    return pid


def _aggressors(errors: Errors, raw_list) -> list[dict]:
    clean = []
    for i, raw in enumerate(raw_list or []):
        name = normalise_stored(raw.get("name", ""))
        if not name:
            errors.add(f"aggressor{i}_name", "加害者の氏名を入力してください。")
        birth = None
        if raw.get("birth_date"):
            birth = date_field(errors, f"aggressor{i}_birth_date", raw["birth_date"], "加害者の生年月日")
        sex = str(raw.get("sex") or "")
        if sex not in ("", "1", "2"):
            errors.add(f"aggressor{i}_sex", "加害者の性別は 1（男）か 2（女）で入力してください。")
        person = None
        if raw.get("person_id") not in (None, ""):
            person = _person(errors, f"aggressor{i}_person_id", raw["person_id"], "加害者")
        clean.append({"name": name, "name_kana": normalise_stored(raw.get("name_kana", ""))[:200],
                      "birth_date": birth, "sex": sex, "address": normalise_stored(raw.get("address", ""))[:300],
                      "person_id": person, "note": normalise_stored(raw.get("note", ""))[:500]})
    return clean


def support_measure_create(*, actor, town, person_id, starts_on, ends_on=None, note: str = "",
                           kind: str = MeasureKind.FORMAL, subjects: list[dict] | None = None,
                           aggressors: list[dict] | None = None,
                           restricted_services: list[str] | None = None) -> SupportMeasure:
    """支援措置の開始 for the 申出者 ``person_id`` and the 併せて支援を求める者 ``subjects``
    (``{"person_id", "relation"}``): effective at once, whichever the stage (a 仮支援措置 protects
    as much as a confirmed one). A 仮支援措置 may be registered at the counter; a confirmed one
    needs the measure managers' role."""
    if kind == MeasureKind.PROVISIONAL:
        require_permission(actor, town, permissions.can_register_provisional_measure, "仮支援措置の登録")
    else:
        require_permission(actor, town, permissions.can_manage_measures, "支援措置の登録")
    errors = Errors()
    if kind not in (MeasureKind.PROVISIONAL, MeasureKind.FORMAL):
        errors.add("kind", "種別は 仮支援措置 か 支援措置 を選んでください。")
    pid = _person(errors, "person_id", person_id, "申出者")
    start = date_field(errors, "starts_on", starts_on, "開始日")
    end = date_field(errors, "ends_on", ends_on, "終了日") if ends_on else (one_year_from(start) if start else None)
    if start and end and end < start:
        errors.add("ends_on", "終了日が開始日より前です。")
    services = list(RestrictedService.values) if restricted_services is None else list(restricted_services)
    if not services or any(s not in RestrictedService.values for s in services):
        errors.add("restricted_services", "対象となる事務を選んでください。")
    named: dict[int, str] = {}
    for i, raw in enumerate(subjects or []):
        sid = _person(errors, f"subject{i}_person_id", raw.get("person_id"), "併せて支援を求める者")
        if sid is not None and sid == pid:
            errors.add(f"subject{i}_person_id", "申出者本人は併せて支援を求める者に含めません。")
        elif sid is not None:
            named[sid] = normalise_stored(raw.get("relation", ""))[:30]
    clean_aggressors = _aggressors(errors, aggressors)
    errors.raise_if_any()
    assert pid is not None and start is not None and end is not None  # guaranteed once no error was recorded
    return _measure_open(actor=actor, town=town, pid=pid, kind=kind, start=start, end=end, note=note,
                         services=services, named=named, aggressors=clean_aggressors)


def _measure_open(*, actor, town, pid: int, kind: str, start, end, note: str, services: list[str],
                  named: dict[int, str], aggressors: list[dict]) -> SupportMeasure:
    with transaction.atomic():
        measure = SupportMeasure.objects.create(
            person_id=pid, kind=kind, starts_on=start, ends_on=end, note=normalise_stored(note)[:500],
            restricted_services=services, created_by_id=actor.pk or 0, created_by_username=actor.username)
        for sid, relation in named.items():
            MeasureSubject.objects.create(measure=measure, person_id=sid, relation=relation)
        for raw in aggressors:
            Aggressor.objects.create(measure=measure, **raw)
        blocks = [(p, s) for p, s in MEASURE_BLOCKS
                  if p != Process.CERTIFICATE or CERTIFICATE_SERVICES & set(services)]
        for process, severity in blocks:
            _set(town=town, actor=actor, process=process, severity=severity, reason=SuppressionReason.SUPPORT_MEASURE,
                 measure=measure, starts_on=start, ends_on=end, persons=[pid, *named])
        audit.record(town=town, actor=actor, action="support_measure.create", person_id=pid,
                     persons=[pid, *named], purpose="支援措置", measure_id=measure.pk, kind=kind,
                     restricted_services=services, aggressors=len(aggressors))
    return measure


def support_measure_open(*, actor, town, person_id: int, kind: str, starts_on, ends_on, note: str = "") -> SupportMeasure:
    """A 支援措置 carried over from another system (標準レイアウトの移行): opened with the same 抑止 as one
    registered at the counter; the run that loads it was authorised (県管理者 or the system) and audited."""
    if kind not in MeasureKind.values:
        raise ValidationError({"kind": ["支援措置の種別が正しくありません。"]})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": ["終了日が開始日より前です。"]})
    return _measure_open(actor=actor, town=town, pid=person_id, kind=kind, start=starts_on, end=ends_on, note=note,
                         services=list(RestrictedService.values), named={}, aggressors=[])


def _set(*, town, actor, process, severity, reason, starts_on, ends_on=None, measure=None, person_id=None,
         household_id=None, note: str = "", persons=()) -> Suppression:
    block = Suppression.objects.create(
        process=process, severity=severity, reason=reason, measure=measure, person_id=person_id,
        household_id=household_id, starts_on=starts_on, ends_on=ends_on, note=note,
        created_by_id=actor.pk or 0, created_by_username=actor.username)
    if process == Process.CERTIFICATE:  # sent to コンビニ交付 and the CS
        events.emit(events.SUPPRESSION_SET, town=town, actor=actor, aggregate_type="suppression",
                    aggregate_id=block.pk, suppression_id=block.pk, process=process, severity=severity,
                    reason=reason, person_ids=sorted(set(persons) | ({person_id} if person_id else set())),
                    household_id=household_id, starts_on=starts_on.isoformat())
    return block


def _end(*, town, actor, block: Suppression, reason: str) -> None:
    block.ended_at = timezone.now()
    block.ended_by_username = actor.username
    block.end_reason = reason[:500]
    block.save(update_fields=["ended_at", "ended_by_username", "end_reason"])
    if block.process == Process.CERTIFICATE:
        events.emit(events.SUPPRESSION_ENDED, town=town, actor=actor, aggregate_type="suppression",
                    aggregate_id=block.pk, suppression_id=block.pk, process=block.process, reason=block.reason)


def _active_measure(measure_id) -> SupportMeasure:
    pk = parse_id(measure_id)
    measure = SupportMeasure.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
    if measure is None:
        raise ValidationError({"measure": ["支援措置が見つかりません。"]})
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError({"measure": ["この支援措置は既に終了しています。"]})
    return measure


def support_measure_confirm(*, actor, town, measure_id) -> SupportMeasure:
    """仮支援措置 → 支援措置 once the 申出 has been checked (the period runs on unchanged)."""
    require_permission(actor, town, permissions.can_manage_measures, "支援措置の決定")
    with transaction.atomic():
        measure = _active_measure(measure_id)
        if measure.kind != MeasureKind.PROVISIONAL:
            raise ValidationError({"kind": ["仮支援措置ではありません。"]})
        measure.kind = MeasureKind.FORMAL
        measure.save(update_fields=["kind"])
        audit.record(town=town, actor=actor, action="support_measure.confirm", person_id=measure.person_id,
                     purpose="支援措置", measure_id=measure.pk)
    return measure


def support_measure_extend(*, actor, town, measure_id, today: dt.date | None = None) -> SupportMeasure:
    """延長: from one month before the end date (also after it, while the measure is not ended),
    the end date moves on by a year."""
    require_permission(actor, town, permissions.can_manage_measures, "支援措置の延長")
    today = today or timezone.localdate()
    with transaction.atomic():
        measure = _active_measure(measure_id)
        opens = extension_opens(measure.ends_on)
        if today < opens:
            raise ValidationError({"ends_on": [f"延長は終了日の1か月前（{opens:%Y-%m-%d}）から受け付けます。"]})
        measure.ends_on = one_year_from(measure.ends_on + dt.timedelta(days=1))
        measure.extended_times += 1
        measure.save(update_fields=["ends_on", "extended_times"])
        Suppression.objects.filter(measure=measure, ended_at__isnull=True).update(ends_on=measure.ends_on)
        audit.record(town=town, actor=actor, action="support_measure.extend", person_id=measure.person_id,
                     purpose="支援措置の延長", measure_id=measure.pk, ends_on=measure.ends_on.isoformat())
    return measure


def follow_move_out(*, town, actor, person_ids, destination: str = "") -> list[int]:
    """転出 of a 申出者: their measures switch to 前住所地の仮支援措置 (標準仕様 1.6) and keep
    protecting the 除票 here; called inside the approval of the 転出."""
    switched = []
    for measure in SupportMeasure.objects.select_for_update().filter(
            person_id__in=list(person_ids), status=MeasureStatus.ACTIVE).exclude(kind=MeasureKind.PREVIOUS_ADDRESS):
        measure.kind = MeasureKind.PREVIOUS_ADDRESS
        measure.previous_municipality = town.name
        measure.forwarded_to = normalise_stored(destination)[:200]
        measure.save(update_fields=["kind", "previous_municipality", "forwarded_to"])
        audit.record(town=town, actor=actor, action="support_measure.previous_address", person_id=measure.person_id,
                     purpose="転出に伴う前住所地の仮支援措置", measure_id=measure.pk)
        switched.append(measure.pk)
    return switched


def support_measure_request(*, actor, town, measure: SupportMeasure, kind: str, purpose: str) -> MeasureRequest:
    """Ask for the end of a measure (on the person's request, after the period, or when the 首長
    judges it no longer needed); a second member of staff decides."""
    require_permission(actor, town, permissions.can_manage_measures, "支援措置の終了の申請")
    if kind not in MeasureRequestKind.values:
        raise ValidationError({"kind": ["申請の種類が正しくありません。"]})
    if not (purpose or "").strip():
        raise ValidationError({"purpose": ["理由・目的を入力してください。"]})
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError({"measure": ["この支援措置は既に終了しています。"]})
    with transaction.atomic():
        request = MeasureRequest.objects.create(
            measure=measure, kind=kind, purpose=normalise_stored(purpose)[:500],
            requested_by_id=actor.pk, requested_by_username=actor.username)
        audit.record(town=town, actor=actor, action=f"support_measure.{kind}_request",
                     person_id=measure.person_id, purpose=purpose[:200], request_id=request.pk)
    return request


def support_measure_decide(*, actor, town, request: MeasureRequest, approve: bool, reason: str = "") -> MeasureRequest:
    """The second approver (never the requester). An approved end ends the measure and its blocks;
    the persons it covered stay protected by any other active measure."""
    may_decide = allowed(actor, town, permissions.can_manage_measures)
    with transaction.atomic():
        decision = foureyes.decide(request, actor=actor, approve=approve, reason=reason, may_decide=may_decide,
                                   policy=MEASURE_REQUEST_DECISION)
        request = decision.instance
        measure = SupportMeasure.objects.select_for_update().get(pk=request.measure_id)
        if approve and request.kind == MeasureRequestKind.END:
            measure.status = MeasureStatus.ENDED
            measure.ended_at = timezone.now()
            measure.end_reason = request.purpose
            measure.save(update_fields=["status", "ended_at", "end_reason"])
            for block in Suppression.objects.select_for_update().filter(measure=measure, ended_at__isnull=True):
                _end(town=town, actor=actor, block=block, reason=request.purpose)
        detail = {"reason": decision.reason} if decision.reason else {}
        audit.record(town=town, actor=actor, action=f"support_measure.{request.kind}_{decision.outcome}",
                     person_id=measure.person_id, purpose=request.purpose[:200], request_id=request.pk,
                     requested_by=request.requested_by_username, **detail)
    return request


# --- other 抑止 -------------------------------------------------------------------------------------

def suppression_set(*, actor, town, process: str, severity: str, reason: str, starts_on, ends_on=None,
                    person_id=None, household_id=None, note: str = "") -> Suppression:
    """抑止の設定 for one person or one household (消除対象者, 裁判所等の命令, 成年被後見人 …); a
    支援措置 sets its own blocks."""
    require_permission(actor, town, permissions.can_manage_measures, "抑止の設定")
    errors = Errors()
    if process not in Process.values:
        errors.add("process", "業務（異動・証明・照会）を選んでください。")
    if severity not in Severity.values:
        errors.add("severity", "区分（エラー・アラート）を選んでください。")
    if reason not in SuppressionReason.values or reason == SuppressionReason.SUPPORT_MEASURE:
        errors.add("reason", "抑止事由を選んでください（支援措置は支援措置の画面で登録します）。")
    pid = parse_id(person_id) if person_id not in (None, "") else None
    hid = parse_id(household_id) if household_id not in (None, "") else None
    if (pid is None) == (hid is None):
        errors.add("person_id", "対象の個人か世帯のどちらか一つを指定してください。")
    elif pid is not None and not Person.objects.filter(pk=pid).exists():
        errors.add("person_id", "対象の住民が見つかりません。")
    elif hid is not None:
        from ..models import Household

        if not Household.objects.filter(pk=hid).exists():
            errors.add("household_id", "対象の世帯が見つかりません。")
    start = date_field(errors, "starts_on", starts_on, "開始日")
    end = date_field(errors, "ends_on", ends_on, "終了予定日") if ends_on else None
    if start and end and end < start:
        errors.add("ends_on", "終了予定日が開始日より前です。")
    errors.raise_if_any()
    assert start is not None
    with transaction.atomic():
        block = _set(town=town, actor=actor, process=process, severity=severity, reason=reason, starts_on=start,
                     ends_on=end, person_id=pid, household_id=hid, note=normalise_stored(note)[:500])
        audit.record(town=town, actor=actor, action="suppression.set", person_id=pid, purpose="抑止の設定",
                     suppression_id=block.pk, process=process, severity=severity, reason=reason,
                     household_id=hid)
    return block


def suppression_end(*, actor, town, suppression_id, reason: str) -> Suppression:
    """抑止の解除: an explicit act with its reason (a block never lapses at its end date)."""
    require_permission(actor, town, permissions.can_manage_measures, "抑止の解除")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["解除の理由を入力してください。"]})
    with transaction.atomic():
        pk = parse_id(suppression_id)
        block = Suppression.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
        if block is None or block.ended_at is not None:
            raise ValidationError({"suppression": ["解除できる抑止が見つかりません。"]})
        if block.measure_id is not None:
            raise ValidationError({"suppression": ["支援措置の抑止は支援措置の終了で解除します。"]})
        _end(town=town, actor=actor, block=block, reason=normalise_stored(reason))
        audit.record(town=town, actor=actor, action="suppression.end", person_id=block.person_id,
                     purpose="抑止の解除", suppression_id=block.pk, reason=reason[:200])
    return block


# --- 一時解除 ---------------------------------------------------------------------------------------

def lift_request(*, actor, town, person_id, purpose: str, process: str = Process.CERTIFICATE) -> SuppressionLift:
    """Ask the 支援措置責任者 to release one issuance (or one process) for a protected person: the
    request names the error-level blocks standing now; a block set later is not lifted by it."""
    require_permission(actor, town, permissions.can_read, "一時解除の申請")
    pid = parse_id(person_id)
    if pid is None or not Person.objects.filter(pk=pid).exists():
        raise ValidationError({"person_id": ["対象の住民が見つかりません。"]})
    if process not in Process.values:
        raise ValidationError({"process": ["業務が正しくありません。"]})
    if not (purpose or "").strip():
        raise ValidationError({"purpose": ["一時解除が必要な理由（請求の内容・審査の結果）を入力してください。"]})
    checked = suppression.check(process, [pid])
    blocks = sorted(h.suppression_id for h in checked.hits.get(pid, ()) if h.severity == Severity.ERROR)
    if not blocks:
        raise ValidationError({"person_id": ["この住民には一時解除の必要な抑止がありません。"]})
    with transaction.atomic():
        lift = SuppressionLift.objects.create(
            person_id=pid, process=process, suppression_ids=blocks, purpose=normalise_stored(purpose)[:500],
            requested_by_id=actor.pk, requested_by_username=actor.username)
        audit.record(town=town, actor=actor, action="suppression_lift.request", person_id=pid,
                     purpose=purpose[:200], lift_id=lift.pk, process=process)
    return lift


def lift_decide(*, actor, town, lift: SuppressionLift, approve: bool, reason: str = "",
                valid_minutes: int = 60) -> SuppressionLift:
    """The 支援措置責任者 (never the requester) releases the request: only the requester may use it,
    once, for ``valid_minutes``; then it reverts by itself. Nothing is sent to other systems."""
    may_decide = allowed(actor, town, permissions.can_release_suppression)
    with transaction.atomic():
        decision = foureyes.decide(lift, actor=actor, approve=approve, reason=reason, may_decide=may_decide,
                                   policy=LIFT_DECISION)
        lift = decision.instance
        if decision.approved:
            minutes = max(LIFT_MINUTES[0], min(int(valid_minutes), LIFT_MINUTES[1]))
            lift.expires_at = decision.decided_at + dt.timedelta(minutes=minutes)
            lift.save(update_fields=["expires_at"])
        audit.record(town=town, actor=actor, action=f"suppression_lift.{decision.outcome}", person_id=lift.person_id,
                     purpose=lift.purpose[:200], lift_id=lift.pk, requested_by=lift.requested_by_username)
    return lift


def lifts_use(*, town, actor, result: suppression.Check, used_for: str) -> list[int]:
    """Mark the lifts a process went through as used (inside the process's transaction)."""
    ids = [lift_id for ls in result.lifts.values() for lift_id in ls]
    if ids:
        SuppressionLift.objects.filter(pk__in=ids, status=ChangeStatus.APPROVED, used_at__isnull=True) \
            .update(used_at=timezone.now(), used_for=used_for[:60])
        audit.record(town=town, actor=actor, action="suppression_lift.use", persons=sorted(result.lifts),
                     purpose=used_for[:200], lift_ids=ids)
    return ids


def blocked_attempt_acknowledge(*, actor, town, attempt) -> None:
    """A supervisor has seen a flagged record (抑止の記録)."""
    require_permission(actor, town, permissions.can_supervise, "警告の確認")
    with transaction.atomic():
        attempt.acknowledged_by_username = actor.username
        attempt.acknowledged_at = timezone.now()
        attempt.save(update_fields=["acknowledged_by_username", "acknowledged_at"])
        audit.record(town=town, actor=actor, action="blocked_attempt.acknowledge", person_id=attempt.person_id,
                     attempt_id=attempt.pk)
