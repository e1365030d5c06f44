"""Rules of the 個人住民税 engine: 非課税 lines by 級地, 調整控除, rounding, schedules, bad input and tables.

Sources (reference /work/shared/reference/tax-nhi.md §2): 非課税 city.moka.lg.jp/…/21005.html,
city.ichihara.chiba.jp/kurashi/zeikin/0/101.html, city.koshi.lg.jp/kiji00311808 (§2.4); 調整控除
city.koriyama.lg.jp/soshiki/30/5211.html, city.mizuho.lg.jp/1785.htm (§2.3); rounding and rates
city.sakaide.lg.jp/soshiki/zeimu/minzeiaramasi2.html (§2.1).
"""

from __future__ import annotations

import dataclasses
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.tax.common import InputError, TableError, UnsupportedCase
from tenants.tax.juminzei import (
    Taxpayer,
    load_table,
    national_rules,
    ordinary_schedule,
    parse_table,
    resident_tax,
    salary_income,
    special_schedule,
)
from tenants.tax.juminzei.tables import DATA_DIR

FY = 2025
ANJO = load_table("232122", FY)


def _with_grade(grade: int | None):
    data = tomllib.loads((DATA_DIR / "232122-2025.toml").read_text(encoding="utf-8"))
    if grade is None:
        data["table"].pop("grade", None)
    else:
        data["table"]["grade"] = grade
    return parse_table(data, source="test")


def _tax(taxpayer: Taxpayer, rates=ANJO):
    return resident_tax(taxpayer, rates, fiscal_year=FY)


# --- 非課税 ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("grade", "line", "over"), [
    (1, 450_000, ""),  # in 1級地 the 均等割 line is the 所得割 line (45万): one yen over, both are due
    (2, 415_000, "income_levy"),  # above the 均等割 line, still under the 所得割 line
    (3, 380_000, "income_levy"),
])
def test_single_person_per_capita_line_by_grade(grade: int, line: int, over: str) -> None:
    """Single person: A + 10万 = 45万 / 41.5万 / 38万 (§2.4). At the line 非課税, one yen over taxed."""
    rates = _with_grade(grade)
    at = _tax(Taxpayer("本人", other_income=line), rates)
    above = _tax(Taxpayer("本人", other_income=line + 1), rates)
    assert (at.exempt, at.total) == ("per_capita", 0)
    assert above.exempt == over
    assert above.city_per_capita + above.prefecture_per_capita + above.forest_environment_tax == 5_500


def test_family_per_capita_line_adds_b_for_dependants() -> None:
    """3級地, self + spouse + one child: 28万 × 3 + 10万 + 16.8万 = 1,108,000 (§2.4; 真岡市's 17万 not used)."""
    rates = _with_grade(3)
    family = ("spouse_general", "dependant_young")
    assert _tax(Taxpayer("本人", other_income=1_108_000, dependants=family), rates).exempt == "per_capita"
    assert _tax(Taxpayer("本人", other_income=1_108_001, dependants=family), rates).exempt != "per_capita"


def test_income_levy_line_is_the_same_in_every_grade() -> None:
    """所得割 非課税: 35万 × N + 10万 + 32万 with dependants (§2.4): N=3 → 1,470,000."""
    family = ("spouse_general", "dependant_young")
    for grade in (1, 2, 3):
        rates = _with_grade(grade)
        at = _tax(Taxpayer("本人", other_income=1_470_000, dependants=family), rates)
        assert (at.exempt, at.income_levy) == ("income_levy", 0)
        assert at.total == 3_000 + 1_500 + 1_000
        assert _tax(Taxpayer("本人", other_income=1_470_001, dependants=family), rates).exempt == ""


def test_unknown_grade_is_refused_only_where_the_grade_matters() -> None:
    """Without a recorded 級地: below every line non-taxable, above every line taxable, between refused."""
    assert _tax(Taxpayer("本人", other_income=380_000)).exempt == "per_capita"
    assert _tax(Taxpayer("本人", other_income=450_001)).exempt == ""
    with pytest.raises(UnsupportedCase, match="級地"):
        _tax(Taxpayer("本人", other_income=400_000))


@pytest.mark.parametrize("flag", [{"disabled": True}, {"minor": True}, {"widow": True}, {"single_parent": "mother"}])
def test_disabled_minor_widow_single_parent_up_to_1350000_fully_exempt(flag: dict) -> None:
    """障害者・未成年者・寡婦・ひとり親 with 合計所得 ≤ 135万: 非課税 (§2.4, Moka, Ichihara)."""
    assert _tax(Taxpayer("本人", other_income=1_350_000, **flag)).exempt == "full"
    assert _tax(Taxpayer("本人", other_income=1_350_001, **flag)).exempt != "full"


def test_public_assistance_is_fully_exempt() -> None:
    result = _tax(Taxpayer("本人", salary_revenue=3_000_000, public_assistance=True))
    assert (result.exempt, result.total, result.forest_environment_tax) == ("full", 0, 0)
    assert "非課税 生活保護法による生活扶助を受けている" in result.explanation


# --- 調整控除 ---------------------------------------------------------------------------------------------

def test_adjustment_small_income_takes_the_smaller_of_difference_and_taxable_income() -> None:
    """合計課税所得 ≤ 200万: 5% × min(人的控除差, 課税所得) (§2.3), split 3% / 2%."""
    # 課税所得 30,000 < 人的控除差 50,000 → base 30,000: 市 900, 県 600.
    result = _tax(Taxpayer("本人", other_income=460_000 + 30_000))
    assert result.taxable_income == 30_000 + 30_000  # 490,000 − 基礎 430,000 = 60,000
    assert (result.city_adjustment, result.prefecture_adjustment) == (1_500, 1_000)  # min(50,000, 60,000)
    smaller = _tax(Taxpayer("本人", other_income=470_000))  # 課税所得 40,000
    assert (smaller.city_adjustment, smaller.prefecture_adjustment) == (1_200, 800)


def test_adjustment_large_income_uses_difference_less_the_excess() -> None:
    """合計課税所得 > 200万: 5% × (人的控除差 − (課税所得 − 200万)) (§2.3)."""
    # Spouse (老人 10万) + 特定扶養 (18万) + 基礎 (5万): 差 330,000; 課税所得 2,100,000 → base 230,000.
    taxpayer = Taxpayer("本人", other_income=2_100_000 + 430_000 + 380_000 + 450_000,
                        dependants=("spouse_elderly", "dependant_specific"))
    result = _tax(taxpayer)
    assert result.taxable_income == 2_100_000
    assert result.personal_difference == 330_000
    assert (result.city_adjustment, result.prefecture_adjustment) == (230_000 * 3 // 100, 230_000 * 2 // 100)


def test_designated_city_splits_the_minimum_four_to_one() -> None:
    """指定都市: the 2,500 minimum splits 市 2,000 / 県 500 (4% / 1% of 50,000; §2.3, Niigata)."""
    niigata = load_table("151009", 2026)
    result = resident_tax(Taxpayer("本人", other_income=5_000_000), niigata, fiscal_year=2026)
    assert (result.city_adjustment, result.prefecture_adjustment) == (2_000, 500)


# --- rounding and schedules ----------------------------------------------------------------------------

def test_taxable_income_truncated_to_1000_and_income_levy_to_100() -> None:
    """課税標準 1,000円未満切捨, 所得割 100円未満切捨 (§2.1)."""
    result = _tax(Taxpayer("本人", other_income=430_000 + 1_234_999))
    assert result.taxable_income == 1_234_000
    assert result.city_income_levy_before == 74_040
    assert result.city_income_levy == floor100(74_040 - result.city_adjustment)
    assert result.prefecture_income_levy % 100 == 0


def floor100(amount: int) -> int:
    return amount // 100 * 100


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=50_000_000), st.sampled_from([1, 2, 3, 4, 6, 8, 10, 12]),
       st.sampled_from([100, 1000]))
def test_schedules_add_up_to_the_total(total: int, instalments: int, unit: int) -> None:
    ordinary = ordinary_schedule(total, instalments=instalments, unit=unit)
    special = special_schedule(total, unit=100)
    assert sum(i.amount for i in ordinary) == total and len(ordinary) == instalments
    assert all(i.amount % unit == 0 for i in ordinary[1:])
    assert ordinary[0].amount >= ordinary[-1].amount
    assert sum(i.amount for i in special) == total and len(special) == 12
    assert all(i.amount % 100 == 0 for i in special[1:])
    assert 0 <= special[0].amount - special[1].amount < 1200


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=20_000_000), st.sampled_from([2024, 2025, 2026]))
def test_salary_income_never_falls_as_revenue_rises(revenue: int, year: int) -> None:
    table = national_rules(year).salary
    assert 0 <= salary_income(revenue, table) <= salary_income(revenue + 1_000, table)
    assert salary_income(revenue, table) <= revenue


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=20_000_000), st.integers(min_value=0, max_value=2_000_000),
       st.lists(st.sampled_from(["spouse_general", "dependant_general", "dependant_specific", "dependant_young"]),
                max_size=4))
def test_more_income_never_lowers_the_tax(revenue: int, insurance: int, dependants: list[str]) -> None:
    if dependants.count("spouse_general") > 1:
        dependants = [d for d in dependants if d != "spouse_general"] + ["spouse_general"]
    rates = _with_grade(2)
    base = Taxpayer("本人", salary_revenue=revenue, social_insurance=insurance, dependants=tuple(dependants))
    try:
        low = _tax(base, rates)
        high = _tax(dataclasses.replace(base, salary_revenue=revenue + 10_000), rates)
    except UnsupportedCase:
        return
    assert low.total <= high.total
    assert low.total % 100 == 0


def test_explain_false_gives_the_same_amounts_without_lines() -> None:
    taxpayer = Taxpayer("本人", salary_revenue=4_000_000, dependants=("dependant_general",))
    full, quiet = _tax(taxpayer), resident_tax(taxpayer, ANJO, fiscal_year=FY, explain=False)
    assert quiet.explanation == ()
    assert dataclasses.replace(full, explanation=()) == quiet


def test_tables_are_read_once_per_process() -> None:
    assert load_table("232122", FY) is ANJO
    assert national_rules(FY) is national_rules(FY)


# --- bad input and bad tables --------------------------------------------------------------------------

def test_negative_income_names_the_field() -> None:
    with pytest.raises(InputError) as caught:
        Taxpayer("本人", salary_revenue=-1)
    assert caught.value.field == "salary_revenue"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"dependants": ("cousin",)}, "dependants[0]"),
    ({"dependants": ("spouse_general", "spouse_elderly")}, "dependants"),
    ({"disabilities": ("general",)}, "disabilities[0]"),
    ({"single_parent": "aunt"}, "single_parent"),
    ({"social_insurance": 1.5}, "social_insurance"),
])
def test_bad_taxpayer_fields_are_named(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as caught:
        Taxpayer("本人", **kwargs)
    assert caught.value.field == field


def test_table_for_another_year_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        resident_tax(Taxpayer("本人"), ANJO, fiscal_year=2026)
    assert caught.value.field == "fiscal_year"


def test_income_above_the_basic_deduction_taper_is_unsupported() -> None:
    with pytest.raises(UnsupportedCase, match="基礎控除"):
        _tax(Taxpayer("本人", other_income=24_000_001))


@pytest.mark.parametrize(("path", "value", "field"), [
    (("income_levy", "city"), 6, "income_levy.city"),
    (("adjustment", "city"), "4%", "adjustment"),
    (("table", "designated_city"), True, "adjustment"),  # a 指定都市 splits 4% / 1%
    (("adjustment", "prefecture"), "2.0001%", "adjustment"),
    (("table", "grade"), 4, "table.grade"),
    (("collection", "ordinary_unit"), 500, "collection.ordinary_unit"),
    (("table", "town_code"), "23212", "table.town_code"),
    (("per_capita", "city"), -3000, "per_capita.city"),
])
def test_bad_table_fields_are_named(path: tuple[str, str], value: object, field: str) -> None:
    data = tomllib.loads((DATA_DIR / "232122-2025.toml").read_text(encoding="utf-8"))
    data[path[0]][path[1]] = value
    parse_table(tomllib.loads((DATA_DIR / "232122-2025.toml").read_text(encoding="utf-8")), source="ok")
    with pytest.raises(TableError) as caught:
        parse_table(data, source="test")
    assert caught.value.field == field
