"""What the three tax engines share: exact rates, truncation, input and table errors.

Plain Python, no Django. Money is whole yen (``int``); a rate is an exact fraction of two integers so that
``amount × rate`` truncated to the yen is one integer multiplication and one floor division.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,4}))?%$")
TOWN_CODE = re.compile(r"^\d{6}$")


class UnsupportedCase(ValueError):
    """A case the engine knowingly does not compute (listed in docs/tax.md), rather than guess."""


class InputError(ValueError):
    """Bad input to an engine; ``field`` names it (``salary_revenue``, ``parcels[3].area``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class TableError(ValueError):
    """A rate table that cannot be used; ``field`` names the offending entry (``rates.city``)."""

    def __init__(self, field: str, message: str, *, source: str = "") -> None:
        self.field = field
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {message}")


@dataclass(frozen=True, slots=True)
class Rate:
    """A percentage as written in the source (``"6%"``, ``"1.4%"``), kept as ``numerator / denominator``."""

    text: str
    numerator: int
    denominator: int

    @classmethod
    def parse(cls, value: Any, field: str, source: str = "") -> Rate:
        if not isinstance(value, str):
            raise TableError(field, f'must be a percentage written as a string such as "6%", not {value!r}',
                             source=source)
        match = _PERCENT.match(value)
        if match is None:
            raise TableError(field, f'{value!r} is not a percentage such as "6%" or "1.4%"', source=source)
        whole, decimals = match.group(1), match.group(2) or ""
        numerator = int(whole + decimals)
        denominator = 100 * 10 ** len(decimals)
        if numerator > denominator:
            raise TableError(field, f"{value} is over 100%", source=source)
        return cls(text=value, numerator=numerator, denominator=denominator)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.numerator) / Decimal(self.denominator)

    def of(self, amount: int) -> int:
        """``amount × rate`` with fractions of a yen dropped (切捨)."""
        return amount * self.numerator // self.denominator

    def __le__(self, other: Rate) -> bool:
        return self.numerator * other.denominator <= other.numerator * self.denominator


def floor_to(amount: int, unit: int) -> int:
    """Truncate to a multiple of ``unit`` (1,000円未満切捨: ``unit=1000``); never below zero."""
    if amount <= 0:
        return 0
    return amount - amount % unit


def yen(amount: int) -> str:
    return f"{amount:,}円"


def whole_yen(value: Any, field: str, unit: str = "yen") -> int:
    """A non-negative whole number (of yen, or of ``unit``), or :class:`InputError` naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be a whole number of {unit}, not {value!r}")
    if value < 0:
        raise InputError(field, f"must not be negative ({value:,})")
    return value


def table_yen(value: Any, field: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TableError(field, f"must be a whole, non-negative number of yen, not {value!r}", source=source)
    return value


def require(data: Any, key: str, path: str, source: str) -> Any:
    if not isinstance(data, dict):
        raise TableError(path.rstrip(".") or "(file)", "must be a table", source=source)
    if key not in data:
        raise TableError(f"{path}{key}", "is missing", source=source)
    return data[key]


def sources(value: Any, field: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise TableError(field, "must name at least one source address", source=source)
    return tuple(value)


def only_known(data: dict[str, Any], known: set[str], path: str, source: str) -> None:
    for name in data:
        if name not in known:
            raise TableError(f"{path}{name}", "is not a known field", source=source)


def fiscal_year_label(fiscal_year: int) -> str:
    """「令和8年度」 for 2026 (2019 is 令和元年度; earlier years in 平成)."""
    era_year = fiscal_year - 2018
    if era_year < 1:
        return f"平成{fiscal_year - 1988}年度"
    return "令和元年度" if era_year == 1 else f"令和{era_year}年度"
