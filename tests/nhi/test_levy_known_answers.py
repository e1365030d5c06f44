"""Known answers for the NHI levy engine: worked examples published by municipalities.

Each test cites the page its figures come from (collected in /work/shared/reference/tax-nhi.md §1.5–1.6).
"""

from __future__ import annotations

from datetime import date

from tenants.nhi.levy import Household, Person, levy, load_table

MITAKA = "https://www.city.mitaka.lg.jp/c_service/020/020149.html"
NARITA = "https://www.city.narita.chiba.jp/kurashi/page100601.html"
OBU = "https://www.city.obu.aichi.jp/kurashi/zeikin/kokuho/1001737/1001740.html"
KASHIMA = "https://www.city.saga-kashima.lg.jp/main/26687.html"


def _mitaka_household(*, youngest_born: date) -> Household:
    # Husband 42, 給与収入 500万 → 給与所得 356万 (算定基礎額 313万); wife and two children without income.
    return Household(
        head=Person("夫", date(1983, 1, 15), total_income=3_560_000, salary_revenue=5_000_000),
        members=(Person("妻", date(1987, 6, 1)), Person("子1", date(2013, 6, 1)), Person("子2", youngest_born)),
    )


def test_mitaka_2025_two_method_household() -> None:
    """三鷹市 (2方式, no 平等割): 306,900 + 119,100 + 63,400 = 489,400. Source: MITAKA."""
    result = levy(_mitaka_household(youngest_born=date(2016, 6, 1)), load_table("132047", 2025), fiscal_year=2025)

    medical, support, care = (result.part(k) for k in ("medical", "support", "care"))
    assert (medical.single.income_levy, medical.single.per_capita_levy, medical.amount) == (190_930, 116_000, 306_900)
    assert (support.single.income_levy, support.single.per_capita_levy, support.amount) == (71_990, 47_200, 119_100)
    assert (care.single.income_levy, care.single.per_capita_levy, care.amount) == (50_080, 13_400, 63_400)
    assert care.single.persons == ("夫",)
    assert result.total == 489_400
    assert result.reduction.level == 0


def test_mitaka_explanation_shows_each_step() -> None:
    """The portal's explanation carries the page's own arithmetic. Source: MITAKA."""
    result = levy(_mitaka_household(youngest_born=date(2016, 6, 1)), load_table("132047", 2025), fiscal_year=2025)

    assert "医療分 所得割 3,130,000円 × 6.1% = 190,930円" in result.explanation
    assert "医療分 均等割 29,000円 × 4人 = 116,000円" in result.explanation
    assert "医療分 306,930円 → 100円未満切捨 306,900円" in result.explanation
    assert result.explanation[-1] == "年税額 306,900円 + 119,100円 + 63,400円 = 489,400円"


def test_mitaka_preschool_child_halves_medical_per_capita() -> None:
    """One child 未就学: 医療 均等割 29,000×3 + 14,500 = 101,500 → 医療分 292,400. Source: MITAKA."""
    result = levy(_mitaka_household(youngest_born=date(2020, 6, 1)), load_table("132047", 2025), fiscal_year=2025)

    medical = result.part("medical")
    assert medical.single.per_capita_levy == 101_500
    assert medical.single.preschool_reduction == 14_500
    assert medical.amount == 292_400


def test_narita_2025_half_reduction_basic_part() -> None:
    """成田市 令和7年度 5割軽減: line 305,000×3 + 430,000 = 1,345,000; 基礎課税分 103,309 → 103,300.

    Source: NARITA.
    """
    household = Household(
        head=Person("A", date(1980, 5, 1), total_income=1_320_000, salary_revenue=2_000_000),
        members=(Person("B", date(1982, 5, 1)), Person("C", date(2008, 5, 1))),
    )
    result = levy(household, load_table("122114", 2025), fiscal_year=2025)

    assert result.reduction.level == 5
    assert (result.reduction.line_5, result.reduction.line_2) == (1_345_000, 2_110_000)
    medical = result.part("medical").single
    assert medical.income_levy == 60_609
    assert (medical.per_capita_full, medical.per_capita_levy) == (66_300, 33_150)
    assert (medical.per_household_full, medical.per_household_levy) == (19_100, 9_550)
    assert result.part("medical").amount == 103_300
    assert result.partial  # the 支援分 平等割 and the 介護分 are not on the page
    assert "軽減判定 5割軽減基準 430,000円 + 305,000円 × 3人 = 1,345,000円 以下 → 5割軽減" in result.explanation


def test_obu_2022_asset_levy_and_child_reduction() -> None:
    """大府市 2022: 資産割 on 固定資産税 10万 and the city's 子ども減免 → 246,400 + 84,900 + 70,600 = 401,900.

    Source: OBU. The household's ages are not on the page: two adults aged 40–64 (the 介護分 均等割
    is 20,000 for the household) and two children under 18 (the 子ども減免 falls on two 均等割).
    """
    household = Household(
        head=Person("世帯主", date(1977, 8, 1), total_income=3_000_000, fixed_asset_tax=100_000),
        members=(Person("配偶者", date(1979, 8, 1)), Person("子1", date(2011, 8, 1)), Person("子2", date(2013, 8, 1))),
    )
    result = levy(household, load_table("232238", 2022), fiscal_year=2022)

    medical, support, care = (result.part(k) for k in ("medical", "support", "care"))
    assert (medical.single.income_levy, medical.single.asset_levy) == (156_770, 7_000)
    assert (medical.single.per_capita_levy, medical.single.per_household_levy) == (101_200, 22_000)
    assert medical.single.adjustments == (("子ども減免", 40_480),)
    assert medical.amount == 246_400
    assert (support.single.income_levy, support.single.asset_levy) == (53_970, 0)
    assert support.single.adjustments == (("子ども減免", 16_000),)
    assert support.amount == 84_900
    assert (care.single.income_levy, care.single.per_capita_levy, care.amount) == (43_690, 20_000, 70_600)
    assert care.single.adjustments == ()
    assert result.total == 401_900


def test_kashima_2023_official_rates_single_business_owner() -> None:
    """鹿島市 令和5年度 (the demo town), hand-computed from the official rates. Source: KASHIMA.

    One insured person aged 50, 営業所得 2,000,000 → 算定基礎額 1,570,000; no 軽減 (the 2割 line for
    one person is 430,000 + 535,000 = 965,000).
      医療 1,570,000×11.1% = 174,270 + 25,200 + 37,100 = 236,570 → 236,500
      支援 1,570,000×2.10% =  32,970 +  4,600 +  6,800 =  44,370 →  44,300
      介護 1,570,000×2.35% =  36,895 + 14,300 +  8,600 =  59,795 →  59,700
      年税額 340,500
    A third-party calculator (kokuho-keisan.com) lists the 医療分 所得割 as 1.11%; the official page
    says 11.1%, which is what the shipped table holds (with 1.11% the 医療分 would be 79,700).
    """
    household = Household(head=Person("本人", date(1973, 5, 10), total_income=2_000_000))
    result = levy(household, load_table("412074", 2023), fiscal_year=2023)

    assert result.reduction.level == 0
    assert [p.amount for p in result.parts] == [236_500, 44_300, 59_700]
    assert result.part("medical").single.income_levy == 174_270
    assert result.total == 340_500
