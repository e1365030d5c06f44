"""固定資産税 engine: 住宅用地特例, 負担調整, 免税点 per owner and kind, 新築住宅 reduction, rate and rounding.

Sources (reference /work/shared/reference/tax-nhi.md §4): 岡崎市 worked example city.okazaki.lg.jp/1100/1102/
1122/p001627.html and its rule page p044269.html; 住宅用地特例 city.anjo.aichi.jp/kurasu/zeikin/kotei/
jutakuyochi.html, qa.city.nagaoka.niigata.jp/faq/show/569; 免税点 and 1.4% saipon.jp/h/turiken/zei_004,
city.amakusa.kumamoto.jp/kiji0031261; 新築住宅 daiyukensetsu.jp/report/?p=144 (3P).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.tax.common import InputError, TableError, UnsupportedCase
from tenants.tax.kotei import Building, Land, NewHousing, land_base, load_table, parse_table, property_tax

FY = 2025
OKAZAKI = load_table("232025", FY)


def _tax(**kwargs):
    return property_tax("所有者", rates=OKAZAKI, fiscal_year=FY, **kwargs)


def _home(value: int, *, area: int | Decimal = 200, dwellings: int = 1, previous: int | None = None) -> Land:
    return Land("岡崎市某町1番", "03", area, value, housing_area=area, dwellings=dwellings, previous_base=previous)


# --- known answers -----------------------------------------------------------------------------------------

def test_okazaki_burden_adjustment_2641666() -> None:
    """岡崎市: 小規模住宅用地 200㎡, 評価額 17,000,000, R6 課標 2,500,000; 負担水準 0.882; R7 課標
    2,500,000 + 17,000,000 × 1/6 × 5% = 2,641,666 (below 本則 2,833,333). Source: city.okazaki.lg.jp p001627."""
    item = land_base(_home(17_000_000, previous=2_500_000))
    assert int(item.principle) == 2_833_333
    assert round(float(item.burden_level or 0), 3) == 0.882
    assert item.base == 2_641_666


def test_okazaki_tax_at_the_standard_rate() -> None:
    """Derived in the reference (not published): 2,641,000 × 1.4% = 36,974 → 36,900."""
    result = _tax(lands=[_home(17_000_000, previous=2_500_000)])
    assert (result.land.taxable, result.land.computed, result.total) == (2_641_000, 36_974, 36_900)
    assert result.explanation[-1] == "年税額 36,974円 → 100円未満切捨 36,900円"


def test_new_house_and_small_housing_land_third_party_example() -> None:
    """3P daiyukensetsu: 土地 200㎡ 評価額 1,200万 × 1/6 × 1.4% = 28,000; 家屋 1,500万 → 210,000, halved to
    105,000 under the 新築 reduction."""
    house = Building("某町1番の1", "01", 100, 15_000_000, NewHousing(first_year=FY, residential_area=100))
    result = _tax(lands=[_home(12_000_000)], buildings=[house])
    assert result.land.tax == 28_000
    assert (result.building.computed, result.building.reduction, result.building.tax) == (210_000, 105_000, 105_000)
    assert result.total == 133_000


# --- 住宅用地特例 and 負担調整 ----------------------------------------------------------------------------

def test_small_housing_land_is_200_square_metres_per_dwelling() -> None:
    """小規模 ≤ 200㎡ per 戸 × 1/6, the rest × 1/3 (Anjo, Nagaoka)."""
    one = land_base(_home(30_000_000, area=300))
    assert (one.small_area, one.general_area) == (200, 100)
    assert one.base == 30_000_000 * 200 // 300 // 6 + 30_000_000 * 100 // 300 // 3  # 3,333,333 + 3,333,333
    two = land_base(_home(30_000_000, area=300, dwellings=2))
    assert (two.small_area, two.general_area, two.base) == (300, 0, 5_000_000)


@pytest.mark.parametrize(("previous", "base"), [
    (2_833_333, 2_833_333),   # 負担水準 ≥ 100% (just under: 2,833,333 < 2,833,333.33 → +5%, capped at 本則)
    (3_000_000, 2_833_333),   # above 本則: 本則
    (2_800_000, 2_833_333),   # + 5% would pass 本則: capped
    (100_000, 566_666),       # + 5% stays below 本則 × 20%: raised to 20%
])
def test_burden_adjustment_is_kept_between_20_percent_and_the_principle(previous: int, base: int) -> None:
    """負担調整 (Okazaki p044269): 前年度課標 + 本則 × 5%, clamped to [本則 × 20%, 本則]."""
    assert land_base(_home(17_000_000, previous=previous)).base == base


@settings(max_examples=300, deadline=None)
@given(st.integers(1_000, 500_000_000), st.integers(1, 2_000), st.integers(1, 4),
       st.one_of(st.none(), st.integers(0, 500_000_000)))
def test_burden_adjustment_bounds(value: int, area: int, dwellings: int, previous: int | None) -> None:
    item = land_base(_home(value, area=area, dwellings=dwellings, previous=previous))
    assert item.base <= item.principle
    assert item.base >= int(item.principle * Fraction(1, 5))
    if previous is not None and previous <= item.principle:
        assert item.base >= previous


# --- 免税点 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "point"), [("building", 200_000), ("depreciable", 1_500_000)])
def test_exemption_points_of_buildings_and_depreciable_assets(kind: str, point: int) -> None:
    """免税点 家屋 20万 / 償却資産 150万 (地方税法 第351条, Saipon): below is not taxed, at the point is."""
    def run(value: int):
        if kind == "building":
            return _tax(buildings=[Building("b", "06", 50, value)])
        return _tax(depreciable=value)
    below, at = run(point - 1), run(point)
    assert (getattr(below, kind).exempt, below.total) == (True, 0)
    assert getattr(at, kind).tax == point * 14 // 1000


def test_land_exemption_point_is_per_owner_total_not_per_parcel() -> None:
    """免税点 土地 30万 on the owner's total in the town: two parcels of 本則 200,000 each are taxed."""
    small = Land("某町2番", "03", 100, 1_200_000, housing_area=100, dwellings=1)  # 本則 200,000
    assert _tax(lands=[small]).land.exempt
    both = _tax(lands=[small, Land("某町3番", "03", 100, 1_200_000, housing_area=100, dwellings=1)])
    assert (both.land.exempt, both.land.taxable, both.total) == (False, 400_000, 5_600)


def test_exemption_is_per_kind() -> None:
    """Land under its 免税点 stays untaxed even when the owner's building is taxed (per kind, §4)."""
    result = _tax(lands=[Land("某町2番", "03", 100, 1_200_000, housing_area=100, dwellings=1)],
                  buildings=[Building("某町2番の1", "01", 80, 5_000_000)])
    assert (result.land.tax, result.building.tax, result.total) == (0, 70_000, 70_000)
    assert "土地 課税標準額の合計 200,000円 は免税点 300,000円 未満 → 課税なし" in result.explanation


# --- 新築住宅 --------------------------------------------------------------------------------------------

def test_new_housing_reduction_only_on_120_square_metres_per_dwelling() -> None:
    """1/2 of the tax on the 120㎡ part: 150㎡ house, 評価額 15,000,000 → 210,000 × 120/150 × 1/2 = 84,000."""
    house = Building("b", "01", 150, 15_000_000, NewHousing(first_year=FY, residential_area=150))
    assert _tax(buildings=[house]).buildings[0].reduction == 84_000


@pytest.mark.parametrize(("midrise", "years"), [(False, 3), (True, 5)])
def test_new_housing_reduction_runs_three_or_five_years(midrise: bool, years: int) -> None:
    for first in range(FY - years - 1, FY + 2):
        house = Building("b", "02", 100, 15_000_000,
                         NewHousing(first_year=first, residential_area=100, midrise_fire_resistant=midrise))
        reduced = _tax(buildings=[house]).building.reduction
        assert (reduced == 105_000) == (first <= FY < first + years), first


def test_new_housing_reduction_refused_on_a_shop() -> None:
    shop = Building("b", "04", 100, 15_000_000, NewHousing(first_year=FY, residential_area=100))
    with pytest.raises(InputError) as caught:
        _tax(buildings=[shop])
    assert caught.value.field == "buildings[0].new_housing"


# --- rate as data, bad input ------------------------------------------------------------------------------

def test_town_rate_is_data() -> None:
    rates = parse_table({"table": {"town_code": "999999", "town_name": "試験町", "fiscal_year": FY,
                                   "sources": ["test"], "rate": "1.5%"}}, source="test")
    result = property_tax("所有者", rates=rates, fiscal_year=FY, lands=[_home(17_000_000, previous=2_500_000)])
    assert result.land.computed == 2_641_000 * 15 // 1000


def test_unknown_land_category_names_parcel_and_field() -> None:
    with pytest.raises(InputError) as caught:
        _tax(lands=[_home(1_000_000), Land("某町9番", "99", 100, 1_000_000)])
    assert caught.value.field == "lands[1].category"
    assert "某町9番" in str(caught.value)


def test_unknown_building_kind_names_the_field() -> None:
    with pytest.raises(InputError) as caught:
        _tax(buildings=[Building("b", "50", 100, 1_000_000)])
    assert caught.value.field == "buildings[0].kind"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"value": -1}, "value"),
    ({"area": Decimal("100.005")}, "area"),
    ({"area": 0}, "area"),
    ({"area": 100.5}, "area"),
    ({"housing_area": 201}, "housing_area"),
    ({"dwellings": 0}, "dwellings"),
    ({"previous_base": -5}, "previous_base"),
])
def test_bad_land_fields_are_named(kwargs: dict, field: str) -> None:
    values: dict = {"parcel": "某町1番", "category": "03", "area": 200, "value": 1_000_000, "housing_area": 200,
                    "dwellings": 1}
    values.update(kwargs)
    with pytest.raises(InputError) as caught:
        Land(**values)
    assert caught.value.field == field


def test_housing_land_on_a_rice_field_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        _tax(lands=[Land("某町1番", "01", 200, 1_000_000, housing_area=200, dwellings=1)])
    assert caught.value.field == "lands[0].housing_area"


def test_non_residential_land_is_unsupported() -> None:
    with pytest.raises(UnsupportedCase, match="住宅用地"):
        _tax(lands=[Land("某町1番", "03", 300, 30_000_000, housing_area=200, dwellings=1)])


def test_bad_rate_names_the_field() -> None:
    with pytest.raises(TableError) as caught:
        parse_table({"table": {"town_code": "999999", "town_name": "試験町", "fiscal_year": FY,
                               "sources": ["test"], "rate": 1.4}}, source="test")
    assert caught.value.field == "table.rate"


def test_tables_are_read_once_per_process() -> None:
    assert load_table("232025", FY) is OKAZAKI


def test_explain_false_gives_the_same_amounts() -> None:
    house = Building("b", "01", 150, 15_000_000, NewHousing(first_year=FY, residential_area=150))
    args = {"lands": [_home(17_000_000, previous=2_500_000)], "buildings": [house], "depreciable": 2_000_000}
    full = _tax(**args)
    quiet = property_tax("所有者", rates=OKAZAKI, fiscal_year=FY, explain=False, **args)
    assert quiet.explanation == () and full.explanation
    assert (quiet.land, quiet.building, quiet.depreciable, quiet.total) == (full.land, full.building,
                                                                              full.depreciable, full.total)
    assert full.depreciable.tax == 28_000  # 2,000,000 × 1.4%, above the 150万 免税点
