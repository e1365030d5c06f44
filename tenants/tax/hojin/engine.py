"""法人市町村民税 of one return (申告): 均等割 by 資本金等の額 × 従業者数 with 月割, and 法人税割 at the
town's rate. A pure function of the return and the town's rates.

Rules and sources: docs/tax.md 「法人住民税」 (/work/shared/reference/tax-nhi.md §3).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from tenants.tax.common import InputError, UnsupportedCase, floor_to, whole_yen, yen
from tenants.tax.hojin.tables import CLASS_LABELS, Standard, TownRates, standard

RETURN_KINDS = {"final": "確定申告", "interim": "中間申告(仮決算)", "provisional": "予定申告", "amended": "修正申告"}
PROVISIONAL_MONTHS = 6  # 予定申告: the first six months of the 事業年度
# The rate cut of R1.10.1: the first 予定申告 of a 事業年度 starting on or after it, whose previous 事業年度
# started before it, takes the previous 法人税割 × 3.7 (not × 6) ÷ 前事業年度の月数 (reference §3.2, Saikai, Kitakata).
RATE_CUT = date(2019, 10, 1)
TRANSITIONAL_FACTOR = (37, 10)


def corporate_number_check_digit(base: str) -> int:
    """The check digit (検査用数字) of a 12-digit 基礎番号: 9 − (Σ Pn × Qn mod 9), Pn the n-th digit from the
    right, Qn 1 for odd n and 2 for even n (法人番号の指定等に関する省令 (平成26年財務省令第70号) 第2条)."""
    total = 0
    for n, char in enumerate(reversed(base), start=1):
        total += (ord(char) - 48) * (1 if n % 2 else 2)
    return 9 - total % 9


def validate_corporate_number(value: object, field: str = "corporate_number") -> str:
    """A 法人番号: 13 ASCII digits whose first digit is the check digit of the other twelve."""
    if not isinstance(value, str) or len(value) != 13 or not value.isascii() or not value.isdigit():
        raise InputError(field, f"法人番号は半角数字13桁です ({value!r})")
    expected = corporate_number_check_digit(value[1:])
    if int(value[0]) != expected:
        raise InputError(field, f"法人番号 {value} の検査用数字が誤っています (expected {expected})")
    return value


def _period_end(start: date, months: int) -> date:
    """The last day of a period of ``months`` months from ``start`` (民法 第143条: the day before the
    corresponding day, or the end of the month when that month has no corresponding day)."""
    years, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month0 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def _months_before(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 - months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def office_months(start: date, end: date) -> int:
    """月数 for the 均等割 月割 from ``start`` to ``end`` (both included), counted by the calendar: a part
    month is dropped, but a span under one month counts as one (地方税法 第312条第3項; Osaki, Kitakata)."""
    if end < start:
        raise InputError("period_end", f"{end} is before {start}")
    months = 0
    while months < 13 and _period_end(start, months + 1) <= end:
        months += 1
    return max(months, 1)


@dataclass(frozen=True, slots=True)
class CorporateReturn:
    """A return (申告) of 法人市町村民税 for one 事業年度 (or its 中間 period) in one town.

    ``capital`` is the 資本金等の額 and ``capital_and_reserve`` 資本金 + 資本準備金, both at the end of the
    period; the class uses the larger (from 平成27年). ``employees`` is the 従業者数 in the town at the end of
    the period. ``corporate_tax`` is the 法人税額 that is the 法人税割's 課税標準 (the town's share for a
    分割法人). ``office_from``/``office_until`` bound the months the corporation had an office (事務所等)
    in the town, when not the whole period.
    """

    corporate_number: str  # 法人番号
    kind: str  # final / interim / provisional / amended
    period_start: date
    period_end: date
    capital: int = 0  # 資本金等の額 (0 for a 資本金のない法人等)
    capital_and_reserve: int = 0
    employees: int = 0  # 従業者数
    corporate_tax: int = 0  # 法人税額
    office_from: date | None = None
    office_until: date | None = None
    previous_levy: int | None = None  # 予定申告: 前事業年度の法人税割額
    previous_months: int | None = None  # 予定申告: 前事業年度の月数
    declared: int | None = None  # 修正申告: the tax of the return it corrects (既に申告した税額)

    def __post_init__(self) -> None:
        validate_corporate_number(self.corporate_number)
        if self.kind not in RETURN_KINDS:
            raise InputError("kind", f"{self.kind!r} is not one of {', '.join(RETURN_KINDS)}")
        for name in ("capital", "capital_and_reserve", "corporate_tax"):
            whole_yen(getattr(self, name), name)
        whole_yen(self.employees, "employees", "persons")
        if self.period_end < self.period_start:
            raise InputError("period_end", f"{self.period_end} is before period_start {self.period_start}")
        if self.period_end > _period_end(self.period_start, 12):
            raise InputError("period_end", "a 事業年度 is at most one year")
        office_from = self.office_from or self.period_start
        office_until = self.office_until or self.period_end
        if not self.period_start <= office_from <= office_until <= self.period_end:
            raise InputError("office_from" if office_from > office_until or office_from < self.period_start
                             else "office_until", "the office months must lie within the period")
        if self.kind == "provisional":
            if self.previous_levy is None:
                raise InputError("previous_levy", "予定申告 needs the 前事業年度の法人税割額")
            whole_yen(self.previous_levy, "previous_levy")
            if isinstance(self.previous_months, bool) or not isinstance(self.previous_months, int) \
                    or not 1 <= self.previous_months <= 12:
                raise InputError("previous_months", f"予定申告 needs the 前事業年度の月数 (1–12), not {self.previous_months!r}")
        if self.kind == "amended":
            if self.declared is None:
                raise InputError("declared", "修正申告 needs the tax already declared")
            whole_yen(self.declared, "declared")


@dataclass(frozen=True, slots=True)
class CorporateResidentTaxResult:
    """The 法人市町村民税 of one return with its steps."""

    town_code: str
    corporate_number: str
    capital_class: int  # 0–4: the 資本金等の額 row of the table
    large_workforce: bool  # 従業者数 over 50
    per_capita_annual: int  # 均等割 年額
    months: int  # 月数 with an office in the town
    per_capita: int  # 均等割 (月割, 100円未満切捨)
    tax_base: int  # 法人税割の課税標準 (1,000円未満切捨; 0 for a 予定申告)
    rate_text: str
    corporate_tax_levy: int  # 法人税割 (100円未満切捨)
    total: int  # 均等割 + 法人税割 of the period
    payable: int  # what this return pays: the total, or for a 修正申告 the increase over ``declared``
    explanation: tuple[str, ...]


def corporate_resident_tax(ret: CorporateReturn, rates: TownRates, *, statutory: Standard | None = None,
                           explain: bool = True) -> CorporateResidentTaxResult:
    """Compute the 均等割 and 法人税割 of one return at the town's rates in force at the period's start.

    確定 and 中間 (仮決算) returns: 均等割 月割 for the office months, 法人税割 on the 法人税額. 予定申告: the
    均等割 for the office months of the first six months and the previous 法人税割 × 6 ÷ 前事業年度の月数
    (× 3.7 across the R1.10.1 rate cut). 修正申告: computed as 確定, paying the increase over ``declared``.
    """
    statutory = statutory or standard()
    rate = rates.rate_for(ret.period_start)
    if rate is None:
        raise UnsupportedCase(f"{ret.corporate_number}: {rates.town_name} has no rates recorded for a 事業年度 "
                              f"starting {ret.period_start}")
    lines: list[str] = []
    say = lines.append

    capital = max(ret.capital, ret.capital_and_reserve)
    capital_class = next((i for i, bound in enumerate(statutory.capital_bounds) if capital <= bound),
                         len(statutory.capital_bounds))
    large = ret.employees > statutory.employee_bound
    annual = rate.per_capita[capital_class][1 if large else 0]
    office_from = ret.office_from or ret.period_start
    office_until = ret.office_until or ret.period_end
    provisional = ret.kind == "provisional"
    if provisional:
        office_until = min(office_until, _period_end(ret.period_start, PROVISIONAL_MONTHS))
    months = office_months(office_from, office_until) if office_from <= office_until else 0
    prorated = annual * months // 12
    per_capita = floor_to(prorated, 100)
    if provisional:
        previous_levy, previous_months = ret.previous_levy or 0, ret.previous_months or 12
        previous_start = _months_before(ret.period_start, previous_months)
        num, den = (TRANSITIONAL_FACTOR if previous_start < RATE_CUT <= ret.period_start
                    else (PROVISIONAL_MONTHS, 1))
        base = 0  # no 法人税額 base: the previous 法人税割 is the measure
        levy_exact = previous_levy * num // (den * previous_months)
        formula = f"前事業年度の法人税割 {yen(previous_levy)} × {num / den:g} ÷ {previous_months}"
    else:
        base = floor_to(ret.corporate_tax, 1000)
        levy_exact = rate.corporate_tax_rate.of(base)
        formula = ""
    levy = floor_to(levy_exact, 100)
    total = per_capita + levy
    payable = total
    if ret.kind == "amended":
        payable = total - (ret.declared or 0)
        if payable < 0:
            raise InputError("declared", f"{ret.corporate_number}: the corrected tax {total:,}円 is below the declared "
                             f"{ret.declared:,}円 — a decrease is a 更正の請求, not a 修正申告")
    if explain:
        label = CLASS_LABELS[capital_class] if capital_class < len(CLASS_LABELS) else f"第{capital_class + 1}区分"
        bound = statutory.employee_bound
        say(f"資本金等の額 {yen(capital)}({label}), 従業者数 {ret.employees}人"
            f"({f'{bound}人超' if large else f'{bound}人以下'}) → 均等割 年額 {yen(annual)}"
            + ("(超過課税)" if rate.own_per_capita else ""))
        if months == 12 and not provisional:
            say(f"均等割 {yen(annual)} × 12/12 = {yen(per_capita)}")
        else:
            say(f"均等割 月割 {yen(annual)} × {months}/12 = {yen(prorated)} → 100円未満切捨 {yen(per_capita)}")
        if provisional:
            say(f"法人税割 {formula} = {yen(levy_exact)} → 100円未満切捨 {yen(levy)}")
        else:
            say(f"法人税割 課税標準 法人税額 {yen(ret.corporate_tax)} → 1,000円未満切捨 {yen(base)}; "
                f"× {rate.corporate_tax_rate.text} = {yen(levy_exact)} → 100円未満切捨 {yen(levy)}")
        say(f"{RETURN_KINDS[ret.kind]} 税額 {yen(per_capita)} + {yen(levy)} = {yen(total)}")
        if ret.kind == "amended":
            say(f"修正申告 既に申告した税額 {yen(ret.declared or 0)} → 納付すべき税額 {yen(payable)}")
    return CorporateResidentTaxResult(
        town_code=rates.town_code, corporate_number=ret.corporate_number, capital_class=capital_class,
        large_workforce=large, per_capita_annual=annual, months=months, per_capita=per_capita, tax_base=base,
        rate_text=rate.corporate_tax_rate.text, corporate_tax_levy=levy, total=total, payable=payable,
        explanation=tuple(lines))
