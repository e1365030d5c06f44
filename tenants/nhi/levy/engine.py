"""The NHI levy calculation (国民健康保険税の賦課計算): a pure function of a household and a rate table.

The rules and their sources are in docs/nhi.md 「保険税の計算」; every rounding choice made where the
sources are silent is stated there and next to the code that makes it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from tenants.nhi.levy.tables import PART_LABELS, NationalRules, PartRates, Rate, RateTable, national_rules

PRESCHOOL_PARTS = ("medical", "support")  # 未就学児 均等割 halving applies to 医療分 and 支援分 only
CARE_FROM_AGE, CARE_UNTIL_AGE = 40, 65  # 介護納付金分: 40歳 to 64歳 (第2号被保険者)


class UnsupportedCase(ValueError):
    """A case the engine knowingly does not compute (see docs/nhi.md), rather than guess."""


@dataclass(frozen=True)
class Person:
    """A member of the household (世帯員), with last year's income (前年所得).

    ``lost_on`` is the 資格喪失日: the first day the person is no longer insured. ``total_income`` is
    the 総所得金額等 and already includes ``pension_income`` (公的年金等に係る雑所得).
    """

    name: str
    birth_date: date
    insured: bool = True  # 被保険者; False for a 擬制世帯主
    acquired_on: date | None = None  # 資格取得日; None = insured since before the fiscal year
    lost_on: date | None = None
    total_income: int = 0  # 総所得金額等
    salary_revenue: int = 0  # 給与収入
    pension_revenue: int = 0  # 公的年金等の収入金額
    pension_income: int = 0  # 公的年金等に係る雑所得
    fixed_asset_tax: int = 0  # 固定資産税額 (base of the 資産割)
    # Earlier spans of 資格 in the same fiscal year, each (取得日 or None, 喪失日): a person who left and joined
    # again is levied for the months of every span (the union with acquired_on–lost_on).
    earlier_spans: tuple[tuple[date | None, date], ...] = ()

    def __post_init__(self) -> None:
        for name in ("total_income", "salary_revenue", "pension_revenue", "pension_income", "fixed_asset_tax"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative whole number of yen, not {value!r}")
        if self.acquired_on and self.lost_on and self.lost_on < self.acquired_on:
            raise ValueError("lost_on is before acquired_on")
        for acquired, lost in self.earlier_spans:
            if acquired and lost < acquired:
                raise ValueError("an earlier span's lost_on is before its acquired_on")

    def month_set(self, fiscal_year: int) -> frozenset[int]:
        """The months (0 = April) of the fiscal year with 資格, over every span."""
        return months_with_cover(fiscal_year, self.acquired_on, self.lost_on, self.insured, self.earlier_spans)


@dataclass(frozen=True)
class Household:
    """A household (世帯): its head (世帯主, who may be a non-insured 擬制世帯主), the other members,
    and the 特定同一世帯所属者 (former members who moved from NHI to 後期高齢者医療)."""

    head: Person
    members: tuple[Person, ...] = ()
    former_members: tuple[Person, ...] = ()  # 特定同一世帯所属者

    @property
    def persons(self) -> tuple[Person, ...]:
        return (self.head, *self.members)

    @property
    def nominal_head(self) -> bool:
        """擬制世帯主: the head is not insured."""
        return not self.head.insured


@dataclass(frozen=True)
class ReductionResult:
    """The 7割/5割/2割 軽減 test (軽減判定) of the household."""

    level: int  # 7, 5, 2 or 0
    household_income: int  # 総所得金額等 used for the test (with the 65歳以上 15万 年金 deduction)
    earners: int  # 給与所得者等の数
    persons: int  # 被保険者 + 特定同一世帯所属者
    line_7: int
    line_5: int
    line_2: int


@dataclass(frozen=True)
class PeriodResult:
    """One part for one span of months with the same insured persons, on an annual basis."""

    months: int
    persons: tuple[str, ...]
    income_base: int  # 算定基礎額 (所得割の課税標準)
    income_levy: int  # 所得割
    asset_levy: int  # 資産割
    per_capita_full: int  # 均等割 before 軽減
    per_capita_reduction: int  # 均等割 軽減額
    preschool_reduction: int  # 未就学児 均等割 軽減額
    per_capita_levy: int  # 均等割 charged
    per_household_full: int  # 平等割 before 軽減
    per_household_reduction: int  # 平等割 軽減額
    per_household_levy: int  # 平等割 charged
    subtotal: int  # 所得割 + 資産割 + 均等割 + 平等割
    cap: int
    cap_applied: bool  # 賦課限度額 reached
    adjustments: tuple[tuple[str, int], ...]  # a town's own 減免: (label, amount)
    annual: int  # after cap and 減免, 100円未満切捨
    prorated: Fraction  # annual × months / 12


@dataclass(frozen=True)
class PartResult:
    """One part of the levy (医療分, 支援金分, 介護分, 子ども分)."""

    key: str
    label: str
    periods: tuple[PeriodResult, ...]
    amount: int  # the levy for the year, 100円未満切捨

    @property
    def single(self) -> PeriodResult:
        """The only period, for the common case of a household insured all year."""
        if len(self.periods) != 1:
            raise ValueError(f"{self.key} has {len(self.periods)} periods")
        return self.periods[0]


@dataclass(frozen=True)
class LevyResult:
    """The household's levy for one fiscal year, with the explanation shown in the portal."""

    town_code: str
    fiscal_year: int
    reduction: ReductionResult
    parts: tuple[PartResult, ...]
    total: int  # 年税額
    explanation: tuple[str, ...]
    partial: bool  # the table lacks some parts, so ``total`` covers only the parts it has
    notes: tuple[str, ...] = field(default=())

    def part(self, key: str) -> PartResult:
        for part in self.parts:
            if part.key == key:
                return part
        raise KeyError(key)


# --- dates ---------------------------------------------------------------------------------------------

def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 2月29日生まれ in a common year
        return date(birth.year + years, 3, 1)


@functools.lru_cache(maxsize=65536)
def attains_age_on(birth: date, years: int) -> date:
    """The day a person reaches an age: the day before the birthday (年齢計算ニ関スル法律)."""
    return _birthday(birth, years) - timedelta(days=1)


def age_on(birth: date, day: date) -> int:
    """Age on ``day``, counting an age as reached on the day before the birthday."""
    age = day.year - birth.year
    if attains_age_on(birth, age) > day:
        age -= 1
    return age


def _until_year_end_of_age(birth: date, years: int, fiscal_year: int) -> bool:
    """True while the person has not passed the first 3月31日 after reaching ``years`` — for the whole
    fiscal year (未就学児 for 6, 18歳到達年度末 for 18)."""
    return attains_age_on(birth, years) >= date(fiscal_year, 4, 1)


def _month_index(fiscal_year: int, day: date) -> int:
    """0 for April of the fiscal year, 11 for the following March."""
    return (day.year - fiscal_year) * 12 + day.month - 4


def _insured_month_set(fiscal_year: int, acquired_on: date | None, lost_on: date | None) -> range:
    start = 0 if acquired_on is None else max(0, _month_index(fiscal_year, acquired_on))
    end = 12 if lost_on is None else min(12, _month_index(fiscal_year, lost_on))
    return range(min(start, 12), max(min(start, 12), end))


@functools.lru_cache(maxsize=4096)
def months_with_cover(fiscal_year: int, acquired_on: date | None, lost_on: date | None, insured: bool = True,
                      earlier_spans: tuple[tuple[date | None, date], ...] = ()) -> frozenset[int]:
    """The months (0 = April) with 資格 of a person insured from ``acquired_on`` to ``lost_on`` (when
    ``insured``) and in the ``earlier_spans``; remembered per pattern (most persons are insured all year)."""
    months = set(_insured_month_set(fiscal_year, acquired_on, lost_on)) if insured else set()
    for acquired, lost in earlier_spans:
        months |= set(_insured_month_set(fiscal_year, acquired, lost))
    return frozenset(months)


def insured_months(fiscal_year: int, acquired_on: date | None = None, lost_on: date | None = None) -> int:
    """月割 months in a fiscal year: from the month of ``acquired_on`` (counted even when joining
    mid-month) through March, ending before the month of ``lost_on`` (the 資格喪失日, not counted).

    Joining and leaving within one month gives 0 months (同月得喪 is not implemented).
    """
    return len(_insured_month_set(fiscal_year, acquired_on, lost_on))


@functools.lru_cache(maxsize=65536)
def _care_months(birth: date, fiscal_year: int) -> frozenset[int]:
    """The months (0 = April) of the fiscal year in which a person born on ``birth`` is 40 to 64."""
    start = _month_index(fiscal_year, attains_age_on(birth, CARE_FROM_AGE))
    end = _month_index(fiscal_year, attains_age_on(birth, CARE_UNTIL_AGE))
    return frozenset(range(max(0, start), min(12, end)))


# --- arithmetic ----------------------------------------------------------------------------------------

def _times(amount: int, rate: Rate) -> int:
    """amount × rate, fractions of a yen dropped (the sources show no fractional yen; 切捨 chosen)."""
    return int((Decimal(amount) * rate.fraction).to_integral_value(rounding=ROUND_FLOOR))


def _floor100(amount: int | Fraction) -> int:
    return int(amount // 100) * 100


@functools.lru_cache(maxsize=65536)  # the same rates, caps and lines recur across a town's households
def _yen(amount: int | Fraction) -> str:
    return f"{int(amount):,}円"


def _basic_deduction(person: Person, rules: NationalRules) -> int:
    if person.total_income <= rules.basic_deduction_taper_from:
        return rules.basic_deduction
    if person.total_income > rules.basic_deduction_zero_above:
        return 0
    raise UnsupportedCase(
        f"{person.name}: 総所得金額等 {person.total_income:,}円 is in the 基礎控除 taper band "
        f"({rules.basic_deduction_taper_from:,}–{rules.basic_deduction_zero_above:,}円), whose steps the "
        "reference does not give"
    )


def _is_earner(person: Person, fiscal_year: int, rules: NationalRules) -> bool:
    """給与所得者等: 給与収入 over 55万, or 公的年金 収入 over 60万 (under 65) / 125万 (65 and over)."""
    if person.salary_revenue > rules.salary_earner_revenue:
        return True
    limit = rules.pension_earner_revenue_65 if _is_65_for_income(person, fiscal_year) \
        else rules.pension_earner_revenue_under_65
    return person.pension_revenue > limit


def _is_65_for_income(person: Person, fiscal_year: int) -> bool:
    # The age that governs last year's 公的年金 income is the age on 12月31日 of that income year.
    return age_on(person.birth_date, date(fiscal_year - 1, 12, 31)) >= 65


# --- the levy ------------------------------------------------------------------------------------------

def _reduction(household: Household, fiscal_year: int, rules: NationalRules,
               insured: list[Person], lines: list[str]) -> ReductionResult:
    # The test counts the 世帯主 (even a 擬制世帯主), every person insured in the year and the
    # 特定同一世帯所属者; the per-person lines count only the insured and the 特定同一世帯所属者.
    tested = [household.head, *[p for p in insured if p is not household.head], *household.former_members]
    income = 0
    for person in tested:
        amount = person.total_income
        if _is_65_for_income(person, fiscal_year):
            amount -= min(person.pension_income, rules.pension_special_deduction_65)
        income += amount
    earners = sum(1 for p in tested if _is_earner(p, fiscal_year, rules))
    persons = len(insured) + len(household.former_members)
    line_7 = rules.reduction_base + rules.reduction_per_earner * max(0, earners - 1)
    line_5 = rules.reduction_base + rules.reduction_5_per_person * persons
    line_2 = rules.reduction_base + rules.reduction_2_per_person * persons
    if income <= line_7:
        level, line, formula = 7, line_7, f"{rules.reduction_base:,}円 + {rules.reduction_per_earner:,}円 × " \
                                          f"({earners}人 − 1)" if earners > 1 else f"{rules.reduction_base:,}円"
    elif income <= line_5:
        level, line, formula = 5, line_5, f"{rules.reduction_base:,}円 + {rules.reduction_5_per_person:,}円 × {persons}人"
    elif income <= line_2:
        level, line, formula = 2, line_2, f"{rules.reduction_base:,}円 + {rules.reduction_2_per_person:,}円 × {persons}人"
    else:
        level, line, formula = 0, line_2, f"{rules.reduction_base:,}円 + {rules.reduction_2_per_person:,}円 × {persons}人"
    lines.append(f"軽減判定 世帯の総所得金額等 {_yen(income)}(世帯主・被保険者・特定同一世帯所属者、"
                 f"給与所得者等 {earners}人)")
    if level:
        lines.append(f"軽減判定 {level}割軽減基準 {formula} = {_yen(line)} 以下 → {level}割軽減")
    else:
        lines.append(f"軽減判定 2割軽減基準 {formula} = {_yen(line)} を超える → 軽減なし")
    return ReductionResult(level=level, household_income=income, earners=earners, persons=persons,
                           line_7=line_7, line_5=line_5, line_2=line_2)


def _period(part: PartRates, table: RateTable, members: list[Person], months: int, fiscal_year: int,
            rules: NationalRules, reduction: ReductionResult, prefix: str, lines: list[str]) -> PeriodResult:
    label = f"{prefix}{part.label}"
    base = sum(max(0, p.total_income - _basic_deduction(p, rules)) for p in members)
    income_levy = _times(base, part.income_rate)
    lines.append(f"{label} 所得割 {_yen(base)} × {part.income_rate.text} = {_yen(income_levy)}")

    asset_levy = 0
    if part.asset_rate is not None:
        asset_base = sum(p.fixed_asset_tax for p in members)
        asset_levy = _times(asset_base, part.asset_rate)
        lines.append(f"{label} 資産割 {_yen(asset_base)} × {part.asset_rate.text} = {_yen(asset_levy)}")

    # 均等割, person by person: 軽減 first, then the 未就学児 halving of what remains (reference §1.1).
    level = reduction.level
    full = reduced = preschool = 0
    exempt = 0
    charged_each: dict[int, int] = {}
    for person in members:
        if part.per_capita_exempt_below_age is not None and _until_year_end_of_age(
                person.birth_date, part.per_capita_exempt_below_age, fiscal_year):
            exempt += 1
            charged_each[id(person)] = 0
            continue
        full += part.per_capita
        cut = part.per_capita * level // 10
        reduced += cut
        after = part.per_capita - cut
        if (rules.preschool_halving and part.key in PRESCHOOL_PARTS
                and _until_year_end_of_age(person.birth_date, 6, fiscal_year)):
            half = after // 2  # an odd yen stays charged: the source does not say, chosen
            preschool += half
            after -= half
        charged_each[id(person)] = after
    charged = full - reduced - preschool
    counted = len(members) - exempt
    lines.append(f"{label} 均等割 {_yen(part.per_capita)} × {counted}人 = {_yen(full)}")
    if exempt:
        lines.append(f"{label} 均等割 {part.per_capita_exempt_below_age}歳到達年度末までの {exempt}人 は対象外")
    if reduced:
        lines.append(f"{label} 均等割 {level}割軽減 −{_yen(reduced)}")
    if preschool:
        kids = sum(1 for p in members if _until_year_end_of_age(p.birth_date, 6, fiscal_year))
        lines.append(f"{label} 均等割 未就学児 {kids}人 5割軽減 −{_yen(preschool)}")

    household_full = part.per_household if members else 0
    household_cut = household_full * level // 10
    household_levy = household_full - household_cut
    if part.per_household:
        lines.append(f"{label} 平等割 {_yen(household_full)}")
        if household_cut:
            lines.append(f"{label} 平等割 {level}割軽減 −{_yen(household_cut)}")

    subtotal = income_levy + asset_levy + charged + household_levy
    capped = min(subtotal, part.cap)
    lines.append(f"{label} 小計 {_yen(subtotal)}")
    if capped < subtotal:
        lines.append(f"{label} 賦課限度額 {_yen(part.cap)} を適用")

    # A town's own 減免 reduces the levied tax, so it comes after the cap.
    adjustments: list[tuple[str, int]] = []
    after_adjustments = capped
    for adjustment in table.adjustments:
        if part.key not in adjustment.parts:
            continue
        eligible = [p for p in members
                    if _until_year_end_of_age(p.birth_date, adjustment.below_age, fiscal_year)]
        amount = sum(_times(charged_each[id(p)], adjustment.rate) for p in eligible)
        amount = min(amount, after_adjustments)
        if amount:
            adjustments.append((adjustment.label, amount))
            after_adjustments -= amount
            lines.append(f"{label} {adjustment.label} {len(eligible)}人 均等割 × {adjustment.rate.text} "
                         f"= −{_yen(amount)}")

    annual = _floor100(after_adjustments)
    lines.append(f"{label} {_yen(after_adjustments)} → 100円未満切捨 {_yen(annual)}")
    prorated = Fraction(annual * months, 12)
    return PeriodResult(
        months=months, persons=tuple(p.name for p in members), income_base=base, income_levy=income_levy,
        asset_levy=asset_levy, per_capita_full=full, per_capita_reduction=reduced,
        preschool_reduction=preschool, per_capita_levy=charged, per_household_full=household_full,
        per_household_reduction=household_cut, per_household_levy=household_levy, subtotal=subtotal,
        cap=part.cap, cap_applied=capped < subtotal, adjustments=tuple(adjustments), annual=annual,
        prorated=prorated,
    )


def fiscal_year_label(fiscal_year: int) -> str:
    """「令和5年度」 for 2023 (年度 from 令和 onwards; 2019 is 令和元年度)."""
    era_year = fiscal_year - 2018
    if era_year < 1:
        return f"平成{fiscal_year - 1988}年度"
    return "令和元年度" if era_year == 1 else f"令和{era_year}年度"


def _month_label(months: tuple[int, ...]) -> str:
    def name(index: int) -> str:
        return f"{(index + 3) % 12 + 1}月"

    spans: list[str] = []
    start = prev = months[0]
    for m in [*months[1:], None]:
        if m is not None and m == prev + 1:
            prev = m
            continue
        spans.append(name(start) if start == prev else f"{name(start)}〜{name(prev)}")
        if m is not None:
            start = prev = m
    return "・".join(spans)


@functools.lru_cache(maxsize=4096)
def _periods_of(liable: tuple[frozenset[int], ...]) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """The periods of a part: for each set of liable persons (indexes into ``liable``, each person's months),
    the months (0 = April) in which exactly they are liable, in the order the months come. Households repeat
    a few patterns (most are liable all year), so the grouping is remembered per pattern."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for month in range(12):
        key = tuple(i for i, months in enumerate(liable) if month in months)
        if key:
            groups.setdefault(key, []).append(month)
    return tuple((key, tuple(months)) for key, months in groups.items())


def levy(household: Household, table: RateTable, *, fiscal_year: int,
         rules: NationalRules | None = None) -> LevyResult:
    """Compute a household's 国民健康保険税 for ``fiscal_year`` (年度) from ``table``.

    ``rules`` defaults to the recorded national rules of the year (``data/national.toml``).
    """
    if table.fiscal_year != fiscal_year:
        raise ValueError(f"the table is for fiscal year {table.fiscal_year}, not {fiscal_year}")
    rules = rules or national_rules(fiscal_year)
    lines: list[str] = []
    notes: list[str] = []
    if household.nominal_head:
        lines.append(f"世帯主 {household.head.name} は被保険者ではありません(擬制世帯主): 軽減判定にのみ算入")

    month_sets = {id(p): p.month_set(fiscal_year) for p in household.persons if p.insured}
    insured = [p for p in household.persons if p.insured and month_sets[id(p)]]
    reduction = _reduction(household, fiscal_year, rules, insured, lines)

    parts: list[PartResult] = []
    for part in table.parts:
        liable: dict[int, frozenset[int]] = {}
        for person in insured:
            months = month_sets[id(person)]
            if part.key == "care":
                months = months & _care_months(person.birth_date, fiscal_year)
            liable[id(person)] = months
        # Months with the same liable persons form one period: each is levied as annual × months / 12.
        groups = _periods_of(tuple(liable[id(p)] for p in insured))
        periods: list[PeriodResult] = []
        for key, months_list in groups:
            members = [insured[i] for i in key]
            whole_year = len(groups) == 1 and len(months_list) == 12
            prefix = "" if whole_year else f"({_month_label(months_list)} {len(months_list)}か月)"
            period = _period(part, table, members, len(months_list), fiscal_year, rules, reduction, prefix, lines)
            if not whole_year:
                lines.append(f"{prefix}{part.label} 月割 {_yen(period.annual)} ÷ 12 × {len(months_list)}か月 "
                             f"= {float(period.prorated):,.2f}円")
            periods.append(period)
        if not periods:
            continue
        exact = sum((p.prorated for p in periods), Fraction(0))
        amount = _floor100(exact)
        if len(periods) > 1 or periods[0].months != 12:
            lines.append(f"{part.label} 計 {float(exact):,.2f}円 → 100円未満切捨 {_yen(amount)}")
        parts.append(PartResult(key=part.key, label=PART_LABELS[part.key], periods=tuple(periods), amount=amount))

    total = sum(p.amount for p in parts)
    lines.append(f"年税額 {' + '.join(_yen(p.amount) for p in parts)} = {_yen(total)}"
                 if len(parts) > 1 else f"年税額 {_yen(total)}")
    if not table.complete:
        notes.append(f"{table.town_name}の税率表は一部の区分のみです: {table.notes or '出典不足'}")
        lines.append(f"注意: {notes[-1]}")
    if not rules.verified:
        notes.append(f"{fiscal_year_label(fiscal_year)}の軽減基準は出典で確認されていません")
        lines.append(f"注意: {notes[-1]}")
    return LevyResult(town_code=table.town_code, fiscal_year=fiscal_year, reduction=reduction,
                      parts=tuple(parts), total=total, explanation=tuple(lines), partial=not table.complete,
                      notes=tuple(notes))
