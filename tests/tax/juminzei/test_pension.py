"""公的年金等: the 雑所得 from the 収入金額 by the 公的年金等控除 (国税庁 タックスアンサー No.1600, the table in force since
令和2年分), the age on 31 December of the income year, the 所得金額調整控除 of a taxpayer with both 給与 and 年金
(No.1411), the CSV column, and the bulk run equal to the 単票 one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tenants.tax.juminzei import engine, services
from tenants.tax.juminzei.income_csv import parse_income_csv
from tenants.tax.juminzei.models import Assessment, Taxpayer
from tenants.tax.juminzei.tables import load_table, national_rules
from tests.tax.juminzei.helpers import atena

NTA_PENSION = "https://www.nta.go.jp/taxes/shiraberu/taxanswer/shotoku/1600.htm"
NTA_ADJUSTMENT = "https://www.nta.go.jp/taxes/shiraberu/taxanswer/shotoku/1411.htm"
FY = 2025
HEADER = ("宛名番号,種類,特別徴収義務者指定番号,特別徴収義務者名,給与収入,給与以外の所得,社会保険料控除,"
          "その他の所得控除,配偶者・扶養親族,障害者控除,本人の区分,公的年金等収入")


@pytest.mark.parametrize(("revenue", "aged", "other", "income"), [
    (1_000_000, True, 0, 0),  # 65歳以上: 110万 is deducted at least
    (2_000_000, True, 0, 900_000),
    (3_300_000, True, 0, 2_200_000),
    (4_000_000, True, 0, 2_725_000),  # 400万 × 75% − 27.5万
    (1_300_000, False, 0, 700_000),  # 65歳未満: 60万 at least
    (2_000_000, False, 0, 1_225_000),
    (4_100_000, False, 0, 2_800_000),  # 410万 × 85% − 68.5万 (continuous with the 75% band)
    (8_000_000, False, 0, 6_145_000),  # × 95% − 145.5万
    (12_000_000, False, 0, 10_045_000),  # − 195.5万
    (2_000_000, True, 15_000_000, 1_000_000),  # other 合計所得 over 1,000万: the 控除 is 10万 smaller
    (2_000_000, True, 25_000_000, 1_100_000),  # over 2,000万: 20万 smaller
    (1_333_333, False, 0, 724_999),  # 999,999.75 − 275,000: 1円未満切捨
])
def test_pension_income_follows_the_table(revenue, aged, other, income) -> None:
    """Source: NTA_PENSION (公的年金等に係る雑所得の速算表, 令和2年分以後)."""
    table = national_rules(FY).pension
    assert engine.pension_income(revenue, table, aged_65=aged, other_income=other) == income


def test_the_age_is_taken_on_31_december_of_the_income_year() -> None:
    """令和6年分 (令和7年度): 65歳以上 means born on or before 1960-01-01 (NTA_PENSION)."""
    assert engine.aged_65(dt.date(1960, 1, 1), FY)
    assert not engine.aged_65(dt.date(1960, 1, 2), FY)
    assert engine.aged_65(dt.date(1961, 1, 1), FY + 1) and not engine.aged_65(None, FY)


def test_salary_and_pension_together_take_the_income_adjustment() -> None:
    """給与所得 1,320,000 (給与収入 200万) and 年金の雑所得 900,000 (65歳以上 200万): 所得金額調整控除
    10万 + 10万 − 10万 = 10万 from the 給与所得 (NTA_ADJUSTMENT); 合計所得 2,120,000."""
    rates = load_table("412066", FY)
    both = engine.resident_tax(engine.Taxpayer("年金と給与", salary_revenue=2_000_000, pension_revenue=2_000_000,
                                               aged_65=True), rates, fiscal_year=FY)
    assert (both.salary_income, both.total_income) == (1_220_000, 2_120_000)
    assert any("所得金額調整控除" in line for line in both.explanation)


def test_a_pension_revenue_taxes_as_its_computed_income_would() -> None:
    rates = load_table("412066", FY)
    from_revenue = engine.resident_tax(engine.Taxpayer("年金", pension_revenue=2_500_000, aged_65=True,
                                                       social_insurance=200_000), rates, fiscal_year=FY)
    stated = engine.resident_tax(engine.Taxpayer("年金", other_income=1_400_000, social_insurance=200_000), rates,
                                 fiscal_year=FY)
    assert from_revenue.total_income == 1_400_000
    assert from_revenue.total == stated.total > 0
    assert "公的年金等の雑所得 収入 2,500,000円 → 1,400,000円(公的年金等控除後、65歳以上)" in from_revenue.explanation


def test_the_csv_takes_the_pension_revenue_and_refuses_it_on_a_salary_report() -> None:
    ok = parse_income_csv((HEADER + "\n000000000001,公的年金等支払報告書,,,0,0,100000,0,,,,2000000\n").encode())
    assert ok[0].pension_revenue == 2_000_000
    with pytest.raises(ValidationError) as bad:
        parse_income_csv((HEADER + "\n000000000001,給与支払報告書,K1,商事,3000000,0,0,0,,,,500000\n"
                          "000000000002,公的年金等支払報告書,,,0,0,0,0,,,,１２３\n").encode())
    messages = bad.value.message_dict["file"]
    assert any(m.startswith("2行目 公的年金等収入: 給与支払報告書") for m in messages)
    assert any(m.startswith("3行目 公的年金等収入:") for m in messages)  # full-width digits


@pytest.mark.django_db
def test_the_bulk_run_and_the_single_one_agree_for_a_pensioner(tax_a, tax_clerk_a, tax_chief_a, linked):
    taro = linked["taro"]
    Taxpayer.objects.filter(fiscal_year=FY, person_id=taro.person_id).update(birth_date=dt.date(1955, 5, 5))
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=(
        HEADER + f"\n{atena(taro)},公的年金等支払報告書,,,0,0,200000,0,,,,2500000\n").encode())
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    bulk = Assessment.objects.get(fiscal_year=FY, person_id=taro.person_id, is_current=True)
    assert bulk.total_income == 1_400_000  # 65歳以上: 250万 − 110万
    assert services.explanation_of(bulk, tax_a)[0].startswith("公的年金等の雑所得")
    single = services.assessment_calculate(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, person_id=taro.person_id)
    assert (single.total_income, single.total) == (bulk.total_income, bulk.total)
    # Younger than 65 on 31 December: the smaller minimum, a larger income.
    Taxpayer.objects.filter(fiscal_year=FY, person_id=taro.person_id).update(birth_date=dt.date(1970, 5, 5))
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    younger = Assessment.objects.get(fiscal_year=FY, person_id=taro.person_id, is_current=True)
    assert younger.total_income == 2_500_000 * 75 // 100 - 275_000
