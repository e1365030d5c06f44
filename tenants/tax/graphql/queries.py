"""税務's root fields of the API: ``taxCharges`` (調定 with 収納 and the taxpayer's 宛名) and ``taxDeliveries``
(the daily files), and node lookups. A vendor needs the town and the ``tax`` dataset in its token and
contract; staff a 税務課 role in the town."""

from __future__ import annotations

import graphene
from django.core.exceptions import PermissionDenied

from kyodo.api import ids
from kyodo.api.context import context_of
from kyodo.api.errors import ApiError, forbidden
from kyodo.api.types import Page, after_key, page_size

from ..models import TaxKind
from ..tainou import access, selectors
from ..tainou.models import Delivery
from .types import TaxChargeConnection, TaxDeliveryConnection


def _require(info) -> None:
    context = context_of(info)
    if context.town is None or not access.may_read(context.principal, context.town):
        raise forbidden()


class Query(graphene.ObjectType):
    tax_charges = graphene.Field(
        TaxChargeConnection, required=True, town_code=graphene.String(
            description="団体コード; must be this endpoint's town when given"),
        fiscal_year=graphene.Int(description="年度"), tax=graphene.String(description="juminzei, hojin or kotei"),
        first=graphene.Int(), after=graphene.String(),
        description="調定: a page of the town's current charges with their 収納 and 滞納整理の状況 (at most 250).")
    tax_deliveries = graphene.Field(TaxDeliveryConnection, required=True, first=graphene.Int(),
                                    after=graphene.String(),
                                    description="配信: the daily 滞納管理 files (a vendor sees its own).")

    def resolve_tax_charges(self, info, town_code=None, fiscal_year=None, tax=None, first=None, after=None):
        _require(info)
        context = context_of(info)
        if town_code is not None and town_code != context.town_code:
            raise ApiError("BAD_USER_INPUT", "townCode はこの団体のエンドポイントの団体コードを指定してください。",
                           "`townCode` must be this endpoint's town.", argument="townCode")
        if tax is not None and tax not in TaxKind.values:
            raise ApiError("BAD_USER_INPUT", "tax は juminzei, hojin, kotei のいずれかです。",
                           "`tax` must be juminzei, hojin or kotei.", argument="tax")
        if fiscal_year is not None and not 1989 <= fiscal_year <= 2200:
            raise ApiError("BAD_USER_INPUT", "fiscalYear が正しくありません。", "`fiscalYear` is out of range.",
                           argument="fiscalYear")
        size = page_size(first, path="first")
        try:
            rows, has_next = selectors.charges_page(actor=context.principal, town=context.town,
                                                    fiscal_year=fiscal_year, tax=tax,
                                                    after=after_key(after, "taxcharge", info), first=size,
                                                    purpose=context.purpose)
        except PermissionDenied:
            raise forbidden() from None
        keys = [r.charge.pk for r in rows]
        return Page(rows, keys, has_next, "taxcharge", keys[-1] if keys else None)

    def resolve_tax_deliveries(self, info, first=None, after=None):
        _require(info)
        context = context_of(info)
        size = page_size(first, path="first")
        try:
            rows, has_next = selectors.deliveries(actor=context.principal, town=context.town,
                                                  after=after_key(after, "taxdelivery", info), first=size)
        except PermissionDenied:
            raise forbidden() from None
        keys = [r.pk for r in rows]
        return Page(rows, keys, has_next, "taxdelivery", keys[-1] if keys else None)


def node_charge(info, key: str):
    pk = ids.int_key(key)
    context = context_of(info)
    if pk is None or context.town is None or not access.may_read(context.principal, context.town):
        return None
    charges = list(selectors.Charge.objects.filter(pk=pk, is_current=True))
    if not charges:
        return None
    rows = selectors.charge_rows(charges)
    selectors.audit_rows(town=context.town, actor=context.principal, rows=rows, action="tainou.charges.read",
                         purpose=context.purpose, channel="api")
    return rows[0]


def node_delivery(info, key: str):
    pk = ids.int_key(key)
    context = context_of(info)
    if pk is None or context.town is None or not access.may_read(context.principal, context.town):
        return None
    row = Delivery.objects.filter(pk=pk).defer("content").first()
    if row is None or (access.is_vendor(context.principal)
                       and row.client_id != getattr(context.principal, "client_id", None)):
        return None
    return row
