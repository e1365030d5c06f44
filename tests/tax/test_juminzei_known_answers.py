"""Known answers for the 個人住民税 engine: worked examples published by municipalities.

Each test cites the page its figures come from (collected in /work/shared/reference/tax-nhi.md §2).
"""

from __future__ import annotations

from tenants.tax.juminzei import Taxpayer, load_table, national_rules, resident_tax, salary_income

NIIGATA = "https://www.city.niigata.lg.jp/kurashi/zei/siraberu/kojin/keisanrei.html"  # §2.5
ANJO = "https://www.city.anjo.aichi.jp/kurasu/zeikin/shiminzei/kojinshiminzei/zeigakukeisan.html"  # §2.5
YAMATOKORIYAMA = "https://www.city.yamatokoriyama.lg.jp/soshiki/zeimuka/zeikin/3/12252.html"  # §2.2
SHIBAYAMA = "https://www.town.shibayama.lg.jp/0000006336.html"  # §2.2


def _niigata():
    # 給与収入 5,000,000, 社会保険料 500,000; spouse without income; children aged 18 (一般扶養) and 14 (年少).
    taxpayer = Taxpayer("本人", salary_revenue=5_000_000, social_insurance=500_000,
                        dependants=("spouse_general", "dependant_general", "dependant_young"))
    rates = load_table("151009", 2026)
    return resident_tax(taxpayer, rates, fiscal_year=2026), rates


def test_niigata_2026_designated_city_total_194500() -> None:
    """新潟市 令和8年度 (指定都市 8%/2%): every step of the page, total 194,500. Source: NIIGATA."""
    result, _ = _niigata()

    assert result.salary_income == 3_560_000
    assert result.deductions == 1_590_000
    assert result.taxable_income == 1_970_000
    assert (result.city_income_levy_before, result.prefecture_income_levy_before) == (157_600, 39_400)
    assert result.personal_difference == 150_000
    assert (result.city_adjustment, result.prefecture_adjustment) == (6_000, 1_500)
    assert (result.city_income_levy, result.prefecture_income_levy) == (151_600, 37_900)
    assert (result.city_per_capita, result.prefecture_per_capita, result.forest_environment_tax) == (3_000, 1_000, 1_000)
    assert result.total == 194_500


def test_niigata_ordinary_collection_four_instalments_remainder_in_first() -> None:
    """普通徴収: 1期 50,500; 2–4期 48,000 each (千円未満 added to 1期). Source: NIIGATA."""
    result, rates = _niigata()
    assert [(i.number, i.amount) for i in result.ordinary_schedule(rates)] == [
        (1, 50_500), (2, 48_000), (3, 48_000), (4, 48_000)]


def test_niigata_special_collection_twelve_months_remainder_in_june() -> None:
    """特別徴収: 6月 16,300; 7月–5月 16,200 each (百円未満 added to 6月). Source: NIIGATA."""
    result, rates = _niigata()
    schedule = result.special_schedule(rates)
    assert [i.number for i in schedule] == [6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5]
    assert schedule[0].amount == 16_300
    assert {i.amount for i in schedule[1:]} == {16_200}


def test_niigata_explanation_carries_the_pages_arithmetic() -> None:
    """The explanation shows the page's steps in Japanese. Source: NIIGATA."""
    result, _ = _niigata()
    assert "課税総所得金額 3,560,000円 − 1,590,000円 → 1,000円未満切捨 1,970,000円" in result.explanation
    assert ("調整控除 min(人的控除差 150,000円, 課税所得 1,970,000円) = 150,000円; 市 × 4% = 6,000円, "
            "県 × 1% = 1,500円") in result.explanation
    assert result.explanation[-1].startswith("年税額 151,600円 + 37,900円 + 3,000円 + 1,000円 + 1,000円 = 194,500円")


def test_anjo_salary_income_from_the_stepped_table() -> None:
    """安城市: 給与収入 6,050,000 → 給与所得 4,398,400 (6,048,000 × 80% − 440,000). Source: ANJO."""
    for year in (2025, 2026):  # the 360万–660万 band is the same before and after the 令和8年度 change
        assert salary_income(6_050_000, national_rules(year).salary) == 4_398_400


def test_anjo_adjustment_falls_to_its_2500_minimum() -> None:
    """安城市: 控除 1,804,930 → 課税総所得 2,593,000; 市 155,580 / 県 103,720; 調整控除 at the 2,500 minimum
    (市 1,500 / 県 1,000); 市 after 調整控除 154,080. Source: ANJO.

    The page gives only the total of the deductions; it is entered as the 基礎控除 plus the rest as
    ``other_deductions`` (the split does not change 課税標準, and with a 人的控除差 of 50,000 the
    minimum applies).
    """
    taxpayer = Taxpayer("本人", salary_revenue=6_050_000, other_deductions=1_804_930 - 430_000)
    result = resident_tax(taxpayer, load_table("232122", 2025), fiscal_year=2025)

    assert result.salary_income == 4_398_400
    assert result.deductions == 1_804_930
    assert result.taxable_income == 2_593_000
    assert (result.city_income_levy_before, result.prefecture_income_levy_before) == (155_580, 103_720)
    assert (result.city_adjustment, result.prefecture_adjustment) == (1_500, 1_000)
    assert result.city_income_levy_before - result.city_adjustment == 154_080
    assert result.city_income_levy == 154_000  # 100円未満切捨 (reference §2.1, Niigata/Sakaide)


def test_yamatokoriyama_old_steps_around_1620000() -> None:
    """令和7年度 and earlier: 1,619,000–1,619,999 → 1,069,000; 1,620,000–1,621,999 → 1,070,000;
    1,622,000–1,623,999 → 1,072,000; 1,624,000–1,627,999 → 1,074,000. Source: YAMATOKORIYAMA."""
    table = national_rules(2025).salary
    assert [salary_income(r, table) for r in (1_619_000, 1_619_999, 1_620_000, 1_621_999, 1_622_000,
                                              1_623_999, 1_624_000, 1_627_999)] == [
        1_069_000, 1_069_000, 1_070_000, 1_070_000, 1_072_000, 1_072_000, 1_074_000, 1_074_000]
    assert salary_income(1_618_999, table) == 1_068_999  # 55万 below the steps


def test_shibayama_2026_minimum_deduction_650000_up_to_1900000() -> None:
    """令和8年度 onward: 給与所得控除 65万 up to 190万, unchanged above. Source: SHIBAYAMA."""
    new, old = national_rules(2026).salary, national_rules(2025).salary
    assert salary_income(1_625_000, new) == 975_000
    assert salary_income(1_850_000, new) == 1_200_000
    assert salary_income(1_900_000, new) == salary_income(1_900_000, old) == 1_250_000
    assert salary_income(600_000, new) == 0
    assert salary_income(600_000, old) == 50_000
    assert salary_income(9_000_000, new) == 9_000_000 - 1_950_000  # the 195万 cap above 850万
