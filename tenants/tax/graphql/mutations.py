"""税務's mutations: the 滞納管理 vendor's write-back of 収納 (``taxPaymentRecord``) and 滞納整理の状況
(``taxDelinquencyStatusRecord``). Each runs once per Idempotency-Key (a retry gets the stored answer with
``replayed: true``; the same key with other arguments is refused, as ``municipalityCreate``); a refused input
is answered in ``errors`` naming the field (``chargeId``, ``amount``, ``paidOn`` …)."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied, ValidationError

from kyodo.api import ids
from kyodo.api.context import context_of
from kyodo.api.errors import forbidden
from kyodo.api.platform_schema import FieldError, idempotent

from ..tainou import access, selectors, services
from .types import TaxCharge, TaxDelinquencyStatus, TaxPayment

CAMEL = {"charge_id": "chargeId", "paid_on": "paidOn", "as_of": "asOf", "idempotency_key": "Idempotency-Key"}


def _errors_of(error: ValidationError) -> list[dict]:
    out = []
    for name, messages in error.message_dict.items():
        shown = CAMEL.get(name, name)
        for message in messages:
            out.append({"field": shown, "message_ja": message,
                        "message_en": f"The value of `{shown}` was refused (see messageJa)."})
    return out


def _not_found() -> ValidationError:
    return ValidationError({"charge_id": ["指定した調定は見つかりません。"]})


def _charge_key(context, value: str) -> int:
    """The charge's key from its node id on this town's endpoint; another town's id, another type's id and a
    malformed one are all 'not found'."""
    parsed = ids.parse_node_id(value, context.town_code)
    if parsed is None or parsed[0] != "TaxCharge":
        raise _not_found()
    key = ids.int_key(parsed[1])
    if key is None:
        raise _not_found()
    return key


def _require(context) -> None:
    if context.town is None or not access.may_write_back(context.principal, context.town):
        raise forbidden()


def _charge_row(context, charge_pk: int | None):
    if charge_pk is None:
        return None
    charges = list(selectors.Charge.objects.filter(pk=charge_pk))
    if not charges:
        return None
    rows = selectors.charge_rows(charges)
    selectors.audit_rows(town=context.town, actor=context.principal, rows=rows, action="tainou.charges.read",
                         purpose=context.purpose, channel="api")
    return rows[0]


class TaxPaymentRecordPayload(graphene.ObjectType):
    payment = graphene.Field(TaxPayment)
    charge = graphene.Field(TaxCharge, description="The charge as it stands now")
    errors = graphene.List(graphene.NonNull(FieldError), required=True)
    replayed = graphene.Boolean(required=True, description="True when this answers a retry of an earlier request.")


class TaxPaymentRecord(graphene.Mutation):
    """収納の書き戻し: a payment the vendor collected, against a current 調定 (never above its 未納額)."""

    class Arguments:
        charge_id = graphene.ID(required=True, description="TaxCharge id")
        amount = graphene.BigInt(required=True, description="収納額（円）")
        paid_on = graphene.Date(required=True, description="収納日")
        channel = graphene.String(required=True, description="収納方法 (窓口, 口座振替, コンビニ, 滞納整理 …)")

    Output = TaxPaymentRecordPayload

    def mutate(self, info, charge_id, amount, paid_on, channel):
        context = context_of(info)
        _require(context)
        arguments: dict[str, Any] = {"chargeId": charge_id, "amount": amount, "paidOn": paid_on.isoformat(),
                                     "channel": channel}

        def run() -> dict:
            try:
                key = _charge_key(context, charge_id)
                payment = services.payment_record(actor=context.principal, town=context.town, charge_id=key,
                                                  amount=int(amount), paid_on=paid_on, channel=channel,
                                                  idempotency_key=context.idempotency_key)
            except ValidationError as error:
                return {"payment": None, "charge": None, "errors": _errors_of(error)}
            except PermissionDenied:
                raise forbidden() from None
            return {"payment": {"amount": payment.amount, "paid_on": payment.paid_on.isoformat(),
                                "channel": payment.channel, "recorded_by": payment.recorded_by},
                    "charge": payment.charge_id, "errors": []}

        answer = idempotent(context, "taxPaymentRecord", arguments, run)
        payment = answer["payment"]
        return TaxPaymentRecordPayload(
            payment=TaxPayment(amount=payment["amount"], paid_on=_date(payment["paid_on"]),
                               channel=payment["channel"], recorded_by=payment["recorded_by"]) if payment else None,
            charge=_charge_row(context, answer["charge"]), errors=[FieldError(**e) for e in answer["errors"]],
            replayed=answer["replayed"])


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


class TaxDelinquencyStatusRecordPayload(graphene.ObjectType):
    status = graphene.Field(TaxDelinquencyStatus)
    charge = graphene.Field(TaxCharge)
    errors = graphene.List(graphene.NonNull(FieldError), required=True)
    replayed = graphene.Boolean(required=True)


class _Status:
    def __init__(self, stage: str, as_of, note: str) -> None:
        self.stage, self.as_of, self.note = stage, as_of, note


class TaxDelinquencyStatusRecord(graphene.Mutation):
    """滞納整理の状況の書き戻し: reminded (督促), urged (催告), instalment_plan (分納誓約), seized (差押),
    suspended (執行停止) or closed (完結), as of a day."""

    class Arguments:
        charge_id = graphene.ID(required=True)
        stage = graphene.String(required=True)
        as_of = graphene.Date(required=True)
        note = graphene.String()

    Output = TaxDelinquencyStatusRecordPayload

    def mutate(self, info, charge_id, stage, as_of, note=None):
        context = context_of(info)
        _require(context)
        arguments: dict[str, Any] = {"chargeId": charge_id, "stage": stage, "asOf": as_of.isoformat(),
                                     "note": note or ""}

        def run() -> dict:
            try:
                key = _charge_key(context, charge_id)
                row = services.delinquency_status_record(actor=context.principal, town=context.town, charge_id=key,
                                                         stage=stage, as_of=as_of, note=note or "",
                                                         idempotency_key=context.idempotency_key)
            except ValidationError as error:
                return {"status": None, "charge": None, "errors": _errors_of(error)}
            except PermissionDenied:
                raise forbidden() from None
            return {"status": {"stage": row.stage, "as_of": row.as_of.isoformat(), "note": row.note},
                    "charge": row.charge_id, "errors": []}

        answer = idempotent(context, "taxDelinquencyStatusRecord", arguments, run)
        status = answer["status"]
        return TaxDelinquencyStatusRecordPayload(
            status=_Status(status["stage"], _date(status["as_of"]), status["note"]) if status else None,
            charge=_charge_row(context, answer["charge"]), errors=[FieldError(**e) for e in answer["errors"]],
            replayed=answer["replayed"])


class Mutation(graphene.ObjectType):
    tax_payment_record = TaxPaymentRecord.Field()
    tax_delinquency_status_record = TaxDelinquencyStatusRecord.Field()
