"""Rules and rate tables of 固定資産税: the national rules (免税点, 住宅用地特例, 負担調整, 新築住宅 reduction,
code lists) and each town's rate per fiscal year, as TOML data read once per process."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tenants.tax.common import TOWN_CODE, Rate, TableError, only_known, require, sources, table_yen

DATA_DIR = Path(__file__).resolve().parent / "data"
RESIDENTIAL_LAND = "03"  # 宅地: the only 地目 that carries 住宅用地 here
HOUSING_KINDS = ("01", "02", "03")  # 居宅, 共同住宅, 併用住宅: may take the 新築住宅 reduction
_RATIO = re.compile(r"^(\d+)/(\d+)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True, slots=True)
class NationalRules:
    land_exemption: int  # 免税点 土地
    building_exemption: int  # 家屋
    depreciable_exemption: int  # 償却資産
    small_area_per_dwelling: Fraction  # 小規模住宅用地 per 戸 (200㎡)
    small_units_per_dwelling: int  # the same in 0.01㎡ units
    small_ratio: Fraction  # 1/6
    general_ratio: Fraction  # 1/3
    adjustment_step: Fraction  # 負担調整: 前年度課標 + 本則 × 5%
    adjustment_floor: Fraction  # … not below 本則 × 20%
    new_housing_area_per_dwelling: Fraction  # 120㎡
    new_housing_ratio: Fraction  # 1/2
    new_housing_years: int  # 3
    new_housing_years_midrise: int  # 5 (中高層耐火)
    land_categories: MappingProxyType[str, str]  # 地目 code → name
    building_kinds: MappingProxyType[str, str]  # 種類 code → name
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TownRates:
    town_code: str
    town_name: str
    fiscal_year: int
    rate: Rate  # 税率 (標準 1.4%)
    sources: tuple[str, ...]
    due_dates: tuple[tuple[int, int], ...] = ()  # 納期限 (month, day) of each 期, in order; months 1–3 are of the next year


def _ratio(value: Any, field: str, source: str) -> Fraction:
    if isinstance(value, str):
        match = _RATIO.match(value)
        if match and int(match.group(2)):
            return Fraction(int(match.group(1)), int(match.group(2)))
        if _NUMBER.match(value):
            return Fraction(value)
        if value.endswith("%"):
            rate = Rate.parse(value, field, source)
            return Fraction(rate.numerator, rate.denominator)
    raise TableError(field, f'must be a ratio such as "1/6", "5%" or "200", not {value!r}', source=source)


def _codes(value: Any, field: str, source: str) -> MappingProxyType[str, str]:
    if not isinstance(value, dict) or not value:
        raise TableError(field, "must map codes to names", source=source)
    for code, name in value.items():
        if not re.fullmatch(r"\d{2}", code) or not isinstance(name, str) or not name:
            raise TableError(f"{field}.{code}", "must be a two-digit code with a name", source=source)
    return MappingProxyType(dict(value))


def parse_national(data: dict[str, Any], *, source: str = "national.toml") -> NationalRules:
    only_known(data, {"sources", "exemption", "housing", "adjustment", "new_housing", "land_categories",
                      "building_kinds"}, "", source)
    ex = require(data, "exemption", "", source)
    housing = require(data, "housing", "", source)
    adj = require(data, "adjustment", "", source)
    new = require(data, "new_housing", "", source)
    small = _ratio(require(housing, "small_area_per_dwelling", "housing.", source), "housing.small_area_per_dwelling",
                   source)
    if small.denominator not in (1, 2, 4, 5, 10, 20, 25, 50, 100):
        raise TableError("housing.small_area_per_dwelling", "must be a whole number of 0.01㎡", source=source)
    return NationalRules(
        land_exemption=table_yen(require(ex, "land", "exemption.", source), "exemption.land", source),
        building_exemption=table_yen(require(ex, "building", "exemption.", source), "exemption.building", source),
        depreciable_exemption=table_yen(require(ex, "depreciable", "exemption.", source), "exemption.depreciable",
                                        source),
        small_area_per_dwelling=small,
        small_units_per_dwelling=int(small * 100),
        small_ratio=_ratio(require(housing, "small_ratio", "housing.", source), "housing.small_ratio", source),
        general_ratio=_ratio(require(housing, "general_ratio", "housing.", source), "housing.general_ratio", source),
        adjustment_step=_ratio(require(adj, "step", "adjustment.", source), "adjustment.step", source),
        adjustment_floor=_ratio(require(adj, "floor", "adjustment.", source), "adjustment.floor", source),
        new_housing_area_per_dwelling=_ratio(require(new, "area_per_dwelling", "new_housing.", source),
                                             "new_housing.area_per_dwelling", source),
        new_housing_ratio=_ratio(require(new, "ratio", "new_housing.", source), "new_housing.ratio", source),
        new_housing_years=table_yen(require(new, "years", "new_housing.", source), "new_housing.years", source),
        new_housing_years_midrise=table_yen(require(new, "years_midrise", "new_housing.", source),
                                            "new_housing.years_midrise", source),
        land_categories=_codes(require(data, "land_categories", "", source), "land_categories", source),
        building_kinds=_codes(require(data, "building_kinds", "", source), "building_kinds", source),
        sources=sources(require(data, "sources", "", source), "sources", source),
    )


@functools.cache
def national_rules() -> NationalRules:
    path = DATA_DIR / "national.toml"
    return parse_national(tomllib.loads(path.read_text(encoding="utf-8")), source=path.name)


def parse_table(data: dict[str, Any], *, source: str = "") -> TownRates:
    only_known(data, {"table"}, "", source)
    head = require(data, "table", "", source)
    only_known(head, {"town_code", "town_name", "fiscal_year", "sources", "rate", "notes", "due_dates"}, "table.",
               source)
    code = require(head, "town_code", "table.", source)
    if not isinstance(code, str) or not TOWN_CODE.match(code):
        raise TableError("table.town_code", f"{code!r} is not a six-digit 団体コード", source=source)
    name = require(head, "town_name", "table.", source)
    if not isinstance(name, str) or not name:
        raise TableError("table.town_name", "must be a non-empty name", source=source)
    year = require(head, "fiscal_year", "table.", source)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise TableError("table.fiscal_year", f"{year!r} is not a fiscal year such as 2025", source=source)
    return TownRates(town_code=code, town_name=name, fiscal_year=year,
                     rate=Rate.parse(require(head, "rate", "table.", source), "table.rate", source),
                     sources=sources(require(head, "sources", "table.", source), "table.sources", source),
                     due_dates=_due_dates(head.get("due_dates", []), source))


def _due_dates(value: Any, source: str) -> tuple[tuple[int, int], ...]:
    """``["04-30", "07-31", "12-31", "02-28"]``: the 納期限 of each 期 (month-day; January–March are in the
    next calendar year of the 年度)."""
    if not isinstance(value, list) or len(value) > 12:
        raise TableError("table.due_dates", "must be a list of up to 12 \"MM-DD\" dates", source=source)
    found = []
    for i, text in enumerate(value):
        match = re.fullmatch(r"(\d{2})-(\d{2})", text) if isinstance(text, str) else None
        if match is None or not 1 <= int(match[1]) <= 12 or not 1 <= int(match[2]) <= 31:
            raise TableError(f"table.due_dates[{i}]", f"{text!r} is not a month-day such as \"04-30\"", source=source)
        found.append((int(match[1]), int(match[2])))
    return tuple(found)


@functools.cache
def load_table(town_code: str, fiscal_year: int) -> TownRates:
    """The shipped rate of a town for a fiscal year, read once per process; ``FileNotFoundError`` if none."""
    if not TOWN_CODE.match(town_code):
        raise TableError("town_code", f"{town_code!r} is not a six-digit 団体コード")
    path = DATA_DIR / f"{town_code}-{int(fiscal_year)}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no 固定資産税 rate for {town_code} in fiscal year {fiscal_year}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TableError("(file)", f"is not valid TOML: {exc}", source=path.name) from exc
    table = parse_table(data, source=path.name)
    if path.name != f"{table.town_code}-{table.fiscal_year}.toml":
        raise TableError("table", f"the file should be named {table.town_code}-{table.fiscal_year}.toml",
                         source=path.name)
    return table
