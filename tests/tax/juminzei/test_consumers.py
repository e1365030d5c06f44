"""The residents registry's events → 個人住民税 作業 (転出・転居 → 送付先の変更, 死亡 → 相続人代表者), once per
event; a confirmed 住所変更 changes the taxpayer's 送付先."""

from __future__ import annotations

import pytest

from kyodo.tenantlog.models import OutboxEvent
from kyodo.tenantlog.outbox import Event
from tenants.residents import services as residents
from tenants.tax import audit
from tenants.tax import services as tax_services
from tenants.tax.juminzei import consumers
from tenants.tax.juminzei.models import Taxpayer
from tenants.tax.models import WorkItem

pytestmark = pytest.mark.django_db
NEW_ADDRESS = "佐賀県武雄市朝日町甘久100番地"


def _handle(town, event_type):
    row = OutboxEvent.objects.filter(event_type=event_type).order_by("-position").first()
    event = Event.from_values(tuple(getattr(row, c) for c in Event.COLUMNS), town.code)
    consumers.on_residents_change(event, town)
    return event


def test_a_relocation_proposes_the_new_address_once_and_confirming_it_changes_the_mail_address(
        tax_a, tax_clerk_a, clerk_a, approve, linked):
    change = residents.change_submit(actor=clerk_a, town=tax_a, kind="relocation", notified_on="2025-06-03",
                                     effective_on="2025-06-01",
                                     data={"household_id": linked["household"].pk, "address": NEW_ADDRESS,
                                           "district": "朝日"})
    approve(change)
    event = _handle(tax_a, "residents.relocated")
    items = WorkItem.objects.filter(tax="juminzei", kind="address_change")
    assert items.count() == 3  # the household's three taxpayers of 令和7年度
    consumers.on_residents_change(event, tax_a)  # the same event again: nothing twice
    assert items.count() == 3
    taro_id = linked["taro"].person_id
    item = items.get(person_id=taro_id)
    assert item.proposed["address"] == NEW_ADDRESS and item.proposed["fiscal_years"] == [2025]
    taro = Taxpayer.objects.get(fiscal_year=2025, person_id=taro_id)
    assert taro.mail_address != NEW_ADDRESS  # nothing applied before staff decide
    tax_services.workitem_decide(actor=tax_clerk_a, town=tax_a, item_id=item.pk, decision="confirmed")
    taro.refresh_from_db()
    assert taro.mail_address == NEW_ADDRESS and taro.address != NEW_ADDRESS  # 1月1日 address kept
    assert audit.verify(tax_a).ok


def test_a_death_proposes_the_heir_representative(tax_a, clerk_a, approve, linked):
    change = residents.change_submit(actor=clerk_a, town=tax_a, kind="death", notified_on="2025-07-02",
                                     effective_on="2025-07-01", data={"person_ids": [linked["hanako"].person_id]})
    approve(change)
    _handle(tax_a, "residents.died")
    item = WorkItem.objects.get(tax="juminzei", kind="heir_representative")
    assert item.person_id == linked["hanako"].person_id and "相続人代表者" in item.summary


def test_a_person_who_is_no_taxpayer_gets_no_work_item(tax_a, clerk_a, approve, household):
    # Nobody linked as a taxpayer: the 転居 proposes nothing for 個人住民税.
    change = residents.change_submit(actor=clerk_a, town=tax_a, kind="relocation", notified_on="2025-06-03",
                                     effective_on="2025-06-01",
                                     data={"household_id": household["household"].pk, "address": NEW_ADDRESS})
    approve(change)
    _handle(tax_a, "residents.relocated")
    assert not WorkItem.objects.filter(tax="juminzei").exists()
