"""開庁日 and the 繁忙係数 (busy coefficient) an office's own history proposes. Plain Python, no Django.

Japanese public holidays come from the ``holidays`` library (its ``Japan`` calendar follows the 国民の祝日に関する
法律 and its 振替休日・国民の休日; docs/assignments.md says why this library). Town offices are also closed on
Saturdays, Sundays and 年末年始 (12月29日–1月3日, 行政機関の休日に関する法律 1条).

The proposal (editable by the town afterwards): an office whose daily volume barely varies (coefficient of
variation of its opening days' counts under ``STEADY_CV``) gets 1.0 every day; otherwise the first opening day
after a closure that holds a public holiday or lasts three days or more (a long weekend) gets the office's own
ratio — mean count on such days ÷ mean count on other opening days — rounded to 0.1 and held to 1.0–1.5; other
days get 1.0.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache

import holidays

STEADY_CV = 0.15
BUSY_MIN, BUSY_MAX = Fraction(1), Fraction(3, 2)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Japan(years=year).keys())


def is_public_holiday(day: dt.date) -> bool:
    return day in _public_holidays(day.year)


def is_year_end_closure(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_open(day: dt.date) -> bool:
    """開庁日: a weekday that is neither a public holiday nor in 年末年始."""
    return day.weekday() < 5 and not is_public_holiday(day) and not is_year_end_closure(day)


def closure_before(day: dt.date) -> list[dt.date]:
    """The closed days immediately before ``day`` (empty when the day before was open)."""
    run: list[dt.date] = []
    cursor = day - dt.timedelta(days=1)
    while not is_open(cursor) and len(run) < 14:
        run.append(cursor)
        cursor -= dt.timedelta(days=1)
    return run


def after_closure(day: dt.date) -> bool:
    """The first opening day after a closure with a public holiday (or 年末年始) or of three days or more."""
    if not is_open(day):
        return False
    run = closure_before(day)
    return len(run) >= 3 or any(is_public_holiday(d) or is_year_end_closure(d) for d in run)


def _rounded(ratio: Fraction) -> Fraction:
    tenths = (ratio * 10 + Fraction(1, 2)) // 1  # to the nearest 0.1, halves up
    return min(BUSY_MAX, max(BUSY_MIN, Fraction(int(tenths), 10)))


def propose_busy(history: Mapping[dt.date, int], day: dt.date) -> Fraction:
    """繁忙係数 proposed for ``day`` from ``history`` (opening day → count of counter procedures)."""
    counts = {d: n for d, n in history.items() if is_open(d)}
    if len(counts) < 2 or not after_closure(day):
        return Fraction(1)
    values = list(counts.values())
    mean = statistics.fmean(values)
    if mean == 0 or statistics.pstdev(values) / mean < STEADY_CV:
        return Fraction(1)
    after = [n for d, n in counts.items() if after_closure(d)]
    other = [n for d, n in counts.items() if not after_closure(d)]
    if not after or not other or sum(other) == 0:
        return Fraction(1)
    ratio = Fraction(sum(after), len(after)) / Fraction(sum(other), len(other))
    return _rounded(ratio)
