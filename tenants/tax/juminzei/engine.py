"""個人住民税 (市町村民税・道府県民税) of one taxpayer for one fiscal year: a pure function of the
taxpayer's last-year income and deductions and the town's rates.

Rules and sources: docs/tax.md 「個人住民税」 (/work/shared/reference/tax-nhi.md §2). Each choice made where
the sources are silent is stated there and next to the code that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.tax.common import InputError, UnsupportedCase, fiscal_year_label, floor_to, whole_yen, yen
from tenants.tax.juminzei.tables import (
    DEPENDANT_KINDS,
    DISABILITY_KINDS,
    PERSONAL_KINDS,
    NationalRules,
    PensionTable,
    SalaryTable,
    TownRates,
    national_rules,
)

SINGLE_PARENT = {"mother": "single_parent_mother", "father": "single_parent_father"}
SALARY_ADJUSTMENT_ABOVE = 8_500_000  # 所得金額調整控除 may apply to 給与収入 above this (not computed)
SALARY_PENSION_ADJUSTMENT = 100_000  # 所得金額調整控除 of a taxpayer with both 給与所得 and 公的年金等の雑所得


@dataclass(frozen=True, slots=True)
class Taxpayer:
    """A taxpayer (納税義務者) as of 1 January of the fiscal year (賦課期日), with last year's income.

    ``other_income`` is the 総所得金額 other than 給与所得 and the 公的年金等, already computed (事業所得 …);
    ``pension_revenue`` is the 公的年金等の収入金額, from which the engine computes the 雑所得 (``aged_65``: 65歳以上
    on 31 December of the income year).
    ``dependants`` lists the kind of each 同一生計配偶者 and 扶養親族, those under 16 as
    ``"dependant_young"`` (no deduction, but counted for the 非課税 lines). ``disabilities`` lists one
    kind per person with a disability (the taxpayer or a dependant) for the 障害者控除; a disabled
    taxpayer is also flagged ``disabled`` (the 135万 非課税 rule), the engine does not infer one from the other.
    """

    name: str
    salary_revenue: int = 0  # 給与収入
    other_income: int = 0  # 給与所得・公的年金等以外の総所得金額
    pension_revenue: int = 0  # 公的年金等の収入金額
    aged_65: bool = False  # 65歳以上 on 31 December of the income year (the 公的年金等控除's larger minimum)
    social_insurance: int = 0  # 社会保険料控除
    other_deductions: int = 0  # other 所得控除 already computed (生命保険料, 医療費, 小規模企業共済 …)
    dependants: tuple[str, ...] = ()
    disabilities: tuple[str, ...] = ()
    disabled: bool = False  # the taxpayer is a 障害者 (for the 135万 非課税 rule)
    minor: bool = False  # 未成年者
    widow: bool = False  # 寡婦
    single_parent: str | None = None  # ひとり親: "mother" or "father"
    working_student: bool = False  # 勤労学生
    public_assistance: bool = False  # 生活保護の生活扶助を受けている

    def __post_init__(self) -> None:
        for name in ("salary_revenue", "other_income", "pension_revenue", "social_insurance", "other_deductions"):
            whole_yen(getattr(self, name), name)
        for i, kind in enumerate(self.dependants):
            if kind not in DEPENDANT_KINDS:
                raise InputError(f"dependants[{i}]", f"{kind!r} is not one of {', '.join(DEPENDANT_KINDS)}")
        for i, kind in enumerate(self.disabilities):
            if kind not in DISABILITY_KINDS:
                raise InputError(f"disabilities[{i}]", f"{kind!r} is not one of {', '.join(DISABILITY_KINDS)}")
        if sum(1 for k in self.dependants if k.startswith("spouse_")) > 1:
            raise InputError("dependants", "more than one spouse (配偶者)")
        if self.single_parent is not None and self.single_parent not in SINGLE_PARENT:
            raise InputError("single_parent", f"{self.single_parent!r} is not 'mother', 'father' or None")
        if self.single_parent is not None and self.widow:
            raise InputError("widow", "寡婦控除 and ひとり親控除 do not go together")


@dataclass(frozen=True, slots=True)
class Instalment:
    """One payment: 普通徴収 期 (1–4) or 特別徴収 month (6, 7, … 5)."""

    number: int  # 期 number, or the month
    amount: int


@dataclass(frozen=True, slots=True)
class ResidentTaxResult:
    """The taxpayer's 個人住民税 for the year, its steps, and the two collection schedules."""

    town_code: str
    fiscal_year: int
    salary_income: int  # 給与所得
    total_income: int  # 合計所得金額 (= 総所得金額 here)
    deductions: int  # 所得控除の合計
    personal_difference: int  # 人的控除差の合計
    taxable_income: int  # 課税総所得金額 (1,000円未満切捨)
    city_income_levy_before: int  # 所得割 市 before 調整控除
    prefecture_income_levy_before: int
    city_adjustment: int  # 調整控除 市
    prefecture_adjustment: int
    city_income_levy: int  # 所得割 市 (100円未満切捨)
    prefecture_income_levy: int
    city_per_capita: int  # 均等割 市
    prefecture_per_capita: int
    forest_environment_tax: int  # 森林環境税
    total: int  # 年税額
    exempt: str  # "" or why: "full" (全部非課税), "per_capita" (均等割・所得割とも), "income_levy" (所得割のみ)
    explanation: tuple[str, ...]

    @property
    def income_levy(self) -> int:
        return self.city_income_levy + self.prefecture_income_levy

    def ordinary_schedule(self, rates: TownRates) -> tuple[Instalment, ...]:
        """普通徴収 at the town's 期数 and unit (the remainder in 1期)."""
        return ordinary_schedule(self.total, instalments=rates.ordinary_instalments, unit=rates.ordinary_unit)

    def special_schedule(self, rates: TownRates) -> tuple[Instalment, ...]:
        """特別徴収 June–May at the town's unit (the remainder in June)."""
        return special_schedule(self.total, unit=rates.special_unit)


def ordinary_schedule(total: int, *, instalments: int = 4, unit: int = 1000) -> tuple[Instalment, ...]:
    """普通徴収 (reference §2.5): each 期 = total ÷ 期数 truncated to ``unit``; what is left goes to 1期."""
    whole_yen(total, "total")
    each = floor_to(total // instalments, unit)
    first = total - each * (instalments - 1)
    return (Instalment(1, first), *(Instalment(n, each) for n in range(2, instalments + 1)))


SPECIAL_MONTHS = (6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5)


def special_schedule(total: int, *, unit: int = 100) -> tuple[Instalment, ...]:
    """特別徴収 (reference §2.5): 12 months from June, each total ÷ 12 truncated to ``unit``; the
    remainder in June."""
    whole_yen(total, "total")
    each = floor_to(total // 12, unit)
    june = total - each * 11
    return (Instalment(6, june), *(Instalment(m, each) for m in SPECIAL_MONTHS[1:]))


def salary_income(revenue: int, table: SalaryTable) -> int:
    """給与所得 from 給与収入: the 所得税法 別表第五 way for revenue under ``unit_below`` (660万) — explicit
    steps where the table has them, otherwise the revenue truncated to the 4,000円 unit and the band's
    formula (安城市: 6,050,000 → 6,048,000 × 80% − 440,000 = 4,398,400) — and the straight formula above."""
    if revenue < table.flat_below:
        return max(0, revenue - table.flat_deduction)
    for lo, hi, income in table.steps:
        if lo <= revenue < hi:
            return income
    base = revenue - revenue % table.unit if revenue < table.unit_below else revenue
    for band in table.bands:
        if band.below is None or base < band.below:
            return max(0, band.rate.of(base) + band.add)
    raise AssertionError("the last band is open-ended")  # pragma: no cover - parse_table ensures it


def aged_65(birth_date, fiscal_year: int) -> bool:
    """65歳以上 on 31 December of the income year (the year before ``fiscal_year``): born on or before 1 January
    64 years before it (年齢計算ニ関スル法律: the age rises at the end of the day before the birthday) — for
    令和6年分 (令和7年度), born on or before 1960-01-01."""
    return birth_date is not None and (birth_date.year, birth_date.month, birth_date.day) <= (fiscal_year - 65, 1, 1)


def pension_income(revenue: int, table: PensionTable, *, aged_65: bool, other_income: int) -> int:
    """公的年金等に係る雑所得 from the 収入金額 (国税庁 No.1600): the band's ``revenue × rate + add`` (1円未満切捨),
    the 控除 made smaller by the table's reduction when the 合計所得 other than the pension (``other_income``) is
    above its limit; never below zero. 65歳以上, 2,000,000円 → 900,000円; 65歳未満, 2,000,000円 → 1,225,000円."""
    if revenue <= 0:
        return 0
    for band in table.over_65 if aged_65 else table.under_65:
        if band.below is None or revenue < band.below:
            deduction = revenue - (band.rate.of(revenue) + band.add)
            break
    else:  # pragma: no cover - parse_national ensures an open-ended last band
        raise AssertionError("the last band is open-ended")
    for above, smaller_by in reversed(table.reductions):
        if other_income > above:
            deduction -= smaller_by
            break
    return max(0, revenue - deduction)


def _per_capita_line(rules: NationalRules, grade: int, persons: int, with_dependants: bool) -> int:
    a, b = rules.grades[grade]
    return a * persons + 100_000 + (b if with_dependants else 0)


def resident_tax(taxpayer: Taxpayer, rates: TownRates, *, fiscal_year: int,
                 rules: NationalRules | None = None, explain: bool = True) -> ResidentTaxResult:
    """Compute one taxpayer's 個人住民税 for ``fiscal_year`` (年度) at ``rates``.

    ``explain=False`` skips building the explanation lines (a batch that stores only the amounts).
    """
    if rates.fiscal_year != fiscal_year:
        raise InputError("fiscal_year", f"the town table is for {rates.fiscal_year}, not {fiscal_year}")
    rules = rules or national_rules(fiscal_year)
    lines: list[str] = []
    say = lines.append

    salary = salary_income(taxpayer.salary_revenue, rules.salary)
    pension = pension_income(taxpayer.pension_revenue, rules.pension, aged_65=taxpayer.aged_65,
                             other_income=salary + taxpayer.other_income)
    adjustment = 0
    if salary and pension:  # 所得金額調整控除 (租税特別措置法 第41条の3の3第2項): from the 給与所得
        adjustment = max(0, min(salary, SALARY_PENSION_ADJUSTMENT) + min(pension, SALARY_PENSION_ADJUSTMENT)
                         - SALARY_PENSION_ADJUSTMENT)
    if explain and taxpayer.salary_revenue:
        say(f"給与所得 給与収入 {yen(taxpayer.salary_revenue)} → {yen(salary)}(給与所得控除後)")
    if explain and taxpayer.pension_revenue:
        say(f"公的年金等の雑所得 収入 {yen(taxpayer.pension_revenue)} → {yen(pension)}"
            f"(公的年金等控除後、{'65歳以上' if taxpayer.aged_65 else '65歳未満'})")
    if explain and adjustment:
        say(f"所得金額調整控除（給与と年金） −{yen(adjustment)} → 給与所得 {yen(salary - adjustment)}")
    salary -= adjustment
    total_income = salary + pension + taxpayer.other_income
    if explain and taxpayer.other_income:
        say(f"その他の所得 {yen(taxpayer.other_income)}")
    if explain:
        say(f"合計所得金額 {yen(total_income)}")

    if total_income > rules.basic_deduction_income_limit:
        raise UnsupportedCase(f"{taxpayer.name}: 合計所得金額 {total_income:,}円 is above "
                              f"{rules.basic_deduction_income_limit:,}円, where the 基礎控除 tapers (not computed)")
    has_spouse = any(k.startswith("spouse_") for k in taxpayer.dependants)
    if has_spouse and total_income > rules.spouse_income_limit_for_full_deduction:
        raise UnsupportedCase(f"{taxpayer.name}: 配偶者控除 tapers above 合計所得金額 "
                              f"{rules.spouse_income_limit_for_full_deduction:,}円 (not computed)")
    if taxpayer.salary_revenue > SALARY_ADJUSTMENT_ABOVE and (taxpayer.dependants or taxpayer.disabilities):
        raise UnsupportedCase(f"{taxpayer.name}: 給与収入 over {SALARY_ADJUSTMENT_ABOVE:,}円 with dependants or a "
                              "disability may take the 所得金額調整控除 (not computed)")

    persons = 1 + len(taxpayer.dependants)  # N: 本人 + 同一生計配偶者 + 扶養親族 (16歳未満 included)
    with_dependants = bool(taxpayer.dependants)

    def exempt_result(kind: str, reason: str) -> ResidentTaxResult:
        if explain:
            say(reason)
            say("年税額 0円")
        return ResidentTaxResult(
            town_code=rates.town_code, fiscal_year=fiscal_year, salary_income=salary, total_income=total_income,
            deductions=0, personal_difference=0, taxable_income=0, city_income_levy_before=0,
            prefecture_income_levy_before=0, city_adjustment=0, prefecture_adjustment=0, city_income_levy=0,
            prefecture_income_levy=0, city_per_capita=0, prefecture_per_capita=0, forest_environment_tax=0,
            total=0, exempt=kind, explanation=tuple(lines))

    # --- 非課税 (reference §2.4) ------------------------------------------------------------------------
    if taxpayer.public_assistance:
        return exempt_result("full", "非課税 生活保護法による生活扶助を受けている")
    if (taxpayer.disabled or taxpayer.minor or taxpayer.widow or taxpayer.single_parent) \
            and total_income <= rules.full_exemption_income:
        return exempt_result("full", f"非課税 障害者・未成年者・寡婦・ひとり親で合計所得金額 "
                                     f"{yen(rules.full_exemption_income)} 以下")
    if rates.grade is not None:
        line = _per_capita_line(rules, rates.grade, persons, with_dependants)
    else:
        low = _per_capita_line(rules, 3, persons, with_dependants)
        high = _per_capita_line(rules, 1, persons, with_dependants)
        if low < total_income <= high:
            raise UnsupportedCase(f"{taxpayer.name}: 合計所得金額 {total_income:,}円 lies between the 3級地 and 1級地 "
                                  f"均等割 非課税 lines ({low:,}–{high:,}円) and {rates.town_name}'s 級地 is not recorded")
        line = high  # every grade gives the same answer here
    if total_income <= line:
        grade = f"{rates.grade}級地 " if rates.grade is not None else ""
        return exempt_result("per_capita", f"非課税 合計所得金額 {yen(total_income)} ≤ 均等割の非課税限度額 "
                                           f"{grade}{yen(line)}({persons}人)")
    income_line = (rules.income_levy_exemption_per_person * persons + rules.income_levy_exemption_base
                   + (rules.income_levy_exemption_dependants if with_dependants else 0))
    income_levy_exempt = total_income <= income_line

    # --- 所得控除 -----------------------------------------------------------------------------------------
    kinds = ["basic", *taxpayer.dependants, *taxpayer.disabilities]
    if taxpayer.widow:
        kinds.append("widow")
    if taxpayer.single_parent:
        kinds.append(SINGLE_PARENT[taxpayer.single_parent])
    if taxpayer.working_student:
        kinds.append("working_student")
    personal = 0
    difference = 0
    counted: dict[str, int] = {}
    for kind in kinds:
        amount, diff = rules.personal[kind]
        personal += amount
        difference += diff
        counted[kind] = counted.get(kind, 0) + 1
    deductions = taxpayer.social_insurance + taxpayer.other_deductions + personal
    if explain:
        parts = []
        if taxpayer.social_insurance:
            parts.append(f"社会保険料 {yen(taxpayer.social_insurance)}")
        if taxpayer.other_deductions:
            parts.append(f"その他の所得控除 {yen(taxpayer.other_deductions)}")
        for kind, count in counted.items():
            amount = rules.personal[kind][0]
            if amount:
                parts.append(f"{PERSONAL_KINDS[kind]} {yen(amount)}" + (f" × {count}" if count > 1 else ""))
        say(f"所得控除 {' + '.join(parts)} = {yen(deductions)}")
    taxable = floor_to(total_income - deductions, 1000)
    if explain:
        say(f"課税総所得金額 {yen(total_income)} − {yen(deductions)} → 1,000円未満切捨 {yen(taxable)}")

    # --- 所得割 and 調整控除 ----------------------------------------------------------------------------
    city_before = rates.city_rate.of(taxable)
    pref_before = rates.prefecture_rate.of(taxable)
    city_adj = pref_adj = 0
    if income_levy_exempt:
        if explain:
            say(f"所得割 非課税 総所得金額等 {yen(total_income)} ≤ {yen(income_line)}({persons}人)")
        city_income = pref_income = 0
        city_before = pref_before = 0
    else:
        if explain:
            say(f"所得割(調整控除前) 市 {yen(taxable)} × {rates.city_rate.text} = {yen(city_before)}; "
                f"県 × {rates.prefecture_rate.text} = {yen(pref_before)}")
        if total_income > rules.adjustment_income_limit:
            if explain:
                say(f"調整控除 合計所得金額が {yen(rules.adjustment_income_limit)} を超えるため適用なし")
        else:
            small = taxable <= rules.adjustment_small_limit
            raw = difference - (taxable - rules.adjustment_small_limit)
            base = min(difference, taxable) if small else max(raw, rules.adjustment_minimum_base)
            # The deduction cannot exceed the 所得割 it is taken from.
            city_adj = min(rates.city_adjustment.of(base), city_before)
            pref_adj = min(rates.prefecture_adjustment.of(base), pref_before)
            if explain:
                if small:
                    formula = f"min(人的控除差 {yen(difference)}, 課税所得 {yen(taxable)}) = {yen(base)}"
                else:
                    formula = (f"人的控除差 {yen(difference)} − ({yen(taxable)} − "
                               f"{yen(rules.adjustment_small_limit)}) = {yen(raw)}")
                    if raw < rules.adjustment_minimum_base:
                        formula += f" → 最低 {yen(rules.adjustment_minimum_base)}"
                say(f"調整控除 {formula}; 市 × {rates.city_adjustment.text} = {yen(city_adj)}, "
                    f"県 × {rates.prefecture_adjustment.text} = {yen(pref_adj)}")
        city_income = floor_to(city_before - city_adj, 100)
        pref_income = floor_to(pref_before - pref_adj, 100)
        if explain:
            say(f"所得割 市 {yen(city_before - city_adj)} → 100円未満切捨 {yen(city_income)}; "
                f"県 {yen(pref_before - pref_adj)} → {yen(pref_income)}")

    city_pc, pref_pc, forest = rates.city_per_capita, rates.prefecture_per_capita, rules.forest_environment_tax
    if explain:
        say(f"均等割 市 {yen(city_pc)}; 県 {yen(pref_pc)}; 森林環境税 {yen(forest)}")
    total = city_income + pref_income + city_pc + pref_pc + forest
    if explain:
        say(f"年税額 {yen(city_income)} + {yen(pref_income)} + {yen(city_pc)} + {yen(pref_pc)} + {yen(forest)} "
            f"= {yen(total)}({fiscal_year_label(fiscal_year)})")
    return ResidentTaxResult(
        town_code=rates.town_code, fiscal_year=fiscal_year, salary_income=salary, total_income=total_income,
        deductions=deductions, personal_difference=difference, taxable_income=taxable,
        city_income_levy_before=city_before, prefecture_income_levy_before=pref_before,
        city_adjustment=city_adj, prefecture_adjustment=pref_adj, city_income_levy=city_income,
        prefecture_income_levy=pref_income, city_per_capita=city_pc, prefecture_per_capita=pref_pc,
        forest_environment_tax=forest, total=total, exempt="income_levy" if income_levy_exempt else "",
        explanation=tuple(lines),
    )
