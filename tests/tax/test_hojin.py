"""法人住民税 engine: the standard 均等割 table and 月割, 法人税割 at the town's rate, 法人番号 check digit.

Sources (reference /work/shared/reference/tax-nhi.md §3): 均等割 table and 月割 city.osaki.miyagi.jp/index.cfm/
21,879,91,198,html, city.kitakata.fukushima.jp/soshiki/zeimu/398.html (§3.1); 資本金等の額 rule
city.higashimatsuyama.lg.jp/soshiki/11/1223.html (§3.1); rates city.chiryu.aichi.jp/kurashi/zei/6/
1451813567560.html (§3.2); rounding Kitakata (§3.2). 法人番号: 法人番号の指定等に関する省令 (平成26年財務省令第70号)
第2条 (e-Gov), with the worked example 7123456789012 of the formula's published explanation.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.tax.common import InputError, TableError, UnsupportedCase
from tenants.tax.hojin import (
    CorporateReturn,
    corporate_number_check_digit,
    corporate_resident_tax,
    load_table,
    office_months,
    parse_table,
    validate_corporate_number,
)
from tenants.tax.hojin.tables import DATA_DIR

OSAKI = load_table("042153")  # 8.4%
KITAKATA = load_table("072087")  # 6.0%
NUMBER = "7000012050002"  # 国税庁's own 法人番号 (as published on the 法人番号公表サイト)


def _return(**kwargs) -> CorporateReturn:
    values: dict = {"corporate_number": NUMBER, "kind": "final", "period_start": date(2024, 4, 1),
                    "period_end": date(2025, 3, 31)}
    values.update(kwargs)
    return CorporateReturn(**values)


# --- 均等割 ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("capital", "small", "large"), [
    (0, 50_000, 120_000),                    # 資本金のない法人等
    (10_000_000, 50_000, 120_000),           # ≤ 1千万
    (10_000_001, 130_000, 150_000),          # 1千万超–1億
    (100_000_000, 130_000, 150_000),
    (100_000_001, 160_000, 400_000),         # 1億超–10億
    (1_000_000_000, 160_000, 400_000),
    (1_000_000_001, 410_000, 1_750_000),     # 10億超–50億
    (5_000_000_000, 410_000, 1_750_000),
    (5_000_000_001, 410_000, 3_000_000),     # 50億超
])
def test_standard_per_capita_table(capital: int, small: int, large: int) -> None:
    """§3.1 table: each class at its bounds, 従業者 50 (≤ 50) and 51 (> 50). Source: Osaki, Kitakata."""
    assert corporate_resident_tax(_return(capital=capital, employees=50), KITAKATA).per_capita == small
    assert corporate_resident_tax(_return(capital=capital, employees=51), KITAKATA).per_capita == large


def test_capital_class_uses_the_larger_of_capital_and_capital_plus_reserve() -> None:
    """資本金等の額 is the larger of 資本金等の額 and 資本金 + 資本準備金 (from H27). Source: Higashimatsuyama."""
    result = corporate_resident_tax(_return(capital=8_000_000, capital_and_reserve=12_000_000), KITAKATA)
    assert (result.capital_class, result.per_capita) == (1, 130_000)


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2024, 4, 1), date(2025, 3, 31), 12),
    (date(2024, 9, 10), date(2025, 3, 31), 6),   # 6 months and 22 days: the part month dropped
    (date(2024, 9, 1), date(2025, 3, 31), 7),
    (date(2025, 3, 10), date(2025, 3, 31), 1),   # under one month counts as one
    (date(2025, 3, 31), date(2025, 3, 31), 1),
    (date(2024, 1, 31), date(2024, 2, 29), 1),   # no 31st in February: the month ends on its last day
    (date(2024, 1, 31), date(2024, 3, 29), 1),
    (date(2024, 1, 31), date(2024, 3, 30), 2),   # the day before the corresponding day 3月31日 (民法 第143条)
])
def test_office_months_by_the_calendar(start: date, end: date, months: int) -> None:
    """月割: part months dropped, a period under one month is one month (§3.1, Osaki, Kitakata)."""
    assert office_months(start, end) == months


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2019, 10, 1), max_value=date(2030, 12, 31)), st.integers(0, 400), st.integers(0, 40))
def test_office_months_between_one_and_twelve_and_never_fewer_for_a_longer_span(start: date, days: int,
                                                                                   more: int) -> None:
    end = start + timedelta(days=days)
    months = office_months(start, end)
    assert 1 <= months <= 14  # spans up to 440 days here
    assert office_months(start, end + timedelta(days=more)) >= months
    if days <= 27:
        assert months == 1


def test_per_capita_prorated_by_months_and_truncated_to_100() -> None:
    """税率 × 月数 ÷ 12 (§3.1): 50,000 × 7 / 12 = 29,166 → 29,100 (100円未満切捨, a choice: docs/tax.md)."""
    result = corporate_resident_tax(_return(office_from=date(2024, 9, 1)), KITAKATA)
    assert (result.months, result.per_capita) == (7, 29_100)
    assert "均等割 月割 50,000円 × 7/12 = 29,166円 → 100円未満切捨 29,100円" in result.explanation
    new_company = _return(period_start=date(2025, 3, 20), period_end=date(2025, 3, 31))
    assert corporate_resident_tax(new_company, KITAKATA).per_capita == 4_100  # 50,000 × 1/12 = 4,166 → 4,100


def test_town_own_per_capita_table_applies() -> None:
    """超過課税 at 1.2× the standard table (北九州市's 60,000 … 3,600,000, §3.1)."""
    rows = [[60_000, 144_000], [156_000, 180_000], [192_000, 480_000], [492_000, 2_100_000], [492_000, 3_600_000]]
    data = {"table": {"town_code": "401005", "town_name": "北九州市",
                      "sources": ["https://ssl.city.kitakyushu.lg.jp/contents/08801047.html"]},
            "rates": [{"from": date(2019, 10, 1), "corporate_tax_rate": "8.4%", "per_capita": rows}]}
    rates = parse_table(data, source="test")
    assert corporate_resident_tax(_return(), rates).per_capita == 60_000
    assert corporate_resident_tax(_return(capital=6_000_000_000, employees=51), rates).per_capita == 3_600_000


# --- 法人税割 --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rates", "levy"), [(KITAKATA, 74_000), (OSAKI, 103_600)])
def test_corporate_tax_levy_at_the_towns_rate(rates, levy: int) -> None:
    """6.0% (Kitakata) / 8.4% (Osaki) from R1.10.1 (§3.2); 法人税額 1,000円未満, 税額 100円未満切捨 (Kitakata).
    1,234,567 → 1,234,000; × 6.0% = 74,040 → 74,000; × 8.4% = 103,656 → 103,600 (derived)."""
    result = corporate_resident_tax(_return(corporate_tax=1_234_567), rates)
    assert result.tax_base == 1_234_000
    assert result.corporate_tax_levy == levy
    assert result.total == 50_000 + levy


def test_period_before_the_towns_first_rate_is_unsupported() -> None:
    with pytest.raises(UnsupportedCase, match="no rates"):
        corporate_resident_tax(_return(period_start=date(2019, 4, 1), period_end=date(2020, 3, 31)), KITAKATA)


def test_provisional_return_takes_half_of_last_years_levy_and_six_months() -> None:
    """予定申告: 前事業年度の法人税割 × 6 ÷ 前事業年度の月数 (地方税法 第321条の8; not in the reference, which
    gives only the transitional × 3.7) and the 均等割 for the office months of the first six months."""
    ret = _return(kind="provisional", capital=30_000_000, employees=60, previous_levy=103_600, previous_months=12)
    result = corporate_resident_tax(ret, OSAKI)
    assert (result.months, result.per_capita, result.corporate_tax_levy) == (6, 75_000, 51_800)
    assert "法人税割 前事業年度の法人税割 103,600円 × 6 ÷ 12 = 51,800円 → 100円未満切捨 51,800円" in result.explanation
    late = _return(kind="provisional", previous_levy=103_600, previous_months=12, office_from=date(2024, 12, 1))
    assert corporate_resident_tax(late, OSAKI).per_capita == 0  # no office in the first six months


def test_provisional_return_across_the_rate_cut_uses_3_7() -> None:
    """The first 予定申告 after R1.10.1: the previous 法人税割 × 3.7 ÷ 前事業年度の月数 (§3.2, Saikai, Kitakata):
    100,000 × 3.7 ÷ 12 = 30,833 → 30,800."""
    ret = _return(kind="provisional", period_start=date(2020, 4, 1), period_end=date(2021, 3, 31),
                  previous_levy=100_000, previous_months=12)
    assert corporate_resident_tax(ret, KITAKATA).corporate_tax_levy == 30_800
    after = _return(kind="provisional", period_start=date(2021, 4, 1), period_end=date(2022, 3, 31),
                    previous_levy=100_000, previous_months=12)
    assert corporate_resident_tax(after, KITAKATA).corporate_tax_levy == 50_000


def test_amended_return_pays_the_increase() -> None:
    """修正申告: the corrected tax of the period, paying what it adds to the declared tax."""
    ret = _return(kind="amended", corporate_tax=1_000_000, declared=80_000)
    result = corporate_resident_tax(ret, KITAKATA)
    assert (result.total, result.payable) == (110_000, 30_000)  # 50,000 + 60,000
    with pytest.raises(InputError) as caught:
        corporate_resident_tax(_return(kind="amended", corporate_tax=1_000_000, declared=120_000), KITAKATA)
    assert caught.value.field == "declared"


def test_rate_above_the_limit_is_refused_by_the_table() -> None:
    data = tomllib.loads((DATA_DIR / "042153.toml").read_text(encoding="utf-8"))
    data["rates"][0]["corporate_tax_rate"] = "8.5%"
    with pytest.raises(TableError) as caught:
        parse_table(data, source="test")
    assert caught.value.field == "rates[0].corporate_tax_rate"


def test_tables_are_read_once_per_process() -> None:
    assert load_table("042153") is OSAKI


# --- 法人番号 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [
    "7123456789012",  # the formula's published worked example (sum 74, 74 mod 9 = 2, 9 − 2 = 7)
    NUMBER,
    "4011001098993",  # 3P: a company number quoted with the formula (qiita.com/mziyut)
    "2120901007402",  # 3P: zeirishi-blog.info/2018/01/23/check-digit
])
def test_known_corporate_numbers_validate(number: str) -> None:
    assert validate_corporate_number(number) == number


@pytest.mark.parametrize("number", ["8000012050002", "700001205000", "70000120500021", "７000012050002",
                                    "7000-12050002", 7000012050002])
def test_bad_corporate_number_is_an_error_naming_the_field(number: object) -> None:
    with pytest.raises(InputError) as caught:
        _return(corporate_number=number)
    assert caught.value.field == "corporate_number"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_check_digit_catches_every_single_digit_error_but_0_for_9(base: str, position: int, shift: int) -> None:
    """The weights 1 and 2 modulo 9 detect any one wrong digit except a 0 read as 9 (or 9 as 0)."""
    digit = corporate_number_check_digit(base)
    assert 1 <= digit <= 9
    old = int(base[position])
    new = (old + shift) % 10
    changed = base[:position] + str(new) + base[position + 1:]
    if {old, new} == {0, 9}:
        assert corporate_number_check_digit(changed) == digit
    else:
        with pytest.raises(InputError):
            validate_corporate_number(f"{digit}{changed}")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "yearly"}, "kind"),
    ({"capital": -1}, "capital"),
    ({"employees": 1.5}, "employees"),
    ({"period_end": date(2024, 3, 31)}, "period_end"),
    ({"period_end": date(2025, 4, 1)}, "period_end"),
    ({"office_from": date(2024, 3, 1)}, "office_from"),
    ({"office_until": date(2025, 4, 30)}, "office_until"),
    ({"kind": "provisional", "previous_months": 12}, "previous_levy"),
    ({"kind": "provisional", "previous_levy": 1, "previous_months": 13}, "previous_months"),
    ({"kind": "amended"}, "declared"),
])
def test_bad_return_fields_are_named(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as caught:
        _return(**kwargs)
    assert caught.value.field == field


def test_interim_return_levies_the_months_of_its_period() -> None:
    """中間申告 (仮決算): the 均等割 for the 6 months of the interim period (§3.1 月割), 法人税割 on its 法人税額."""
    interim = _return(kind="interim", period_end=date(2024, 9, 30), capital=50_000_000, employees=10,
                      corporate_tax=500_000)
    result = corporate_resident_tax(interim, OSAKI)
    assert (result.months, result.per_capita) == (6, 65_000)
    assert result.corporate_tax_levy == 42_000  # 500,000 × 8.4%
    assert result.explanation[-1] == "中間申告(仮決算) 税額 65,000円 + 42,000円 = 107,000円"


def test_explain_false_gives_the_same_amounts() -> None:
    ret = _return(capital=30_000_000, employees=60, corporate_tax=1_234_567, office_from=date(2024, 6, 15))
    full, quiet = corporate_resident_tax(ret, OSAKI), corporate_resident_tax(ret, OSAKI, explain=False)
    assert quiet.explanation == () and len(full.explanation) == 4
    assert (quiet.per_capita, quiet.corporate_tax_levy, quiet.total) == (full.per_capita, full.corporate_tax_levy,
                                                                         full.total)
