"""Rate tables of 法人市町村民税: the standard 均等割 table and 法人税割 rate limits, and each town's rates.

``data/standard.toml`` holds the statutory figures; ``data/<団体コード>.toml`` a town's rates as a list of
``[[rates]]`` entries, each in force for 事業年度 starting on or after its ``from`` date (the 法人税割 rate
follows the start of the 事業年度, reference §3.2). An entry may carry its own ``per_capita`` table (超過課税);
otherwise the standard one applies. Read and validated once per process; ``TableError`` names a bad field.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tenants.tax.common import TOWN_CODE, Rate, TableError, only_known, require, sources, table_yen

DATA_DIR = Path(__file__).resolve().parent / "data"
CLASS_LABELS = ("1千万円以下", "1千万円超1億円以下", "1億円超10億円以下", "10億円超50億円以下", "50億円超")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """法人税割 標準税率 and 制限税率 for 事業年度 starting on or after ``start``."""

    start: date
    standard: Rate
    limit: Rate


@dataclass(frozen=True, slots=True)
class Standard:
    capital_bounds: tuple[int, ...]  # upper bounds of the 資本金等の額 classes (inclusive)
    employee_bound: int  # 従業者数 up to this is the first column
    per_capita: tuple[tuple[int, int], ...]  # 均等割 by class: (≤ 50人, > 50人)
    rate_limits: tuple[RateLimit, ...]  # by start date, ascending
    sources: tuple[str, ...]

    def limits_for(self, period_start: date) -> RateLimit | None:
        found = None
        for entry in self.rate_limits:
            if entry.start <= period_start:
                found = entry
        return found


@dataclass(frozen=True, slots=True)
class TownRate:
    """A town's rates for 事業年度 starting on or after ``start``."""

    start: date
    corporate_tax_rate: Rate  # 法人税割の税率
    per_capita: tuple[tuple[int, int], ...]  # 均等割 by class (standard unless the town has its own)
    own_per_capita: bool  # the town's own (超過課税) 均等割 table


@dataclass(frozen=True, slots=True)
class TownRates:
    town_code: str
    town_name: str
    rates: tuple[TownRate, ...]  # ascending by start
    sources: tuple[str, ...]

    def rate_for(self, period_start: date) -> TownRate | None:
        found = None
        for entry in self.rates:
            if entry.start <= period_start:
                found = entry
        return found


def _per_capita(value: Any, field: str, rows: int, source: str) -> tuple[tuple[int, int], ...]:
    if not (isinstance(value, list) and len(value) == rows):
        raise TableError(field, f"must list {rows} rows of [≤ 50人, > 50人]", source=source)
    table = []
    for i, row in enumerate(value):
        if not (isinstance(row, list) and len(row) == 2):
            raise TableError(f"{field}[{i}]", "must be [≤ 50人, > 50人]", source=source)
        table.append((table_yen(row[0], f"{field}[{i}]", source), table_yen(row[1], f"{field}[{i}]", source)))
    return tuple(table)


def _date(value: Any, field: str, source: str) -> date:
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise TableError(field, f"must be a date such as 2019-10-01, not {value!r}", source=source)
    return value


def parse_standard(data: dict[str, Any], *, source: str = "standard.toml") -> Standard:
    only_known(data, {"sources", "capital_bounds", "employee_bound", "per_capita", "corporate_tax_rates"}, "", source)
    bounds = require(data, "capital_bounds", "", source)
    if not isinstance(bounds, list) or not bounds:
        raise TableError("capital_bounds", "must list the class bounds", source=source)
    capital_bounds = tuple(table_yen(b, f"capital_bounds[{i}]", source) for i, b in enumerate(bounds))
    if list(capital_bounds) != sorted(set(capital_bounds)):
        raise TableError("capital_bounds", "must be strictly ascending", source=source)
    limits = []
    raw = require(data, "corporate_tax_rates", "", source)
    if not isinstance(raw, list) or not raw:
        raise TableError("corporate_tax_rates", "must list the rate periods", source=source)
    for i, entry in enumerate(raw):
        path = f"corporate_tax_rates[{i}]."
        only_known(entry, {"from", "standard", "limit"}, path, source)
        limit = RateLimit(start=_date(require(entry, "from", path, source), f"{path}from", source),
                          standard=Rate.parse(require(entry, "standard", path, source), f"{path}standard", source),
                          limit=Rate.parse(require(entry, "limit", path, source), f"{path}limit", source))
        if not limit.standard <= limit.limit:
            raise TableError(f"{path}standard", "is above the 制限税率", source=source)
        limits.append(limit)
    limits.sort(key=lambda r: r.start)
    return Standard(
        capital_bounds=capital_bounds,
        employee_bound=table_yen(require(data, "employee_bound", "", source), "employee_bound", source),
        per_capita=_per_capita(require(data, "per_capita", "", source), "per_capita", len(capital_bounds) + 1,
                               source),
        rate_limits=tuple(limits),
        sources=sources(require(data, "sources", "", source), "sources", source),
    )


@functools.cache
def standard() -> Standard:
    """The statutory figures, read once per process."""
    path = DATA_DIR / "standard.toml"
    return parse_standard(tomllib.loads(path.read_text(encoding="utf-8")), source=path.name)


def parse_table(data: dict[str, Any], *, source: str = "", statutory: Standard | None = None) -> TownRates:
    """Validate a decoded TOML town table: each 法人税割 rate at most the 制限税率 of its period."""
    statutory = statutory or standard()
    only_known(data, {"table", "rates"}, "", source)
    head = require(data, "table", "", source)
    only_known(head, {"town_code", "town_name", "sources", "notes"}, "table.", source)
    code = require(head, "town_code", "table.", source)
    if not isinstance(code, str) or not TOWN_CODE.match(code):
        raise TableError("table.town_code", f"{code!r} is not a six-digit 団体コード", source=source)
    name = require(head, "town_name", "table.", source)
    if not isinstance(name, str) or not name:
        raise TableError("table.town_name", "must be a non-empty name", source=source)
    raw = require(data, "rates", "", source)
    if not isinstance(raw, list) or not raw:
        raise TableError("rates", "must list at least one [[rates]] entry", source=source)
    rates = []
    for i, entry in enumerate(raw):
        path = f"rates[{i}]."
        only_known(entry, {"from", "corporate_tax_rate", "per_capita", "notes"}, path, source)
        start = _date(require(entry, "from", path, source), f"{path}from", source)
        rate = Rate.parse(require(entry, "corporate_tax_rate", path, source), f"{path}corporate_tax_rate", source)
        limits = statutory.limits_for(start)
        if limits is None:
            raise TableError(f"{path}from", f"{start} is before every recorded 制限税率 period", source=source)
        if not rate.numerator * limits.limit.denominator <= limits.limit.numerator * rate.denominator:
            raise TableError(f"{path}corporate_tax_rate",
                             f"{rate.text} is above the 制限税率 {limits.limit.text}", source=source)
        own = "per_capita" in entry
        per_capita = (_per_capita(entry["per_capita"], f"{path}per_capita", len(statutory.per_capita), source)
                      if own else statutory.per_capita)
        rates.append(TownRate(start=start, corporate_tax_rate=rate, per_capita=per_capita, own_per_capita=own))
    rates.sort(key=lambda r: r.start)
    return TownRates(town_code=code, town_name=name, rates=tuple(rates),
                     sources=sources(require(head, "sources", "table.", source), "table.sources", source))


@functools.cache
def load_table(town_code: str) -> TownRates:
    """The shipped rates of a town, read once per process; ``FileNotFoundError`` if none."""
    if not TOWN_CODE.match(town_code):
        raise TableError("town_code", f"{town_code!r} is not a six-digit 団体コード")
    path = DATA_DIR / f"{town_code}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no 法人住民税 rate table for {town_code}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TableError("(file)", f"is not valid TOML: {exc}", source=path.name) from exc
    table = parse_table(data, source=path.name)
    if table.town_code != town_code:
        raise TableError("table.town_code", f"the file should be named {table.town_code}.toml", source=path.name)
    return table
