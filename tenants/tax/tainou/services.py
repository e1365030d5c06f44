"""滞納管理 link's writes: the vendor's 収納 and 滞納整理の状況 written back (one transaction each, audited with
the vendor as actor; the Idempotency-Key is kept on the row so that a retried write records nothing twice),
and the daily file of a vendor (one :class:`Delivery` per vendor, layout and day)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kyodo.identity.principal import audit_actor_of

from .. import audit
from ..models import DelinquencyStage, DelinquencyStatus, Payment
from ..selectors import NotFound
from . import access, delivery, selectors
from .models import Delivery

MAX_AMOUNT = 10 ** 13  # 10兆円: beyond any municipal 調定
EARLIEST = dt.date(2000, 1, 1)


def _require_write(actor, town) -> None:
    audit.assert_in_town(town)
    if not access.may_write_back(actor, town):
        raise PermissionDenied("滞納管理の書き戻しの権限がありません")


def _text(value, field: str, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise ValidationError({field: ["文字列で指定してください。"]})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({field: ["使用できない文字（NUL）が含まれています。"]})
    if required and not value:
        raise ValidationError({field: ["指定してください。"]})
    if len(value) > limit:
        raise ValidationError({field: [f"{limit}文字以内で指定してください。"]})
    return value


def _day(value, field: str, today: dt.date) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: ["日付で指定してください。"]})
    if value > today:
        raise ValidationError({field: [f"未来の日付です（{value}）。"]})
    if value < EARLIEST:
        raise ValidationError({field: [f"{EARLIEST} より前の日付は指定できません。"]})
    return value


def _charge(charge_id: int, *, field: str = "charge_id"):
    try:
        charge = selectors.charge_for_write(charge_id)
    except NotFound:
        raise ValidationError({field: ["指定した調定は見つかりません。"]}) from None
    if not charge.is_current:
        raise ValidationError({field: ["この調定は更正により現在のものではありません。"]})
    return charge


def payment_record(*, actor, town, charge_id: int, amount: int, paid_on: dt.date, channel: str,
                   idempotency_key: str) -> Payment:
    """収納の書き戻し: a payment against a current 調定, never more than its 未納額 (an overpayment is refused:
    it is a 過誤納, handled by 税務課). The same key from the same vendor records nothing twice."""
    _require_write(actor, town)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise ValidationError({"amount": ["1円以上の整数で指定してください。"]})
    paid_on = _day(paid_on, "paid_on", timezone.localdate())
    channel = _text(channel, "channel", 30, required=True)
    key = _text(idempotency_key, "idempotency_key", 100, required=True)
    writer = access.writer_of(actor)
    with transaction.atomic():
        existing = Payment.objects.filter(recorded_by=writer, idempotency_key=key).first()
        if existing is not None:
            if (existing.charge_id, existing.amount, existing.paid_on, existing.channel) != \
                    (charge_id, amount, paid_on, channel):
                raise ValidationError({"idempotency_key": ["この冪等キーは別の収納に使われています。"]})
            return existing
        charge = _charge(charge_id)
        paid = sum(charge.payments.values_list("amount", flat=True))
        balance = charge.amount - paid
        if amount > balance:
            raise ValidationError({"amount": [f"未納額 {max(balance, 0):,}円 を超えています（{amount:,}円）。過誤納は税務課で扱います。"]})
        try:
            with transaction.atomic():
                payment = Payment.objects.create(charge=charge, amount=amount, paid_on=paid_on, channel=channel,
                                                 recorded_by=writer, idempotency_key=key)
        except IntegrityError:  # the same key at the same moment: the other write holds it
            return Payment.objects.get(recorded_by=writer, idempotency_key=key)
        audit.record(town=town, actor=actor, action="tainou.payment_recorded", person_id=charge.person_id,
                     purpose="滞納管理からの収納の書き戻し", charge=charge.pk, payment=payment.pk, amount=amount,
                     **({"corporate_number": charge.corporate_number} if charge.corporate_number else {}))
    return payment


def delinquency_status_record(*, actor, town, charge_id: int, stage: str, as_of: dt.date, note: str,
                              idempotency_key: str) -> DelinquencyStatus:
    """滞納整理の状況の書き戻し (督促, 催告, 分納誓約, 差押, 執行停止, 完結): rows added, the latest current."""
    _require_write(actor, town)
    if stage not in DelinquencyStage.values:
        raise ValidationError({"stage": [f"状況は {', '.join(DelinquencyStage.values)} のいずれかです。"]})
    as_of = _day(as_of, "as_of", timezone.localdate())
    note = _text(note or "", "note", 200, required=False)
    key = _text(idempotency_key, "idempotency_key", 100, required=True)
    writer = access.writer_of(actor)
    with transaction.atomic():
        existing = DelinquencyStatus.objects.filter(recorded_by=writer, idempotency_key=key).first()
        if existing is not None:
            if (existing.charge_id, existing.stage, existing.as_of, existing.note) != (charge_id, stage, as_of, note):
                raise ValidationError({"idempotency_key": ["この冪等キーは別の状況に使われています。"]})
            return existing
        charge = _charge(charge_id)
        row = DelinquencyStatus.objects.create(charge=charge, stage=stage, as_of=as_of, note=note,
                                               recorded_by=writer, idempotency_key=key)
        audit.record(town=town, actor=actor, action="tainou.status_recorded", person_id=charge.person_id,
                     purpose="滞納管理からの滞納整理の状況の書き戻し", charge=charge.pk, stage=stage,
                     **({"corporate_number": charge.corporate_number} if charge.corporate_number else {}))
    return row


def contracted_vendors(town) -> list:
    """The active service accounts contracted for this town's ``tax`` dataset."""
    from kyodo.identity.models import ServiceAccount

    return list(ServiceAccount.objects.filter(active=True, municipality_codes__contains=[town.code],
                                              datasets__contains=[access.DATASET]).order_by("client_id"))


def delivery_write(*, actor, town, account, on_date: dt.date | None = None) -> tuple[Delivery, bool]:
    """配信: the day's file for one contracted vendor (``account``, a ServiceAccount); ``(delivery, created)``.
    Written once per vendor, layout and day — run again, it returns the day's file."""
    audit.assert_in_town(town)
    if town.code not in (account.municipality_codes or []) or access.DATASET not in (account.datasets or []):
        raise PermissionDenied("この連携先は町の税務データの契約がありません")
    on_date = on_date or timezone.localdate()
    existing = Delivery.objects.filter(client_id=account.client_id, layout=delivery.LAYOUT,
                                       delivered_on=on_date).first()
    if existing is not None:
        return existing, False
    # the system's job for a contracted vendor (checked above), not a caller's read: audited below as a delivery
    rows = selectors.charge_rows(list(selectors.Charge.objects.filter(is_current=True).order_by("pk")),
                                 whole_town=True)
    content = delivery.file_bytes(town, rows)
    persons = sorted({r.charge.person_id for r in rows if r.charge.person_id})
    numbers = sorted({r.charge.corporate_number for r in rows if r.charge.corporate_number})
    who = audit_actor_of(actor)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = Delivery.objects.create(
                    client_id=account.client_id, vendor_name=account.vendor_name[:200], layout=delivery.LAYOUT,
                    delivered_on=on_date, file_name=delivery.file_name(town, account.client_id, on_date),
                    content=content, sha256=hashlib.sha256(content).hexdigest(), charges=len(rows),
                    payments=sum(len(r.payments) for r in rows), persons=len(persons), corporations=len(numbers),
                    created_by=(who.name if who else "system")[:150])
        except IntegrityError:  # the same day's run twice at once
            return Delivery.objects.get(client_id=account.client_id, layout=delivery.LAYOUT,
                                        delivered_on=on_date), False
        audit.record(town=town, actor=actor, action="tainou.delivery.written", persons=persons,
                     purpose=f"滞納管理への定期配信（{account.client_id}）", vendor=account.client_id,
                     delivery=row.pk, charges=len(rows), corporate_numbers=numbers, sha256=row.sha256)
    return row, True


def deliveries_write(*, actor, town, on_date: dt.date | None = None) -> list[Delivery]:
    """The day's files for every vendor contracted for the town (the daily task)."""
    return [delivery_write(actor=actor, town=town, account=account, on_date=on_date)[0]
            for account in contracted_vendors(town)]
