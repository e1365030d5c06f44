"""閲覧 (住民基本台帳の一部の写しの閲覧, 住基法11条・11条の2): taking a request (閲覧申出) and its
second-person decision (through ``kyodo.foureyes``). The extract itself is a read: see
``selectors.inspection_extract``."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from kyodo import foureyes

from .. import audit, permissions
from ..models import InspectionRequest, InspectionRequesterType
from ..search import normalise_stored
from .common import allowed, require_permission
from .validation import Errors, date_field

INSPECTION_DECISION = foureyes.Policy(
    reject_reason_field="rejection_reason",
    not_allowed="閲覧申出の決裁の権限がありません。",
    already_decided="この閲覧申出は既に処理済みです。",
    own_request="自分が受け付けた閲覧申出は決裁できません（別の職員が決裁します）。",
    reason_required="却下の理由を入力してください。",
)

MAX_AGE = 150
# 0-9 and ０-９ (as typed with an IME); never "²", "٣" or other scripts' digits.
_AGE = re.compile(r"[0-9]{1,3}")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# 11条の2: the 閲覧者 and how the data will be kept must be stated by a private requester.
_PRIVATE = (InspectionRequesterType.CORPORATION, InspectionRequesterType.INDIVIDUAL)


def _text(errors: Errors, field: str, value, label: str, *, max_length: int, required: bool) -> str:
    text = normalise_stored(str(value or ""))
    if "\x00" in text:
        errors.add(field, f"{label}に使用できない文字（NUL）が含まれています。")
        return ""
    if required and not text:
        errors.add(field, f"{label}を入力してください。")
    elif len(text) > max_length:
        errors.add(field, f"{label}は{max_length}文字以内で入力してください。")
    return text


def _age(errors: Errors, field: str, value, label: str) -> int | None:
    text = str(value if value is not None else "").strip().translate(_FULL_WIDTH_DIGITS)
    if not text:
        return None
    if not _AGE.fullmatch(text) or int(text) > MAX_AGE:
        errors.add(field, f"{label}は0〜{MAX_AGE}の半角数字で入力してください。")
        return None
    return int(text)


def inspection_request_create(*, actor, town, requester_type: str, requester_name: str, requester_address: str,
                              purpose: str, representative: str = "", viewers: str = "", data_handling: str = "",
                              address_prefix: str = "", district: str = "", age_min=None, age_max=None,
                              age_on=None) -> InspectionRequest:
    """閲覧申出の受付: who asks (11条 国・地方公共団体, or 11条の2 法人・個人 with the 閲覧者 and the
    管理方法), why, and which residents (a 町名 or 行政区, optionally an age range as of ``age_on``,
    today by default). It waits for another member of staff to decide (``inspection_request_decide``)."""
    require_permission(actor, town, permissions.can_request_inspection, "閲覧申出の受付")
    errors = Errors()
    if requester_type not in InspectionRequesterType.values:
        errors.add("requester_type", "申出者の区分を選択してください。")
    private = requester_type in _PRIVATE
    clean = {
        "requester_name": _text(errors, "requester_name", requester_name, "申出者の氏名又は名称", max_length=200,
                                required=True),
        "requester_address": _text(errors, "requester_address", requester_address, "申出者の住所又は所在地",
                                   max_length=200, required=True),
        "representative": _text(errors, "representative", representative, "代表者又は管理者", max_length=200,
                                required=requester_type == InspectionRequesterType.CORPORATION),
        "viewers": _text(errors, "viewers", viewers, "閲覧者の氏名及び住所", max_length=1000, required=private),
        "purpose": _text(errors, "purpose", purpose, "利用の目的", max_length=500, required=True),
        "data_handling": _text(errors, "data_handling", data_handling, "個人情報の管理の方法", max_length=500,
                               required=private),
        "address_prefix": _text(errors, "address_prefix", address_prefix, "町名", max_length=200, required=False),
        "district": _text(errors, "district", district, "行政区・地区", max_length=50, required=False),
    }
    if not clean["address_prefix"] and not clean["district"] and not errors.data.get("address_prefix") \
            and not errors.data.get("district"):
        errors.add("address_prefix", "閲覧の範囲（町名または行政区）を入力してください。")
    low = _age(errors, "age_min", age_min, "年齢（下限）")
    high = _age(errors, "age_max", age_max, "年齢（上限）")
    if low is not None and high is not None and low > high:
        errors.add("age_max", "年齢の上限が下限より小さくなっています。")
    day = date_field(errors, "age_on", age_on, "年齢の基準日") if age_on not in (None, "") else timezone.localdate()
    errors.raise_if_any()
    assert day is not None  # guaranteed once no error was recorded
    with transaction.atomic():
        request = InspectionRequest.objects.create(
            requester_type=requester_type, age_min=low, age_max=high, age_on=day,
            requested_by_id=actor.pk, requested_by_username=actor.username, **clean)
        audit.record(town=town, actor=actor, action="inspection.request", purpose=clean["purpose"][:200],
                     request_id=request.pk, requester_type=requester_type, address_prefix=clean["address_prefix"],
                     district=clean["district"], age_min=low, age_max=high)
    return request


def inspection_request_decide(*, actor, town, request: InspectionRequest, approve: bool,
                              reason: str = "") -> InspectionRequest:
    """閲覧申出の決裁: an approver who did not take the request approves it (the extract may then be
    produced) or rejects it with a reason."""
    may_decide = allowed(actor, town, permissions.can_decide_inspections)
    with transaction.atomic():
        decision = foureyes.decide(request, actor=actor, approve=approve, reason=reason, may_decide=may_decide,
                                   policy=INSPECTION_DECISION)
        detail = {"reason": decision.reason} if decision.reason else {}
        audit.record(town=town, actor=actor, action=f"inspection.{decision.outcome}",
                     purpose=decision.instance.purpose[:200], request_id=decision.instance.pk,
                     requested_by=decision.instance.requested_by_username, **detail)
    return decision.instance
