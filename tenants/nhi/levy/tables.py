"""Rate tables (税率表) for the NHI levy, kept as TOML data per town and fiscal year (年度).

``data/<団体コード>-<年度>.toml`` holds a town's rates; ``data/national.toml`` holds the national
rules of each fiscal year (基礎控除, 軽減 thresholds, 未就学児 halving). The loader validates every
field and names the one that is wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

# 医療分, 後期高齢者支援金分, 介護納付金分, 子ども・子育て支援納付金分 (from 令和8年度), in levy order.
PART_LABELS: dict[str, str] = {
    "medical": "医療分",
    "support": "後期高齢者支援金分",
    "care": "介護納付金分",
    "child": "子ども・子育て支援納付金分",
}
ADJUSTMENT_KINDS = ("per_capita_reduction",)

_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d{1,4})?)%$")
_TOWN_CODE = re.compile(r"^\d{6}$")


class TableError(ValueError):
    """A rate table that cannot be used; ``field`` names the offending entry (e.g. ``parts.medical.cap``)."""

    def __init__(self, field: str, message: str, *, source: str = "") -> None:
        self.field = field
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {message}")


@dataclass(frozen=True)
class Rate:
    """A percentage as written in the source (``"6.1%"``), kept exact for arithmetic and display."""

    text: str
    percent: Decimal

    @property
    def fraction(self) -> Decimal:
        return self.percent / 100


@dataclass(frozen=True)
class PartRates:
    """One part (区分) of the levy: 所得割率, 資産割率, 均等割額, 平等割額 and 賦課限度額."""

    key: str
    income_rate: Rate  # 所得割率
    per_capita: int  # 均等割額 (per insured person, 円)
    per_household: int  # 平等割額 (per household, 円; 0 in 2方式 towns)
    cap: int  # 賦課限度額
    asset_rate: Rate | None = None  # 資産割率 (on 固定資産税額), where still used
    per_capita_exempt_below_age: int | None = None  # e.g. 18 for the 子ども・子育て支援納付金分 均等割

    @property
    def label(self) -> str:
        return PART_LABELS[self.key]


@dataclass(frozen=True)
class Adjustment:
    """A town's own reduction (減免) declared in its table, applied after the statutory rules.

    ``per_capita_reduction``: the 均等割 of each insured person younger than ``below_age`` on
    April 1 of the fiscal year is reduced by ``rate`` in the listed parts.
    """

    kind: str
    label: str
    parts: tuple[str, ...]
    rate: Rate
    below_age: int
    source: str


@dataclass(frozen=True)
class RateTable:
    """One town's rates for one fiscal year."""

    town_code: str  # 団体コード
    town_name: str
    fiscal_year: int  # 年度 (2023 = 令和5年度)
    parts: tuple[PartRates, ...]
    adjustments: tuple[Adjustment, ...]
    sources: tuple[str, ...]
    complete: bool  # False when the source gives only some of the parts
    notes: str = ""

    def part(self, key: str) -> PartRates | None:
        return next((p for p in self.parts if p.key == key), None)


@dataclass(frozen=True)
class NationalRules:
    """The national rules of one fiscal year: 基礎控除 and the 7/5/2割軽減 thresholds."""

    fiscal_year: int
    basic_deduction: int  # 基礎控除 (43万)
    basic_deduction_taper_from: int  # 合計所得 above which the 基礎控除 shrinks (2,400万)
    basic_deduction_zero_above: int  # 合計所得 above which it is zero (2,500万)
    reduction_base: int  # 7割 line: base + per_earner × (給与所得者等 − 1)
    reduction_per_earner: int
    reduction_5_per_person: int  # 5割 line: base + this × (被保険者 + 特定同一世帯所属者)
    reduction_2_per_person: int  # 2割 line
    salary_earner_revenue: int  # 給与収入 over this makes a 給与所得者等 (55万)
    pension_earner_revenue_under_65: int  # 公的年金 収入 over this, under 65 (60万)
    pension_earner_revenue_65: int  # … 65 and over (125万)
    pension_special_deduction_65: int  # 65歳以上 年金所得 further 15万 for the 軽減 test
    preschool_halving: bool  # 未就学児 均等割 halved (from 令和4年度)
    verified: bool  # False when the values are not in the reference material
    sources: tuple[str, ...]


def _require(data: dict[str, Any], key: str, path: str, source: str) -> Any:
    if key not in data:
        raise TableError(f"{path}{key}", "is missing", source=source)
    return data[key]


def _yen(value: Any, field: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TableError(field, f"must be a whole, non-negative number of yen, not {value!r}", source=source)
    return value


def _rate(value: Any, field: str, source: str) -> Rate:
    if not isinstance(value, str):
        raise TableError(field, f'must be a percentage written as a string such as "6.1%", not {value!r}',
                         source=source)
    match = _PERCENT.match(value)
    if match is None:
        raise TableError(field, f'{value!r} is not a percentage such as "6.1%"', source=source)
    try:
        percent = Decimal(match.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise TableError(field, f"{value!r} is not a number", source=source) from exc
    if percent > 100:
        raise TableError(field, f"{value} is over 100%", source=source)
    return Rate(text=value, percent=percent)


def _sources(value: Any, field: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise TableError(field, "must name at least one source address", source=source)
    return tuple(value)


def _part(key: str, data: Any, source: str) -> PartRates:
    path = f"parts.{key}."
    if not isinstance(data, dict):
        raise TableError(f"parts.{key}", "must be a table", source=source)
    known = {"income_rate", "asset_rate", "per_capita", "per_household", "cap",
             "per_capita_exempt_below_age"}
    for name in data:
        if name not in known:
            raise TableError(f"{path}{name}", "is not a known field", source=source)
    exempt = data.get("per_capita_exempt_below_age")
    if exempt is not None:
        exempt = _yen(exempt, f"{path}per_capita_exempt_below_age", source)
    return PartRates(
        key=key,
        income_rate=_rate(_require(data, "income_rate", path, source), f"{path}income_rate", source),
        per_capita=_yen(_require(data, "per_capita", path, source), f"{path}per_capita", source),
        per_household=_yen(data.get("per_household", 0), f"{path}per_household", source),
        cap=_yen(_require(data, "cap", path, source), f"{path}cap", source),
        asset_rate=(_rate(data["asset_rate"], f"{path}asset_rate", source) if "asset_rate" in data else None),
        per_capita_exempt_below_age=exempt,
    )


def _adjustment(index: int, data: Any, part_keys: set[str], source: str) -> Adjustment:
    path = f"adjustments[{index}]."
    if not isinstance(data, dict):
        raise TableError(f"adjustments[{index}]", "must be a table", source=source)
    kind = _require(data, "kind", path, source)
    if kind not in ADJUSTMENT_KINDS:
        raise TableError(f"{path}kind", f"{kind!r} is not one of {', '.join(ADJUSTMENT_KINDS)}", source=source)
    parts = _require(data, "parts", path, source)
    if not isinstance(parts, list) or not parts:
        raise TableError(f"{path}parts", "must list at least one part", source=source)
    for part in parts:
        if part not in part_keys:
            raise TableError(f"{path}parts", f"{part!r} is not a part of this table", source=source)
    label = _require(data, "label", path, source)
    if not isinstance(label, str) or not label:
        raise TableError(f"{path}label", "must be a non-empty name", source=source)
    return Adjustment(
        kind=kind,
        label=label,
        parts=tuple(parts),
        rate=_rate(_require(data, "rate", path, source), f"{path}rate", source),
        below_age=_yen(_require(data, "below_age", path, source), f"{path}below_age", source),
        source=_sources(_require(data, "source", path, source), f"{path}source", source)[0],
    )


def parse_table(data: dict[str, Any], *, source: str = "") -> RateTable:
    """Validate a decoded TOML table and return it; raises :class:`TableError` naming the bad field."""
    head = _require(data, "table", "", source)
    if not isinstance(head, dict):
        raise TableError("table", "must be a table", source=source)
    code = _require(head, "town_code", "table.", source)
    if not isinstance(code, str) or not _TOWN_CODE.match(code):
        raise TableError("table.town_code", f"{code!r} is not a six-digit 団体コード", source=source)
    name = _require(head, "town_name", "table.", source)
    if not isinstance(name, str) or not name:
        raise TableError("table.town_name", "must be a non-empty name", source=source)
    year = _require(head, "fiscal_year", "table.", source)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise TableError("table.fiscal_year", f"{year!r} is not a fiscal year such as 2023", source=source)
    complete = head.get("complete", True)
    if not isinstance(complete, bool):
        raise TableError("table.complete", "must be true or false", source=source)
    notes = head.get("notes", "")
    if not isinstance(notes, str):
        raise TableError("table.notes", "must be text", source=source)

    raw_parts = _require(data, "parts", "", source)
    if not isinstance(raw_parts, dict) or not raw_parts:
        raise TableError("parts", "must hold at least one part", source=source)
    for key in raw_parts:
        if key not in PART_LABELS:
            raise TableError(f"parts.{key}", f"is not one of {', '.join(PART_LABELS)}", source=source)
    if "child" in raw_parts and year < 2026:
        raise TableError("parts.child", "the 子ども・子育て支援納付金分 starts in 令和8年度 (2026)", source=source)
    parts = tuple(_part(key, raw_parts[key], source) for key in PART_LABELS if key in raw_parts)
    if complete and any(key not in raw_parts for key in ("medical", "support", "care")):
        raise TableError("parts", "a complete table needs medical, support and care (or complete = false)",
                         source=source)

    raw_adjustments = data.get("adjustments", [])
    if not isinstance(raw_adjustments, list):
        raise TableError("adjustments", "must be a list of tables", source=source)
    adjustments = tuple(_adjustment(i, a, set(raw_parts), source) for i, a in enumerate(raw_adjustments))
    return RateTable(
        town_code=code,
        town_name=name,
        fiscal_year=year,
        parts=parts,
        adjustments=adjustments,
        sources=_sources(_require(head, "sources", "table.", source), "table.sources", source),
        complete=complete,
        notes=notes,
    )


def load_table_file(path: Path) -> RateTable:
    """Read and validate one TOML rate table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TableError("(file)", f"is not valid TOML: {exc}", source=path.name) from exc
    table = parse_table(data, source=path.name)
    expected = f"{table.town_code}-{table.fiscal_year}.toml"
    if path.parent == DATA_DIR and path.name != expected:
        raise TableError("table", f"the file should be named {expected}", source=path.name)
    return table


def load_table(town_code: str, fiscal_year: int) -> RateTable:
    """The shipped table of a town (団体コード) for a fiscal year; ``FileNotFoundError`` if none."""
    if not _TOWN_CODE.match(town_code):
        raise TableError("town_code", f"{town_code!r} is not a six-digit 団体コード")
    path = DATA_DIR / f"{town_code}-{int(fiscal_year)}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no NHI rate table for {town_code} in fiscal year {fiscal_year}")
    return load_table_file(path)


_NATIONAL_FIELDS = (
    "basic_deduction", "basic_deduction_taper_from", "basic_deduction_zero_above", "reduction_base",
    "reduction_per_earner", "reduction_5_per_person", "reduction_2_per_person", "salary_earner_revenue",
    "pension_earner_revenue_under_65", "pension_earner_revenue_65", "pension_special_deduction_65",
)


def national_rules(fiscal_year: int, *, path: Path | None = None) -> NationalRules:
    """The national rules of a fiscal year from ``data/national.toml``; ``LookupError`` if not recorded."""
    path = path or DATA_DIR / "national.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    years = data.get("years", {})
    entry = years.get(str(fiscal_year))
    if entry is None:
        raise LookupError(f"no national NHI rules recorded for fiscal year {fiscal_year}")
    prefix = f"years.{fiscal_year}."
    values = {name: _yen(_require(entry, name, prefix, path.name), prefix + name, path.name)
              for name in _NATIONAL_FIELDS}
    for flag in ("preschool_halving", "verified"):
        if not isinstance(entry.get(flag), bool):
            raise TableError(prefix + flag, "must be true or false", source=path.name)
    return NationalRules(
        fiscal_year=fiscal_year,
        preschool_halving=entry["preschool_halving"],
        verified=entry["verified"],
        sources=_sources(_require(entry, "sources", prefix, path.name), prefix + "sources", path.name),
        **values,
    )
