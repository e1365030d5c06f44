"""税務's API types: 調定 (TaxCharge) with 収納 and 滞納整理の状況, and the daily files (TaxDelivery). A
taxpayer's 送付先 is null with ``addressWithheld`` when a 支援措置 covers them."""

from __future__ import annotations

import base64

import graphene

from kyodo.api.context import context_of
from kyodo.api.types import CodeLabel, Node, connection, global_id
from kyodo.core import display

from ..tainou.models import Delivery
from ..tainou.selectors import ChargeRow


def _code(table: str, code: str) -> CodeLabel | None:
    return CodeLabel(code=code, label=display.label(table, code)) if code else None


class TaxPayment(graphene.ObjectType):
    """収納."""

    amount = graphene.BigInt(required=True, description="収納額（円）")
    paid_on = graphene.Date(required=True, description="収納日")
    channel = graphene.String(required=True, description="収納方法")
    recorded_by = graphene.String(required=True, description="記録者 (staff or the vendor's client id)")


class TaxDelinquencyStatus(graphene.ObjectType):
    """滞納整理の状況."""

    stage = graphene.Field(CodeLabel, required=True)
    as_of = graphene.Date(required=True, description="基準日")
    note = graphene.String(required=True)

    def resolve_stage(row, info):
        return _code("tax_delinquency_stage", row.stage)


class TaxAddress(graphene.ObjectType):
    """送付先."""

    postal_code = graphene.String(required=True)
    address = graphene.String(required=True)


class TaxCharge(graphene.ObjectType):
    """調定: one 期 of a tax, with what was paid against it and the latest 滞納整理の状況."""

    class Meta:
        interfaces = (Node,)
        possible_types = (ChargeRow,)

    tax = graphene.Field(CodeLabel, required=True, description="税目")
    fiscal_year = graphene.Int(required=True, description="年度")
    notice_no = graphene.String(required=True, description="通知書番号")
    instalment = graphene.Int(required=True, description="期別 (0 = 随時)")
    subject_kind = graphene.Field(CodeLabel, required=True, description="個人 or 法人")
    atena_number = graphene.String(required=True, description="宛名番号 (個人)")
    corporate_number = graphene.String(required=True, description="法人番号 (法人)")
    name = graphene.String(required=True, description="納税者名")
    address = graphene.Field(TaxAddress, description="送付先; null when withheld (addressWithheld)")
    address_withheld = graphene.Boolean(required=True, description="送付先 withheld under a 支援措置")
    amount = graphene.BigInt(required=True, description="調定額（円）")
    due_on = graphene.Date(required=True, description="納期限")
    paid = graphene.BigInt(required=True, description="収納済額（円）")
    balance = graphene.BigInt(required=True, description="未納額（円）")
    payments = graphene.List(graphene.NonNull(TaxPayment), required=True)
    statuses = graphene.List(graphene.NonNull(TaxDelinquencyStatus), required=True)
    current_status = graphene.Field(TaxDelinquencyStatus, description="The latest 滞納整理の状況")

    def resolve_id(row, info):
        return global_id(info, "TaxCharge", row.charge.pk)

    def resolve_tax(row, info):
        return _code("tax_kind", row.charge.tax)

    def resolve_subject_kind(row, info):
        return _code("tax_subject_kind", row.charge.subject_kind)

    def resolve_address(row, info):
        a = row.addressee
        if a.withheld or not a.address:
            return None
        return TaxAddress(postal_code=a.postal_code, address=a.address)

    def resolve_address_withheld(row, info):
        return row.addressee.withheld

    def resolve_payments(row, info):
        return [TaxPayment(amount=p.amount, paid_on=p.paid_on, channel=p.channel, recorded_by=p.recorded_by)
                for p in row.payments]

    def resolve_current_status(row, info):
        return row.status


class TaxDelivery(graphene.ObjectType):
    """配信: a daily 滞納管理 file (layout tainou-1.0, UTF-8 CSV). ``contentBase64`` is the file; fetching it
    is audited."""

    class Meta:
        interfaces = (Node,)
        possible_types = (Delivery,)

    file_name = graphene.String(required=True)
    layout = graphene.String(required=True)
    delivered_on = graphene.Date(required=True)
    vendor = graphene.String(required=True, description="The vendor's client id")
    charges = graphene.Int(required=True, description="調定の件数")
    payments = graphene.Int(required=True)
    persons = graphene.Int(required=True)
    corporations = graphene.Int(required=True)
    sha256 = graphene.String(required=True)
    content_base64 = graphene.String(required=True, description="The file, base64-encoded (audited when fetched)")

    def resolve_id(row, info):
        return global_id(info, "TaxDelivery", row.pk)

    def resolve_vendor(row, info):
        return row.client_id

    def resolve_content_base64(row, info):
        from ..tainou import selectors

        context = context_of(info)
        content = selectors.delivery_content(actor=context.principal, town=context.town, delivery=row,
                                             purpose=context.purpose)
        return base64.b64encode(content).decode("ascii")


TaxChargeConnection = connection(TaxCharge, "TaxCharge", "A page of 調定 with their 収納.")
TaxDeliveryConnection = connection(TaxDelivery, "TaxDelivery", "A page of the vendor's daily files.")
