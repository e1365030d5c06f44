"""The demo's 法人住民税: 20–50 corporations a town with valid 法人番号 (check digit, 省令 第2条), a 確定申告 each
computed by the engine with its 調定, and in 武雄市 the demo 滞納管理 vendor's payments written back."""

from __future__ import annotations

import pytest

from tenants.tax.hojin import demo, validate_corporate_number
from tenants.tax.hojin.models import CorporateReturnRecord, Corporation
from tenants.tax.models import Charge, DelinquencyStatus, Payment

pytestmark = pytest.mark.django_db


def test_the_demo_loads_corporations_returns_charges_and_write_backs(tax_a, tax_clerk_a):
    notes = demo.load(town=tax_a, staff={"tax_clerk": tax_clerk_a}, scale=0.01, seed=2026)
    count = Corporation.objects.count()
    assert 20 <= count <= 50
    for number in Corporation.objects.values_list("corporate_number", flat=True):
        validate_corporate_number(number)
    assert CorporateReturnRecord.objects.filter(kind="final").count() == count
    assert Charge.objects.filter(tax="hojin").count() == count  # every demo return pays at least 均等割
    payments = list(Payment.objects.all())
    assert payments and all(p.recorded_by == "vendor-takeo-tainou" and p.amount == p.charge.amount for p in payments)
    assert DelinquencyStatus.objects.filter(stage="urged").count() == 2
    assert any("法人住民税" in n for n in notes) and any("滞納管理" in n for n in notes)
    assert demo.load(town=tax_a, staff={"tax_clerk": tax_clerk_a}, scale=0.01, seed=2026) == []  # loaded once
