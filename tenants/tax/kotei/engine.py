"""固定資産税 of one owner (納税義務者) in one town for one fiscal year: 住宅用地特例, 負担調整 per land
parcel, 新築住宅 reduction per building, 免税点 per kind, the town's rate, 100円未満切捨.

Rules and sources: docs/tax.md 「固定資産税」 (/work/shared/reference/tax-nhi.md §4). Co-owned property
(共有) is one 納税義務者 of its own: the caller passes the co-owners' group as ``owner``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from tenants.tax.common import InputError, UnsupportedCase, floor_to, whole_yen, yen
from tenants.tax.kotei.tables import HOUSING_KINDS, RESIDENTIAL_LAND, NationalRules, TownRates, national_rules


def _centiares(value: object, field: str, record: str, *, positive: bool) -> int:
    """An area in ㎡ with at most two decimals (地積・床面積 are recorded to 0.01㎡), as whole 0.01㎡ units,
    so that the per-parcel arithmetic is on integers."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InputError(field, f"{record}: must be a number of ㎡ (int or Decimal), not {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise InputError(field, f"{record}: {value} has more than two decimals")
        units = int(value.scaleb(2))
    else:
        units = value * 100
    if units < 0 or (positive and units == 0):
        raise InputError(field, f"{record}: must be {'above' if positive else 'at least'} 0㎡ ({value})")
    return units


@dataclass(frozen=True, slots=True)
class Land:
    """A land parcel (土地): 所在・地番, 地目 code, 地積, 評価額; the 住宅用地 part and its dwellings (戸数);
    last year's 課税標準額 for the 負担調整 (None: no history, the 本則 applies).

    ``housing_area`` is the area that is 住宅用地, after the 併用住宅 ratio and the 10 × 床面積 limit
    (reference §4, Anjo) — the caller applies those, since they need the building.
    """

    parcel: str  # 所在・地番
    category: str  # 地目 code (data/national.toml land_categories)
    area: int | Decimal  # 地積 ㎡
    value: int  # 評価額 (価格)
    housing_area: int | Decimal = 0  # 住宅用地の面積 ㎡
    dwellings: int = 0  # 住宅の戸数
    previous_base: int | None = None  # 前年度課税標準額
    area_units: int = field(init=False, repr=False, compare=False, default=0)  # 地積 in 0.01㎡
    housing_units: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        record = f"土地 {self.parcel}"
        whole_yen(self.value, "value")
        area = _centiares(self.area, "area", record, positive=True)
        housing = _centiares(self.housing_area, "housing_area", record, positive=False)
        object.__setattr__(self, "area_units", area)
        object.__setattr__(self, "housing_units", housing)
        if housing > area:
            raise InputError("housing_area", f"{record}: 住宅用地 {self.housing_area}㎡ exceeds the 地積 {self.area}㎡")
        whole_yen(self.dwellings, "dwellings", "dwellings")
        if housing and not self.dwellings:
            raise InputError("dwellings", f"{record}: 住宅用地 needs at least one dwelling (戸数)")
        if self.previous_base is not None:
            whole_yen(self.previous_base, "previous_base")


@dataclass(frozen=True, slots=True)
class NewHousing:
    """The 新築住宅 reduction (新築住宅に係る減額): from ``first_year`` (年度) for 3 years, 5 for a
    中高層耐火建築物; on the tax of up to 120㎡ of the 居住部分 per dwelling."""

    first_year: int  # first 年度 of the reduction
    residential_area: int | Decimal  # 居住部分の床面積 ㎡
    dwellings: int = 1
    midrise_fire_resistant: bool = False  # 3階建以上の中高層耐火建築物


@dataclass(frozen=True, slots=True)
class Building:
    """A building (家屋): 家屋番号, 種類 code, 床面積, 評価額 (= 課税標準額), and the 新築住宅 reduction if any."""

    parcel: str  # 所在・家屋番号
    kind: str  # 種類 code (data/national.toml building_kinds)
    floor_area: int | Decimal  # 床面積 ㎡
    value: int  # 評価額
    new_housing: NewHousing | None = None

    def __post_init__(self) -> None:
        record = f"家屋 {self.parcel}"
        whole_yen(self.value, "value")
        floor = _centiares(self.floor_area, "floor_area", record, positive=True)
        if self.new_housing is not None:
            residential = _centiares(self.new_housing.residential_area, "new_housing.residential_area", record,
                                     positive=True)
            if residential > floor:
                raise InputError("new_housing.residential_area", f"{record}: 居住部分 exceeds the 床面積")
            if isinstance(self.new_housing.dwellings, bool) or not isinstance(self.new_housing.dwellings, int) \
                    or self.new_housing.dwellings < 1:
                raise InputError("new_housing.dwellings", f"{record}: at least one dwelling")


@dataclass(frozen=True, slots=True)
class LandBase:
    """One parcel's 課税標準額 and how it was reached (a line of the 課税明細書)."""

    parcel: str
    value: int
    small_units: int  # 小規模住宅用地 in 0.01㎡
    general_units: int  # 一般住宅用地 in 0.01㎡
    principle: int  # 本則課税標準額 (評価額 × 特例率, 円未満切捨)
    previous_base: int | None
    base: int  # 課税標準額 (円未満切捨)
    principle_exact: tuple[int, int] = (0, 1)  # 本則 as numerator / denominator

    @property
    def small_area(self) -> Fraction:
        """小規模住宅用地 ㎡."""
        return Fraction(self.small_units, 100)

    @property
    def general_area(self) -> Fraction:
        """一般住宅用地 ㎡."""
        return Fraction(self.general_units, 100)

    @property
    def burden_level(self) -> Fraction | None:
        """負担水準 = 前年度課標 ÷ 本則 (None without a previous year or with a zero 本則)."""
        num, den = self.principle_exact
        if self.previous_base is None or num == 0:
            return None
        return Fraction(self.previous_base * den, num)


@dataclass(frozen=True, slots=True)
class BuildingLine:
    parcel: str
    value: int  # 評価額 = 課税標準額
    reduction: int  # 新築住宅 減額税額 (0 when none this year)


@dataclass(frozen=True, slots=True)
class KindTotal:
    """土地, 家屋 or 償却資産 of one owner: the summed 課税標準額, 免税点 and the tax of the kind."""

    base: int  # 課税標準額の合計 (before 1,000円未満切捨)
    exempt: bool  # below the 免税点
    taxable: int  # 1,000円未満切捨 (0 when exempt)
    computed: int  # 算出税額 = taxable × rate (円未満切捨)
    reduction: int  # 減額税額
    tax: int  # computed − reduction


@dataclass(frozen=True, slots=True)
class PropertyTaxResult:
    owner: str
    town_code: str
    fiscal_year: int
    lands: tuple[LandBase, ...]
    buildings: tuple[BuildingLine, ...]
    land: KindTotal
    building: KindTotal
    depreciable: KindTotal
    total: int  # 年税額 (100円未満切捨)
    explanation: tuple[str, ...]


def land_base(land: Land, rules: NationalRules | None = None, *, index: int | None = None) -> LandBase:
    """One parcel's 課税標準額: 住宅用地特例 (小規模 ≤ 200㎡ per dwelling × 1/6, the rest × 1/3), then the
    住宅用地 負担調整: 負担水準 ≥ 100% → 本則; otherwise 前年度課標 + 本則 × 5%, kept within [本則 × 20%, 本則]."""
    rules = rules or national_rules()
    if land.category not in rules.land_categories:
        raise InputError(f"{_where(index)}.category", f"土地 {land.parcel}: 地目 code {land.category!r} is not known")
    area, housing = land.area_units, land.housing_units
    if housing and land.category != RESIDENTIAL_LAND:
        raise InputError(f"{_where(index)}.housing_area",
                         f"土地 {land.parcel}: 住宅用地 on 地目 {rules.land_categories[land.category]} (only 宅地 here)")
    if housing < area:
        raise UnsupportedCase(f"土地 {land.parcel}: {(area - housing) / 100:g}㎡ is not 住宅用地; the 負担調整 of 商業地等 and "
                              "農地 and the 地目 without 住宅用地 are not in the reference")
    # Integer arithmetic on 0.01㎡ units: 本則 = 評価額 × (小規模 × 1/6 + 一般 × 1/3) ÷ 地積, kept as num / den.
    # floor() is monotone, so clamping the floored values gives the floor of the clamped exact value.
    small = min(housing, rules.small_units_per_dwelling * land.dwellings)
    general = housing - small
    s_num, s_den = rules.small_ratio.numerator, rules.small_ratio.denominator
    g_num, g_den = rules.general_ratio.numerator, rules.general_ratio.denominator
    num = land.value * (small * s_num * g_den + general * g_num * s_den)
    den = area * s_den * g_den
    principle = num // den
    previous = land.previous_base
    if previous is None or num == 0 or previous * den >= num:  # no history, or 負担水準 ≥ 100%
        base = principle
    else:
        step, floor = rules.adjustment_step, rules.adjustment_floor
        raised = previous + num * step.numerator // (den * step.denominator)
        lowest = num * floor.numerator // (den * floor.denominator)
        base = max(lowest, min(raised, principle))
    return LandBase(parcel=land.parcel, value=land.value, small_units=small,
                    general_units=general, principle=principle, previous_base=previous, base=base,
                    principle_exact=(num, den))


def _where(index: int | None) -> str:
    return "land" if index is None else f"lands[{index}]"


def _kind_total(base: int, point: int, rate_num: int, rate_den: int, reduction: int) -> KindTotal:
    # 免税点: 課税標準となるべき額が … に満たない (地方税法 第351条): strictly below.
    if base < point:
        return KindTotal(base=base, exempt=True, taxable=0, computed=0, reduction=0, tax=0)
    taxable = floor_to(base, 1000)
    computed = taxable * rate_num // rate_den
    reduction = min(reduction, computed)
    return KindTotal(base=base, exempt=False, taxable=taxable, computed=computed, reduction=reduction,
                     tax=computed - reduction)


def property_tax(owner: str, *, rates: TownRates, fiscal_year: int, lands: tuple[Land, ...] | list[Land] = (),
                 buildings: tuple[Building, ...] | list[Building] = (), depreciable: int = 0,
                 rules: NationalRules | None = None, explain: bool = True) -> PropertyTaxResult:
    """Compute one owner's 固定資産税 in the town for ``fiscal_year`` (年度).

    ``depreciable`` is the 償却資産's 課税標準額 as declared (its 評価 is not computed here).
    """
    if rates.fiscal_year != fiscal_year:
        raise InputError("fiscal_year", f"the town table is for {rates.fiscal_year}, not {fiscal_year}")
    whole_yen(depreciable, "depreciable")
    rules = rules or national_rules()
    rate = rates.rate
    lines: list[str] = []
    say = lines.append

    land_lines = []
    for i, land in enumerate(lands):
        item = land_base(land, rules, index=i)
        land_lines.append(item)
        if explain:
            parts = []
            if item.small_area:
                parts.append(f"小規模住宅用地 {float(item.small_area):g}㎡ × {rules.small_ratio}")
            if item.general_area:
                parts.append(f"一般住宅用地 {float(item.general_area):g}㎡ × {rules.general_ratio}")
            say(f"土地 {land.parcel} 評価額 {yen(land.value)}; {'、'.join(parts)} → 本則 {yen(item.principle)}")
            burden = item.burden_level
            if burden is not None:
                level = f"負担水準 {float(burden):.3f}"
                if burden >= 1:
                    say(f"土地 {land.parcel} {level} ≥ 1 → 本則 {yen(item.base)}")
                else:
                    say(f"土地 {land.parcel} {level} → 前年度課標 {yen(land.previous_base or 0)} + 本則 × "
                        f"{float(rules.adjustment_step) * 100:g}% = {yen(item.base)}(本則の"
                        f"{float(rules.adjustment_floor) * 100:g}%〜100%)")
            else:
                say(f"土地 {land.parcel} 前年度課税標準額なし → 本則 {yen(item.base)}")

    building_lines = []
    for i, building in enumerate(buildings):
        if building.kind not in rules.building_kinds:
            raise InputError(f"buildings[{i}].kind", f"家屋 {building.parcel}: 種類 code {building.kind!r} is not known")
        reduction = 0
        new = building.new_housing
        if new is not None:
            if building.kind not in HOUSING_KINDS:
                raise InputError(f"buildings[{i}].new_housing", f"家屋 {building.parcel}: 新築住宅 reduction on a "
                                 f"{rules.building_kinds[building.kind]}")
            years = rules.new_housing_years_midrise if new.midrise_fire_resistant else rules.new_housing_years
            if new.first_year <= fiscal_year < new.first_year + years:
                eligible = min(Fraction(new.residential_area), rules.new_housing_area_per_dwelling * new.dwellings)
                exact = Fraction(building.value * rate.numerator, rate.denominator) * eligible \
                    / Fraction(building.floor_area) * rules.new_housing_ratio  # rare: Fraction is fine here
                reduction = int(exact)
                if explain:
                    say(f"家屋 {building.parcel} 新築住宅減額 {new.first_year}年度から{years}年度分: "
                        f"{yen(building.value)} × {rate.text} × {float(eligible):g}㎡/"
                        f"{float(Fraction(building.floor_area)):g}㎡ × {rules.new_housing_ratio} = {yen(reduction)}")
        building_lines.append(BuildingLine(parcel=building.parcel, value=building.value, reduction=reduction))
        if explain:
            say(f"家屋 {building.parcel} 評価額 = 課税標準額 {yen(building.value)}")

    land_total = _kind_total(sum(x.base for x in land_lines), rules.land_exemption, rate.numerator,
                             rate.denominator, 0)
    house = _kind_total(sum(x.value for x in building_lines), rules.building_exemption, rate.numerator,
                        rate.denominator, sum(x.reduction for x in building_lines))
    assets = _kind_total(depreciable, rules.depreciable_exemption, rate.numerator, rate.denominator, 0)
    if explain:
        for label, total, point, present in (("土地", land_total, rules.land_exemption, bool(land_lines)),
                                             ("家屋", house, rules.building_exemption, bool(building_lines)),
                                             ("償却資産", assets, rules.depreciable_exemption, bool(depreciable))):
            if not present:
                continue
            if total.exempt:
                say(f"{label} 課税標準額の合計 {yen(total.base)} は免税点 {yen(point)} 未満 → 課税なし")
            else:
                say(f"{label} 課税標準額 {yen(total.base)} → 1,000円未満切捨 {yen(total.taxable)} × {rate.text} = "
                    f"{yen(total.computed)}" + (f" − 減額 {yen(total.reduction)} = {yen(total.tax)}" if total.reduction
                                                else ""))
    exact_total = land_total.tax + house.tax + assets.tax
    total_tax = floor_to(exact_total, 100)
    if explain:
        say(f"年税額 {yen(exact_total)} → 100円未満切捨 {yen(total_tax)}")
    return PropertyTaxResult(owner=owner, town_code=rates.town_code, fiscal_year=fiscal_year,
                             lands=tuple(land_lines), buildings=tuple(building_lines), land=land_total, building=house,
                             depreciable=assets, total=total_tax, explanation=tuple(lines))
