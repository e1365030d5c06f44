"""法人住民税 through the database: a filed return stores exactly what the engine computes at the town's
rates, its 調定 (due two months after the period end, 地方税法 第321条の8), a 修正申告 pays the increase, and a
法人番号 with a wrong check digit (法人番号の指定等に関する省令 第2条) is refused naming the record and field."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kyodo.tenantlog.models import AuditEntry
from tenants.tax import audit
from tenants.tax.hojin import corporate_resident_tax, load_table, selectors, services
from tenants.tax.hojin.engine import CorporateReturn
from tenants.tax.models import Charge
from tests.tax.hojin.conftest import corporate_number, corporation_data, final_return

pytestmark = pytest.mark.django_db


def test_a_filed_return_equals_the_engine_and_becomes_a_charge(tax_a, tax_clerk_a, corporation_a):
    record = services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a, data=final_return())
    expected = corporate_resident_tax(CorporateReturn(
        corporate_number=corporation_a.corporate_number, kind="final", period_start=date(2024, 4, 1),
        period_end=date(2025, 3, 31), capital=30_000_000, employees=12, corporate_tax=4_567_890),
        load_table(tax_a.code))
    assert (record.per_capita, record.corporate_tax_levy, record.total, record.payable) == \
        (expected.per_capita, expected.corporate_tax_levy, expected.total, expected.payable)
    # 1千万円超1億円以下・50人以下 → 130,000円; 4,567,000 × 6.0% = 274,020 → 274,000 (100円未満切捨)
    assert (record.per_capita, record.corporate_tax_levy, record.total) == (130_000, 274_000, 404_000)
    assert record.explanation == list(expected.explanation)
    charge = Charge.objects.get(corporate_number=corporation_a.corporate_number)
    assert (charge.tax, charge.subject_kind, charge.instalment, charge.amount) == ("hojin", "corporation", 0, 404_000)
    assert charge.due_on == date(2025, 5, 31) == record.due_on  # 3月31日 end → 5月31日
    assert charge.fiscal_year == 2024 and charge.person_id is None


def test_an_office_opened_mid_year_is_prorated_by_month(tax_a, tax_clerk_a, corporation_a):
    """月割: 2024-10-15 to 2025-03-31 is 5 whole months (a part month dropped): 130,000 × 5/12 = 54,166 → 54,100."""
    record = services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                                  data=final_return(office_from=date(2024, 10, 15), corporate_tax=0))
    assert (record.months, record.per_capita, record.total) == (5, 54_100, 54_100)


def test_an_amended_return_pays_the_increase(tax_a, tax_clerk_a, corporation_a):
    first = services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a, data=final_return())
    amended = services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                                   data=final_return(kind="amended", corporate_tax=6_000_000, corrects=first.pk,
                                                     filed_on=date(2025, 8, 1)))
    # 6,000,000 × 6.0% = 360,000; total 490,000; declared 404,000 → pays 86,000
    assert (amended.total, amended.declared, amended.payable) == (490_000, 404_000, 86_000)
    assert amended.corrects_id == first.pk
    amounts = sorted(Charge.objects.filter(corporate_number=corporation_a.corporate_number)
                     .values_list("amount", flat=True))
    assert amounts == [86_000, 404_000]
    with pytest.raises(ValidationError) as excinfo:  # the first return is corrected already: name the latest
        services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                             data=final_return(kind="amended", corporate_tax=7_000_000, corrects=first.pk))
    assert "corrects" in excinfo.value.message_dict


def test_an_amended_return_that_lowers_the_tax_is_refused_by_field(tax_a, tax_clerk_a, corporation_a):
    first = services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a, data=final_return())
    with pytest.raises(ValidationError) as excinfo:
        services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                             data=final_return(kind="amended", corporate_tax=1_000_000, corrects=first.pk))
    assert "declared" in excinfo.value.message_dict
    assert Charge.objects.count() == 1


def test_a_wrong_check_digit_is_refused_naming_the_number_and_the_field(tax_a, tax_clerk_a):
    good = corporate_number("123456789012")
    bad = str((int(good[0]) + 1) % 10) + good[1:]
    with pytest.raises(ValidationError) as excinfo:
        services.corporation_register(actor=tax_clerk_a, town=tax_a, data=corporation_data(corporate_number=bad))
    messages = excinfo.value.message_dict
    assert list(messages) == ["corporate_number"]
    assert bad in messages["corporate_number"][0] and "check digit" in messages["corporate_number"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.corporation_register(actor=tax_clerk_a, town=tax_a,
                                      data=corporation_data(corporate_number="１２３４５６７８９０１２３"))
    assert "corporate_number" in excinfo.value.message_dict


def test_a_corporation_number_is_registered_once(tax_a, tax_clerk_a, corporation_a):
    with pytest.raises(ValidationError) as excinfo:
        services.corporation_register(actor=tax_clerk_a, town=tax_a, data=corporation_data(name="別の名前"))
    assert "corporate_number" in excinfo.value.message_dict


def test_a_period_before_the_tables_and_a_bad_period_are_refused_by_field(tax_a, tax_clerk_a, corporation_a):
    with pytest.raises(ValidationError) as excinfo:
        services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                             data=final_return(period_start=date(2010, 4, 1), period_end=date(2011, 3, 31)))
    assert "period_start" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                             data=final_return(period_end=date(2024, 3, 1)))
    assert "period_end" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a,
                             data=final_return(employees=-1, kind="final?"))
    assert set(excinfo.value.message_dict) == {"employees", "kind"}


def test_the_inquiry_reads_everything_and_is_audited_in_a_verifiable_chain(tax_a, tax_clerk_a, corporation_a):
    services.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation_a, data=final_return())
    view = selectors.corporation_inquiry(actor=tax_clerk_a, town=tax_a, corporation_id=corporation_a.pk)
    assert len(view.returns) == 1 and len(view.charges) == 1
    assert view.totals == {"charged": 404_000, "paid": 0, "balance": 404_000}
    actions = list(AuditEntry.objects.filter(chain=f"tax:{tax_a.code}").values_list("action", flat=True))
    assert actions == ["corporation.register", "corporation.return_filed", "corporation.read"]
    entry = AuditEntry.objects.get(action="corporation.read")
    assert entry.detail["corporate_number"] == corporation_a.corporate_number
    assert audit.verify(tax_a).ok


def test_the_due_date_is_two_months_after_the_period_end():
    assert services.return_due_on("final", date(2024, 10, 1), date(2025, 9, 30)) == date(2025, 11, 30)
    assert services.return_due_on("final", date(2024, 3, 21), date(2025, 3, 20)) == date(2025, 5, 20)
    assert services.return_due_on("provisional", date(2025, 4, 1), date(2026, 3, 31)) == date(2025, 11, 30)
