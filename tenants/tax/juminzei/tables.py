"""Rate tables (税率表) of 個人住民税: per town and fiscal year, and the national rules of each year.

``data/<団体コード>-<年度>.toml`` holds a town's rates (所得割, 調整控除 split, 均等割, 級地, instalment
units); ``data/national.toml`` the national rules (給与所得 table, 人的控除 and their 差, 非課税 lines). Files
are read and validated once per process (``functools.cache``); a bad field raises ``TableError`` naming it.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tenants.tax.common import (
    TOWN_CODE,
    Rate,
    TableError,
    only_known,
    require,
    sources,
    table_yen,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

# 人的控除 kinds (the keys of national.toml's ``personal``), with their Japanese names.
PERSONAL_KINDS: dict[str, str] = {
    "basic": "基礎控除",
    "spouse_general": "配偶者控除(一般)",
    "spouse_elderly": "配偶者控除(老人)",
    "dependant_general": "扶養控除(一般)",
    "dependant_specific": "扶養控除(特定)",
    "dependant_elderly": "扶養控除(老人)",
    "dependant_elderly_cohabiting": "扶養控除(同居老親等)",
    "dependant_young": "年少扶養親族(控除なし)",
    "disability_general": "障害者控除(普通)",
    "disability_special": "障害者控除(特別)",
    "disability_special_cohabiting": "障害者控除(同居特別)",
    "widow": "寡婦控除",
    "single_parent_mother": "ひとり親控除(母)",
    "single_parent_father": "ひとり親控除(父)",
    "working_student": "勤労学生控除",
}
DEPENDANT_KINDS = tuple(k for k in PERSONAL_KINDS if k.startswith(("spouse_", "dependant_")))
DISABILITY_KINDS = tuple(k for k in PERSONAL_KINDS if k.startswith("disability_"))
GRADES = (1, 2, 3)  # 級地 (1級地, 2級地, 3級地)


@dataclass(frozen=True, slots=True)
class SalaryBand:
    """給与所得 = A × rate + add for A below ``below`` (None: no upper end)."""

    below: int | None
    rate: Rate
    add: int


@dataclass(frozen=True, slots=True)
class SalaryTable:
    """給与所得 from 給与収入: flat deduction below ``flat_below``, explicit steps, then the 4,000円-unit
    band formulas up to ``unit_below`` and the straight formulas above it."""

    flat_deduction: int
    flat_below: int
    steps: tuple[tuple[int, int, int], ...]  # (from, to exclusive, 給与所得)
    unit: int
    unit_below: int
    bands: tuple[SalaryBand, ...]


@dataclass(frozen=True, slots=True)
class PensionTable:
    """公的年金等に係る雑所得 from 公的年金等の収入金額 (所得税法 第35条第4項): ``revenue × rate + add`` per band, the
    bands of 65歳以上 or 未満 (age on 31 December of the income year); ``reductions`` (other 合計所得 above, 控除
    smaller by) for a taxpayer whose income other than the pension is above 1,000万 / 2,000万."""

    under_65: tuple[SalaryBand, ...]
    over_65: tuple[SalaryBand, ...]
    reductions: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class NationalRules:
    """The national rules of one fiscal year."""

    fiscal_year: int
    salary: SalaryTable
    pension: PensionTable
    personal: MappingProxyType[str, tuple[int, int]]  # kind → (控除額, 人的控除差)
    grades: MappingProxyType[int, tuple[int, int]]  # 級地 → (A, B) of the 均等割 非課税 line
    basic_deduction_income_limit: int  # 合計所得 above which the 基礎控除 tapers (not computed)
    forest_environment_tax: int  # 森林環境税 (国税, collected with the 均等割)
    adjustment_small_limit: int  # 調整控除: 合計課税所得 up to this uses min(差, 課税所得)
    adjustment_income_limit: int  # no 調整控除 above this 合計所得
    adjustment_minimum_base: int  # the 5% minimum's base (50,000 → 2,500円)
    full_exemption_income: int  # 障害者・未成年者・寡婦・ひとり親 非課税 up to this 合計所得
    income_levy_exemption_per_person: int
    income_levy_exemption_base: int
    income_levy_exemption_dependants: int
    spouse_income_limit_for_full_deduction: int  # 配偶者控除 tapers above this 合計所得 (not computed)
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TownRates:
    """One town's 個人住民税 rates for one fiscal year."""

    town_code: str
    town_name: str
    fiscal_year: int
    designated_city: bool  # 政令指定都市
    grade: int | None  # 級地; None when not recorded
    city_rate: Rate  # 所得割 市町村民税
    prefecture_rate: Rate  # 所得割 道府県民税
    city_adjustment: Rate  # 調整控除 市町村民税分 (3%, 指定都市 4%)
    prefecture_adjustment: Rate  # 調整控除 道府県民税分 (2%, 指定都市 1%)
    city_per_capita: int  # 均等割 市町村民税
    prefecture_per_capita: int  # 均等割 道府県民税
    ordinary_instalments: int  # 普通徴収の期数
    ordinary_unit: int  # 2期以降の端数単位 (1,000: 千円未満は1期へ)
    special_unit: int  # 特別徴収 7月以降の端数単位 (100: 百円未満は6月へ)
    sources: tuple[str, ...]


def _int(value: Any, field: str, source: str, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (value < 0 and not allow_negative):
        raise TableError(field, f"must be a whole number of yen, not {value!r}", source=source)
    return value


def _salary(data: Any, prefix: str, source: str) -> SalaryTable:
    path = f"{prefix}salary."
    if not isinstance(data, dict):
        raise TableError(f"{prefix}salary", "must be a table", source=source)
    only_known(data, {"flat_deduction", "flat_below", "steps", "unit", "unit_below", "bands"}, path, source)
    steps: list[tuple[int, int, int]] = []
    raw_steps = require(data, "steps", path, source)
    if not isinstance(raw_steps, list):
        raise TableError(f"{path}steps", "must be a list of [from, to, 給与所得]", source=source)
    for i, step in enumerate(raw_steps):
        if not (isinstance(step, list) and len(step) == 3):
            raise TableError(f"{path}steps[{i}]", "must be [from, to, 給与所得]", source=source)
        lo, hi, income = (table_yen(v, f"{path}steps[{i}]", source) for v in step)
        if hi <= lo:
            raise TableError(f"{path}steps[{i}]", "the upper end must be above the lower", source=source)
        steps.append((lo, hi, income))
    bands = _bands(require(data, "bands", path, source), f"{path}bands", source)
    return SalaryTable(
        flat_deduction=table_yen(require(data, "flat_deduction", path, source), f"{path}flat_deduction", source),
        flat_below=table_yen(require(data, "flat_below", path, source), f"{path}flat_below", source),
        steps=tuple(steps),
        unit=table_yen(require(data, "unit", path, source), f"{path}unit", source) or 1,
        unit_below=table_yen(require(data, "unit_below", path, source), f"{path}unit_below", source),
        bands=bands,
    )


def _bands(raw_bands: Any, path: str, source: str) -> tuple[SalaryBand, ...]:
    """Income formulas ``{ below, rate, add }``, ascending, the last open-ended."""
    bands: list[SalaryBand] = []
    if not isinstance(raw_bands, list) or not raw_bands:
        raise TableError(path, "must list the band formulas", source=source)
    for i, band in enumerate(raw_bands):
        where = f"{path}[{i}]."
        if not isinstance(band, dict):
            raise TableError(f"{path}[{i}]", "must be a table", source=source)
        only_known(band, {"below", "rate", "add"}, where, source)
        below = band.get("below")
        if below is None and i != len(raw_bands) - 1:
            raise TableError(f"{where}below", "only the last band may be open-ended", source=source)
        bands.append(SalaryBand(
            below=None if below is None else table_yen(below, f"{where}below", source),
            rate=Rate.parse(require(band, "rate", where, source), f"{where}rate", source),
            add=_int(require(band, "add", where, source), f"{where}add", source, allow_negative=True),
        ))
    if bands[-1].below is not None:
        raise TableError(path, "the last band must be open-ended (no `below`)", source=source)
    return tuple(bands)


def _pension(data: Any, prefix: str, source: str) -> PensionTable:
    path = f"{prefix}pension."
    if not isinstance(data, dict):
        raise TableError(f"{prefix}pension", "must be a table", source=source)
    only_known(data, {"sources", "under_65", "over_65", "reductions"}, path, source)
    sources(require(data, "sources", path, source), path + "sources", source)
    reductions: list[tuple[int, int]] = []
    for i, pair in enumerate(require(data, "reductions", path, source) or []):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise TableError(f"{path}reductions[{i}]", "must be [other 合計所得 above, 控除 smaller by]", source=source)
        reductions.append((table_yen(pair[0], f"{path}reductions[{i}]", source),
                           table_yen(pair[1], f"{path}reductions[{i}]", source)))
    return PensionTable(under_65=_bands(require(data, "under_65", path, source), f"{path}under_65", source),
                        over_65=_bands(require(data, "over_65", path, source), f"{path}over_65", source),
                        reductions=tuple(sorted(reductions)))


_NATIONAL_YEN = (
    "basic_deduction_income_limit", "forest_environment_tax", "adjustment_small_limit", "adjustment_income_limit",
    "adjustment_minimum_base", "full_exemption_income", "income_levy_exemption_per_person",
    "income_levy_exemption_base", "income_levy_exemption_dependants", "spouse_income_limit_for_full_deduction",
)


def parse_national(data: dict[str, Any], fiscal_year: int, *, source: str = "national.toml") -> NationalRules:
    entry = data.get("years", {}).get(str(fiscal_year))
    if entry is None:
        raise LookupError(f"no national 住民税 rules recorded for fiscal year {fiscal_year}")
    prefix = f"years.{fiscal_year}."
    only_known(entry, {*_NATIONAL_YEN, "sources", "salary", "pension", "personal", "grades"}, prefix, source)
    personal_raw = require(entry, "personal", prefix, source)
    personal: dict[str, tuple[int, int]] = {}
    for kind in PERSONAL_KINDS:
        pair = require(personal_raw, kind, f"{prefix}personal.", source)
        if not (isinstance(pair, list) and len(pair) == 2):
            raise TableError(f"{prefix}personal.{kind}", "must be [控除額, 人的控除差]", source=source)
        personal[kind] = (table_yen(pair[0], f"{prefix}personal.{kind}", source),
                          table_yen(pair[1], f"{prefix}personal.{kind}", source))
    only_known(personal_raw, set(PERSONAL_KINDS), f"{prefix}personal.", source)
    grades_raw = require(entry, "grades", prefix, source)
    grades: dict[int, tuple[int, int]] = {}
    for grade in GRADES:
        pair = require(grades_raw, str(grade), f"{prefix}grades.", source)
        if not (isinstance(pair, list) and len(pair) == 2):
            raise TableError(f"{prefix}grades.{grade}", "must be [A, B]", source=source)
        grades[grade] = (table_yen(pair[0], f"{prefix}grades.{grade}", source),
                         table_yen(pair[1], f"{prefix}grades.{grade}", source))
    values = {name: table_yen(require(entry, name, prefix, source), prefix + name, source) for name in _NATIONAL_YEN}
    return NationalRules(
        fiscal_year=fiscal_year,
        salary=_salary(require(entry, "salary", prefix, source), prefix, source),
        pension=_pension(require(entry, "pension", prefix, source), prefix, source),
        personal=MappingProxyType(personal),
        grades=MappingProxyType(grades),
        sources=sources(require(entry, "sources", prefix, source), prefix + "sources", source),
        **values,
    )


@functools.cache
def national_rules(fiscal_year: int) -> NationalRules:
    """The recorded national rules of a fiscal year, read once per process; ``LookupError`` if none."""
    path = DATA_DIR / "national.toml"
    return parse_national(tomllib.loads(path.read_text(encoding="utf-8")), int(fiscal_year), source=path.name)


def parse_table(data: dict[str, Any], *, source: str = "") -> TownRates:
    """Validate a decoded TOML town table; raises :class:`TableError` naming the bad field."""
    only_known(data, {"table", "income_levy", "adjustment", "per_capita", "collection"}, "", source)
    head = require(data, "table", "", source)
    only_known(head, {"town_code", "town_name", "fiscal_year", "designated_city", "grade", "sources", "notes"},
               "table.", source)
    code = require(head, "town_code", "table.", source)
    if not isinstance(code, str) or not TOWN_CODE.match(code):
        raise TableError("table.town_code", f"{code!r} is not a six-digit 団体コード", source=source)
    name = require(head, "town_name", "table.", source)
    if not isinstance(name, str) or not name:
        raise TableError("table.town_name", "must be a non-empty name", source=source)
    year = require(head, "fiscal_year", "table.", source)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise TableError("table.fiscal_year", f"{year!r} is not a fiscal year such as 2026", source=source)
    designated = head.get("designated_city", False)
    if not isinstance(designated, bool):
        raise TableError("table.designated_city", "must be true or false", source=source)
    grade = head.get("grade")
    if grade is not None and (isinstance(grade, bool) or grade not in GRADES):
        raise TableError("table.grade", f"{grade!r} is not a 級地 (1, 2 or 3)", source=source)

    levy = require(data, "income_levy", "", source)
    only_known(levy, {"city", "prefecture"}, "income_levy.", source)
    adjustment = require(data, "adjustment", "", source)
    only_known(adjustment, {"city", "prefecture"}, "adjustment.", source)
    city_adj = Rate.parse(require(adjustment, "city", "adjustment.", source), "adjustment.city", source)
    pref_adj = Rate.parse(require(adjustment, "prefecture", "adjustment.", source), "adjustment.prefecture", source)
    # The 調整控除 is 5% in all (reference §2.3), split 3/2 or, in a 指定都市, 4/1 (Niigata): statutory, so the
    # table must agree with its own designated_city flag.
    split = (city_adj.numerator * 100 // city_adj.denominator, pref_adj.numerator * 100 // pref_adj.denominator)
    exact = all(r.numerator * 100 % r.denominator == 0 for r in (city_adj, pref_adj))
    expected = (4, 1) if designated else (3, 2)
    if not exact or split != expected:
        raise TableError("adjustment", f"must be {expected[0]}% / {expected[1]}% for "
                         f"{'a 指定都市' if designated else 'a town that is not a 指定都市'}", source=source)
    per_capita = require(data, "per_capita", "", source)
    only_known(per_capita, {"city", "prefecture"}, "per_capita.", source)
    collection = require(data, "collection", "", source)
    only_known(collection, {"ordinary_instalments", "ordinary_unit", "special_unit"}, "collection.", source)
    instalments = table_yen(require(collection, "ordinary_instalments", "collection.", source),
                            "collection.ordinary_instalments", source)
    if not 1 <= instalments <= 12:
        raise TableError("collection.ordinary_instalments", f"{instalments} is not between 1 and 12", source=source)
    units = {}
    for key in ("ordinary_unit", "special_unit"):
        unit = table_yen(require(collection, key, "collection.", source), f"collection.{key}", source)
        if unit not in (1, 10, 100, 1000):
            raise TableError(f"collection.{key}", f"{unit} is not 1, 10, 100 or 1,000円", source=source)
        units[key] = unit
    return TownRates(
        town_code=code,
        town_name=name,
        fiscal_year=year,
        designated_city=designated,
        grade=grade,
        city_rate=Rate.parse(require(levy, "city", "income_levy.", source), "income_levy.city", source),
        prefecture_rate=Rate.parse(require(levy, "prefecture", "income_levy.", source), "income_levy.prefecture",
                                   source),
        city_adjustment=city_adj,
        prefecture_adjustment=pref_adj,
        city_per_capita=table_yen(require(per_capita, "city", "per_capita.", source), "per_capita.city", source),
        prefecture_per_capita=table_yen(require(per_capita, "prefecture", "per_capita.", source),
                                        "per_capita.prefecture", source),
        ordinary_instalments=instalments,
        ordinary_unit=units["ordinary_unit"],
        special_unit=units["special_unit"],
        sources=sources(require(head, "sources", "table.", source), "table.sources", source),
    )


def load_table_file(path: Path) -> TownRates:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TableError("(file)", f"is not valid TOML: {exc}", source=path.name) from exc
    table = parse_table(data, source=path.name)
    expected = f"{table.town_code}-{table.fiscal_year}.toml"
    if path.parent == DATA_DIR and path.name != expected:
        raise TableError("table", f"the file should be named {expected}", source=path.name)
    return table


@functools.cache
def load_table(town_code: str, fiscal_year: int) -> TownRates:
    """The shipped table of a town for a fiscal year, read once per process; ``FileNotFoundError`` if none."""
    if not TOWN_CODE.match(town_code):
        raise TableError("town_code", f"{town_code!r} is not a six-digit 団体コード")
    path = DATA_DIR / f"{town_code}-{int(fiscal_year)}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no 住民税 rate table for {town_code} in fiscal year {fiscal_year}")
    return load_table_file(path)
