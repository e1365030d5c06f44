"""個人住民税 through the database: 納税義務者 as of 1 January, 所得資料 import (whole file or nothing, errors by
line and field), the calculation (a known answer equal to the engine's), notices and their 調定, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kyodo.tenantlog.models import AuditEntry
from tenants.tax import audit
from tenants.tax.juminzei import engine, services
from tenants.tax.juminzei.models import Assessment, IncomeReport, Taxpayer
from tenants.tax.juminzei.tables import load_table
from tenants.tax.models import Charge
from tests.tax.juminzei.helpers import atena, csv_bytes

pytestmark = pytest.mark.django_db
FY = 2025


def _taro_salary(persons, revenue=4000000, social=600000):
    return f"{atena(persons['taro'])},給与支払報告書,K0001,武雄商事株式会社,{revenue},0,{social},0,,,"


def test_taxpayers_are_the_residents_of_1_january_and_linking_twice_adds_nothing(tax_a, tax_clerk_a, household):
    # The household moved in on 2024-04-01: on the register on 2025-01-01 (令和7年度), not on 2024-01-01.
    first = services.taxpayers_link(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)
    assert (first.created, first.total) == (3, 3)
    again = services.taxpayers_link(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)
    assert (again.created, again.total) == (0, 3)
    earlier = services.taxpayers_link(actor=tax_clerk_a, town=tax_a, fiscal_year=2024)
    assert earlier.total == 0  # 賦課期日 2024-01-01: not yet residents of the town
    taro = Taxpayer.objects.get(fiscal_year=FY, person_id=household["taro"].person_id)
    assert taro.address == household["taro"].address and taro.mail_address == taro.address
    assert taro.is_head and taro.atena_number == atena(household["taro"])
    assert AuditEntry.objects.filter(chain=f"tax:{tax_a.code}", action="juminzei.taxpayers_link").count() == 1


def test_a_person_who_moved_out_before_1_january_is_not_a_taxpayer(tax_a, tax_clerk_a, clerk_a, household, approve):
    from tenants.residents import services as residents

    change = residents.change_submit(actor=clerk_a, town=tax_a, kind="move_out",
                                     notified_on="2024-12-01", effective_on="2024-12-20",
                                     data={"person_ids": [household["ichiro"].person_id], "destination": "東京都千代田区1"})
    approve(change)
    services.taxpayers_link(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)
    linked = set(Taxpayer.objects.filter(fiscal_year=FY).values_list("person_id", flat=True))
    assert household["ichiro"].person_id not in linked
    assert household["taro"].person_id in linked


def test_known_answer_through_the_database_equals_the_engine(tax_a, tax_clerk_a, tax_chief_a, linked):
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(_taro_salary(linked)))
    result = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert result.calculated == 3
    a = Assessment.objects.get(fiscal_year=FY, person_id=linked["taro"].person_id, is_current=True)
    # By hand (national.toml 2025, 412066-2025.toml): 給与所得 4,000,000 × 80% − 440,000 = 2,760,000;
    # 控除 600,000 + 基礎 430,000; 課税 1,730,000; 市 6% 103,800 − 調整 1,500 = 102,300; 県 4% 69,200 − 1,000
    # = 68,200; 均等割 3,000 + 1,500 (佐賀県森林環境税 500 included) + 森林環境税 1,000 → 176,000.
    assert (a.salary_income, a.taxable_income, a.city_income_levy, a.prefecture_income_levy) == \
        (2760000, 1730000, 102300, 68200)
    assert a.total == 176000
    direct = engine.resident_tax(engine.Taxpayer(name="x", salary_revenue=4000000, social_insurance=600000),
                                 load_table("412066", FY), fiscal_year=FY)
    assert a.total == direct.total and services.explanation_of(a, tax_a) == list(direct.explanation)
    # 特別徴収 (a 給与支払報告書): 176,000 ÷ 12 → 14,600 a month, the remainder 15,400 in June.
    assert a.collection == "special" and a.payer_number == "K0001"
    assert a.instalments[0] == [6, 15400] and all(amount == 14600 for _, amount in a.instalments[1:])
    # 花子 and 一郎 have no 所得資料: computed as no income (非課税), the explanation says so.
    others = Assessment.objects.filter(fiscal_year=FY, is_current=True).exclude(pk=a.pk)
    assert {(o.status, o.total, o.exempt) for o in others} == {("ok", 0, "per_capita")}
    assert all(services.explanation_of(o, tax_a)[0].startswith("所得資料なし") for o in others)


def test_ordinary_collection_puts_the_remainder_in_the_first_instalment(tax_a, tax_clerk_a, linked):
    line = f"{atena(linked['taro'])},申告,,,0,2003000,300000,0,,,"
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(line))
    a = services.assessment_calculate(actor=tax_clerk_a, town=tax_a, fiscal_year=FY,
                                      person_id=linked["taro"].person_id)
    assert a.collection == "ordinary" and a.total > 0
    each = a.instalments[1][1]
    assert each % 1000 == 0 and a.instalments[0][1] == a.total - 3 * each
    assert [n for n, _ in a.instalments] == [1, 2, 3, 4]


def test_import_errors_name_the_line_and_field_and_nothing_is_kept(tax_a, tax_clerk_a, linked):
    good = _taro_salary(linked)
    bad = [
        f"{atena(linked['hanako'])},給与支払報告書,K0002,佐賀物産,-100,0,0,0,,,",   # negative
        f"{atena(linked['ichiro'])},申告,,,０１２,0,0,0,,,",                        # full-width digits
        "999999999999,申告,,,0,100,0,0,,,",                                          # unknown 宛名番号 (later)
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(good, *bad))
    messages = excinfo.value.message_dict["file"]
    assert any(m.startswith("3行目 給与収入") and "負の金額" in m for m in messages)
    assert any(m.startswith("4行目 給与収入") for m in messages)
    assert IncomeReport.objects.count() == 0
    with pytest.raises(ValidationError) as excinfo:
        services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(good, bad[2]))
    assert "3行目 宛名番号: 999999999999" in excinfo.value.message_dict["file"][0]
    assert IncomeReport.objects.count() == 0
    with pytest.raises(ValidationError):
        services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY,
                                data=csv_bytes(good).replace(b"1", b"\x00", 1))
    with pytest.raises(ValidationError) as excinfo:
        services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=b"a,b\n1,2\n")
    assert "1行目" in excinfo.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as excinfo:  # two spouses: the engine's check, at import time
        services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(
            f"{atena(linked['taro'])},申告,,,0,100,0,0,spouse_general;spouse_elderly,,"))
    assert excinfo.value.message_dict["file"][0].startswith("2行目 配偶者・扶養親族")
    # A whole good file in Shift_JIS is taken; importing it again replaces, not doubles.
    for _ in range(2):
        services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY,
                                data=csv_bytes(good, encoding="cp932"))
    assert IncomeReport.objects.count() == 1


def test_a_recalculation_writes_only_the_rows_whose_outcome_changed(tax_a, tax_clerk_a, tax_chief_a, linked):
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(_taro_salary(linked)))
    first = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    kept = dict(Assessment.objects.filter(fiscal_year=FY).values_list("person_id", "pk"))
    again = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert (first.calculated, again.calculated, again.unchanged) == (3, 0, 3)
    assert dict(Assessment.objects.filter(fiscal_year=FY, is_current=True).values_list("person_id", "pk")) == kept
    # 太郎's 給与支払報告書 corrected: his row alone is replaced; the earlier one stays as history, not current.
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY,
                            data=csv_bytes(_taro_salary(linked, revenue=5000000)))
    changed = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert (changed.calculated, changed.unchanged) == (1, 2)
    taro = linked["taro"].person_id
    rows = Assessment.objects.filter(fiscal_year=FY, person_id=taro).order_by("pk")
    assert [(r.pk == kept[taro], r.is_current) for r in rows] == [(True, False), (False, True)]
    assert rows.last().total > rows.first().total and rows.last().instalments[0][0] == 6
    others = Assessment.objects.filter(fiscal_year=FY, is_current=True).exclude(person_id=taro)
    assert sorted(others.values_list("pk", flat=True)) == sorted(pk for pid, pk in kept.items() if pid != taro)


def test_notices_create_the_charges_with_their_due_dates_and_a_recalculation_replaces_them(
        tax_a, tax_clerk_a, tax_chief_a, linked):
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(
        _taro_salary(linked), f"{atena(linked['hanako'])},申告,,,0,2003000,300000,0,,,"))
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    with pytest.raises(PermissionDenied):
        services.notices_issue(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)  # 税務課長 only
    issued = services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert (issued.notices, issued.charges) == (2, 12 + 4)
    taro = Charge.objects.filter(person_id=linked["taro"].person_id, is_current=True).order_by("instalment")
    # 特別徴収: 6月分 due 10 July … 翌年5月分 (期別 17) due 10 June 2026 (地方税法 第321条の5).
    assert (taro[0].instalment, taro[0].due_on, taro[0].amount) == (6, dt.date(2025, 7, 10), 15400)
    assert (taro.last().instalment, taro.last().due_on) == (17, dt.date(2026, 6, 10))
    assert sum(c.amount for c in taro) == 176000
    hanako = list(Charge.objects.filter(person_id=linked["hanako"].person_id, is_current=True).order_by("instalment"))
    assert [c.due_on for c in hanako] == [dt.date(2025, 6, 30), dt.date(2025, 8, 31), dt.date(2025, 10, 31),
                                          dt.date(2026, 1, 31)]
    assert len({c.notice_no for c in taro} | {c.notice_no for c in hanako}) == 2
    # Issued again: nothing new. Recalculated with the same data: the notices stand.
    assert services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY).notices == 0
    again = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert again.unchanged == 3  # the two issued keep their notices; the third row is the same too
    # A changed 給与支払報告書 (更正): the new notice replaces the earlier 調定.
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY,
                            data=csv_bytes(_taro_salary(linked, revenue=5000000)))
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    replaced = services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert (replaced.notices, replaced.replaced) == (1, 12)
    current = Charge.objects.filter(person_id=linked["taro"].person_id, is_current=True)
    assert current.count() == 12 and len({c.notice_no for c in current}) == 1
    assert audit.verify(tax_a).ok


def test_the_bulk_run_is_for_the_chief_and_a_bad_year_is_refused(tax_a, tax_clerk_a, tax_chief_a, linked):
    with pytest.raises(PermissionDenied):
        services.assessments_calculate(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)
    with pytest.raises(ValidationError):
        services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year="２０２５")
    with pytest.raises(ValidationError):
        services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=1999)


def test_the_bulk_runs_schedules_are_the_engines():
    rates = load_table("412066", FY)
    for total in (0, 5500, 6000, 11999, 12000, 176000, 176099, 1234567, 9999999):
        special = [[i.number, i.amount] for i in engine.special_schedule(total, unit=rates.special_unit)] if total else []
        ordinary = [[i.number, i.amount] for i in engine.ordinary_schedule(
            total, instalments=rates.ordinary_instalments, unit=rates.ordinary_unit)] if total else []
        assert services.schedule_of(total, True, rates) == special
        assert services.schedule_of(total, False, rates) == ordinary


def test_an_explanation_drawn_again_warns_when_the_income_changed(tax_a, tax_clerk_a, tax_chief_a, linked):
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(_taro_salary(linked)))
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY,
                            data=csv_bytes(_taro_salary(linked, revenue=5000000)))
    a = Assessment.objects.get(person_id=linked["taro"].person_id, is_current=True)
    assert services.explanation_of(a, tax_a)[0].startswith("注意: 計算後に所得資料が変わっています")


def test_the_demo_links_imports_and_calculates_the_year_once(tax_a, tax_clerk_a, tax_chief_a, household):
    from tenants.tax.juminzei import demo

    notes = demo.load(town=tax_a, staff={"tax_clerk": tax_clerk_a, "tax_chief": tax_chief_a}, scale=1.0, seed=2026)
    assert len(notes) == 1 and "納税義務者 3人" in notes[0]
    assert Assessment.objects.filter(fiscal_year=FY, is_current=True).count() == 3
    # The parents (born 1980 and 1982) may get a synthetic report; the child (born 2010) never does.
    assert not IncomeReport.objects.filter(person_id=household["ichiro"].person_id).exists()
    assert demo.load(town=tax_a, staff={"tax_clerk": tax_clerk_a, "tax_chief": tax_chief_a}, scale=1.0,
                     seed=2026) == []
    assert audit.verify(tax_a).ok
