"""Edge cases of the NHI levy rules: 軽減 thresholds, caps, 月割, 介護分 ages, 擬制世帯主, 基礎控除.

Rates are 鹿島市 令和5年度 (https://www.city.saga-kashima.lg.jp/main/26687.html); the 軽減 lines are the
令和5年度 ones (https://www.city.kurashiki.okayama.jp/item/135782.htm, city.kushiro.lg.jp), the 月割 rule
鹿島市's (https://www.city.saga-kashima.lg.jp/main/26689.html).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.nhi.levy import Household, Person, UnsupportedCase, insured_months, levy, load_table, parse_table
from tenants.nhi.levy.tables import national_rules

FY = 2023
KASHIMA = load_table("412074", FY)


def _adult(name: str = "本人", **kwargs: object) -> Person:
    return Person(name, date(1973, 5, 10), **kwargs)  # type: ignore[arg-type]


def _couple(income: int) -> Household:
    # Two insured persons aged 50 and 48, all the income on the head.
    return Household(head=_adult("世帯主", total_income=income), members=(Person("配偶者", date(1975, 1, 1)),))


# --- 軽減 thresholds -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("income", "level"), [
    (430_000, 7),                      # 7割 line for no or one 給与所得者等: 430,000
    (430_001, 5),
    (430_000 + 290_000 * 2, 5),        # 5割 line, two insured: 1,010,000
    (430_000 + 290_000 * 2 + 1, 2),
    (430_000 + 535_000 * 2, 2),        # 2割 line, two insured: 1,500,000
    (430_000 + 535_000 * 2 + 1, 0),
])
def test_reduction_at_the_line_and_one_yen_over(income: int, level: int) -> None:
    assert levy(_couple(income), KASHIMA, fiscal_year=FY).reduction.level == level


def test_reduction_cuts_per_capita_and_per_household_not_income_levy() -> None:
    result = levy(_couple(430_000), KASHIMA, fiscal_year=FY)
    medical = result.part("medical").single
    assert medical.income_levy == 0  # 430,000 − 基礎控除 430,000
    assert medical.per_capita_levy == 2 * (25_200 - 25_200 * 7 // 10)
    assert medical.per_household_levy == 37_100 - 37_100 * 7 // 10
    assert "医療分 均等割 7割軽減 −35,280円" in result.explanation


def test_seven_tenths_line_rises_with_each_further_salary_earner() -> None:
    # Two 給与所得者等 (給与収入 over 55万): 430,000 + 100,000 × (2 − 1) = 530,000.
    household = Household(head=_adult("世帯主", total_income=265_000, salary_revenue=900_000),
                          members=(Person("配偶者", date(1975, 1, 1), total_income=265_000, salary_revenue=900_000),))
    result = levy(household, KASHIMA, fiscal_year=FY)
    assert (result.reduction.earners, result.reduction.line_7, result.reduction.level) == (2, 530_000, 7)
    one_more_yen = dataclasses.replace(household, head=dataclasses.replace(household.head, total_income=265_001))
    assert levy(one_more_yen, KASHIMA, fiscal_year=FY).reduction.level == 5


def test_pensioner_65_gets_the_further_150000_for_the_reduction_test() -> None:
    # Aged 70: 年金所得 580,000 counts as 430,000 for the test → 7割; at 64 it would not.
    pension = {"total_income": 580_000, "pension_income": 580_000, "pension_revenue": 1_680_000}
    senior = Household(head=Person("本人", date(1952, 7, 1), **pension))  # type: ignore[arg-type]
    assert levy(senior, KASHIMA, fiscal_year=FY).reduction.household_income == 430_000
    assert levy(senior, KASHIMA, fiscal_year=FY).reduction.level == 7
    younger = Household(head=Person("本人", date(1959, 7, 1), **pension))  # type: ignore[arg-type]
    assert levy(younger, KASHIMA, fiscal_year=FY).reduction.level == 5


def test_former_member_counts_for_the_reduction_line() -> None:
    # A 特定同一世帯所属者 adds a person to the 5割 line: 430,000 + 290,000 × 2 = 1,010,000.
    household = Household(head=_adult(total_income=1_000_000),
                          former_members=(Person("後期高齢者", date(1945, 1, 1)),))
    result = levy(household, KASHIMA, fiscal_year=FY)
    assert (result.reduction.persons, result.reduction.level) == (2, 5)
    assert result.part("medical").single.per_capita_full == 25_200  # but no 均等割 for them


# --- 擬制世帯主 ----------------------------------------------------------------------------------------

def test_nominal_head_counts_for_reduction_but_pays_no_per_capita_or_income_levy() -> None:
    head = Person("世帯主", date(1960, 1, 1), insured=False, total_income=2_000_000, salary_revenue=3_000_000)
    household = Household(head=head, members=(Person("配偶者", date(1975, 1, 1)),))
    result = levy(household, KASHIMA, fiscal_year=FY)

    # Without the head's income the spouse alone would get 7割; with it, no 軽減 at all.
    assert result.reduction.level == 0
    medical = result.part("medical").single
    assert medical.persons == ("配偶者",)
    assert (medical.income_levy, medical.per_capita_levy, medical.per_household_levy) == (0, 25_200, 37_100)
    assert result.explanation[0].startswith("世帯主 世帯主 は被保険者ではありません(擬制世帯主)")


# --- 限度額 --------------------------------------------------------------------------------------------

def test_each_part_is_capped_on_its_own() -> None:
    # 算定基礎額 9,570,000: 医療 1,062,270 + … exceeds 650,000; 支援 212,370 stays under 220,000.
    result = levy(Household(head=_adult(total_income=10_000_000)), KASHIMA, fiscal_year=FY)
    medical, support, care = (result.part(k) for k in ("medical", "support", "care"))
    assert medical.single.cap_applied and medical.amount == 650_000
    assert not support.single.cap_applied and support.amount == 212_300
    assert care.single.cap_applied and care.amount == 170_000
    assert "医療分 賦課限度額 650,000円 を適用" in result.explanation


# --- 月割 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("acquired_on", "lost_on", "months"), [
    (None, None, 12),
    (date(2023, 3, 31), None, 12),       # joined before the fiscal year
    (date(2023, 4, 1), None, 12),
    (date(2023, 9, 1), None, 7),         # the joining month counts, whatever the day
    (date(2023, 9, 10), None, 7),        # 鹿島市's worked example: 9月10日 → 7 months
    (date(2023, 9, 30), None, 7),
    (date(2024, 3, 1), None, 1),
    (date(2024, 3, 31), None, 1),
    (None, date(2023, 4, 1), 0),         # the leaving month does not count
    (None, date(2023, 9, 1), 5),
    (None, date(2023, 9, 30), 5),
    (None, date(2024, 3, 1), 11),
    (None, date(2024, 3, 31), 11),
    (None, date(2024, 4, 1), 12),        # left after the fiscal year
    (date(2023, 9, 10), date(2023, 12, 1), 3),
    (date(2024, 4, 1), None, 0),         # joined after the fiscal year
])
def test_insured_months(acquired_on: date | None, lost_on: date | None, months: int) -> None:
    assert insured_months(FY, acquired_on, lost_on) == months


def test_joining_mid_year_levies_each_part_annual_times_months_over_12() -> None:
    # The full-year parts are 236,500 / 44,300 / 59,700 (see the 鹿島市 known answer); from 9月: × 7/12.
    household = Household(head=_adult(total_income=2_000_000, acquired_on=date(2023, 9, 10)))
    result = levy(household, KASHIMA, fiscal_year=FY)
    assert [p.amount for p in result.parts] == [236_500 * 7 // 12 // 100 * 100, 44_300 * 7 // 12 // 100 * 100,
                                                59_700 * 7 // 12 // 100 * 100]
    assert "(9月〜3月 7か月)医療分 月割 236,500円 ÷ 12 × 7か月 = 137,958.33円" in result.explanation


def test_member_leaving_mid_year_splits_the_year_into_periods() -> None:
    # The spouse leaves on 10月1日: 6 months with two insured, 6 months with one.
    household = Household(head=_adult(total_income=2_000_000),
                          members=(Person("配偶者", date(1975, 1, 1), lost_on=date(2023, 10, 1)),))
    medical = levy(household, KASHIMA, fiscal_year=FY).part("medical")
    assert [(p.months, p.persons) for p in medical.periods] == [(6, ("本人", "配偶者")), (6, ("本人",))]
    assert medical.amount == (261_700 * 6 + 236_500 * 6) // 12 // 100 * 100


# --- 介護分 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "care_months"), [
    (date(1984, 4, 2), 0),    # 39 all year: reaches 40 on 2024-04-01, after the fiscal year
    (date(1983, 10, 15), 6),  # reaches 40 on 2023-10-14: liable from October
    (date(1983, 4, 2), 12),   # reaches 40 on 2023-04-01
    (date(1959, 5, 1), 12),   # reaches 65 on 2024-04-30, after the fiscal year
    (date(1958, 8, 1), 3),    # reaches 65 on 2023-07-31: April–June only
    (date(1958, 4, 2), 0),    # reaches 65 on 2023-04-01: not liable at all
])
def test_care_part_only_for_ages_40_to_64(birth: date, care_months: int) -> None:
    result = levy(Household(head=Person("本人", birth, total_income=2_000_000)), KASHIMA, fiscal_year=FY)
    care = [p for p in result.parts if p.key == "care"]
    assert sum(period.months for part in care for period in part.periods) == care_months


# --- 基礎控除 ------------------------------------------------------------------------------------------

def test_basic_deduction_taper_band_is_refused_and_zero_above_25_million() -> None:
    with pytest.raises(UnsupportedCase):
        levy(Household(head=_adult(total_income=24_500_000)), KASHIMA, fiscal_year=FY)
    result = levy(Household(head=_adult(total_income=25_000_001)), KASHIMA, fiscal_year=FY)
    assert result.part("medical").single.income_base == 25_000_001


# --- 子ども・子育て支援納付金分 (令和8年度 onward) -------------------------------------------------------

def test_child_part_can_be_declared_and_exempts_per_capita_under_18() -> None:
    # Asaka's proposed (案) rates: 0.3%, 1,800円, cap 3万 (https://www.city.asaka.lg.jp/soshiki/25/kodomo-kosodade.html).
    table = parse_table({
        "table": {"town_code": "112275", "town_name": "朝霞市(案)", "fiscal_year": 2026, "complete": False,
                  "sources": ["https://www.city.asaka.lg.jp/soshiki/25/kodomo-kosodade.html"]},
        "parts": {"child": {"income_rate": "0.3%", "per_capita": 1800, "cap": 30_000,
                            "per_capita_exempt_below_age": 18}},
    })
    rules = dataclasses.replace(national_rules(2025), fiscal_year=2026, verified=False)
    household = Household(head=Person("親", date(1980, 1, 1), total_income=3_430_000),
                          members=(Person("子", date(2010, 1, 1)),))
    child = levy(household, table, fiscal_year=2026, rules=rules).part("child").single
    assert (child.income_levy, child.per_capita_levy) == (9_000, 1_800)


# --- properties ----------------------------------------------------------------------------------------

incomes = st.integers(min_value=0, max_value=24_000_000)


@settings(max_examples=200, deadline=None)
@given(head_income=incomes, spouse_income=incomes, extra=st.integers(min_value=1, max_value=2_000_000))
def test_more_income_never_lowers_the_levy(head_income: int, spouse_income: int, extra: int) -> None:
    def total(income: int) -> int:
        household = Household(head=_adult("世帯主", total_income=income),
                              members=(Person("配偶者", date(1975, 1, 1), total_income=spouse_income),))
        return levy(household, KASHIMA, fiscal_year=FY).total

    assert total(min(head_income + extra, 24_000_000)) >= total(head_income)


@settings(max_examples=200, deadline=None)
@given(income=incomes, month=st.integers(min_value=1, max_value=12))
def test_parts_are_whole_hundreds_within_caps_and_prorating_never_adds(income: int, month: int) -> None:
    joined = date(2023 if month >= 4 else 2024, month, 15)
    full = levy(Household(head=_adult(total_income=income)), KASHIMA, fiscal_year=FY)
    part_year = levy(Household(head=_adult(total_income=income, acquired_on=joined)), KASHIMA, fiscal_year=FY)
    for whole, prorated in zip(full.parts, part_year.parts, strict=True):
        assert whole.amount % 100 == 0 and prorated.amount % 100 == 0
        assert whole.amount <= KASHIMA.part(whole.key).cap  # type: ignore[union-attr]
        assert prorated.amount <= whole.amount


def test_unverified_national_rules_are_flagged_in_the_result() -> None:
    # 令和4年度 軽減 lines are not in the reference material: the portal must say so.
    household = Household(head=_adult(total_income=3_000_000))
    result = levy(household, load_table("232238", 2022), fiscal_year=2022)
    assert result.notes == ("令和4年度の軽減基準は出典で確認されていません",)
