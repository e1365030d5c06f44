"""Pure rules of the 資格確認書 (no database): 有効期限, 一部負担金の割合, the check digit of 番号.

Sources (/work/shared/reference/tax-nhi.md §5): NHI cards run to 7月31日 and are renewed on 8月1日;
a person reaching 75 holds one to the day before the birthday (後期高齢者医療 from the birthday); one
reaching 70 to the end of the birthday month (born on the 1st: the month before), after which the
card carries the 負担割合 and its 発効期日 (it doubles as the 高齢受給者証). Under 70 it reads
「法定負担割合のとおり」. The statutory maximum ("up to 5 years") never binds with a 7月31日 renewal."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

RENEWAL_MONTH, RENEWAL_DAY = 7, 31  # 有効期限: each year's 7月31日 (the usual NHI practice; town-set)
MAX_YEARS = 5
UNDER_70 = "法定負担割合のとおり"
RATES_70 = ("2割", "3割")  # 70歳以上: 2割, 3割 for 現役並み所得者 (the income test is not ours: staff choose)


def anniversary(birth: dt.date, years: int) -> dt.date:
    """The ``years``-th birthday; a 2月29日 birth's falls on 3月1日 in a common year."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def reaches(birth: dt.date, years: int) -> dt.date:
    """The day an age is reached: the day before the birthday (年齢計算ニ関スル法律)."""
    return anniversary(birth, years) - dt.timedelta(days=1)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def elderly_from(birth: dt.date) -> dt.date:
    """高齢受給者 (70歳以上の負担割合) from the 1st of the month after the month 70 is reached."""
    return _month_end(reaches(birth, 70)) + dt.timedelta(days=1)


def late_elderly_from(birth: dt.date) -> dt.date:
    """後期高齢者医療 from the 75th birthday itself: the NHI card ends the day before."""
    return anniversary(birth, 75)


@dataclass(frozen=True)
class Terms:
    valid_until: dt.date
    copay: str
    copay_from: dt.date | None  # 発効期日, printed for 70歳以上 only
    needs_rate: bool  # 70歳以上: staff must give 2割 or 3割


def terms(*, birth: dt.date, issued_on: dt.date, renewal: bool = False, rate: str = "") -> Terms:
    """有効期限 and 負担割合 for a card issued on ``issued_on``. The base is the first 7月31日 on or after
    that day; a renewal made in July (ahead of the 8月1日 start) runs to the next year's. Then cut at the
    day before 後期高齢者医療 and, under 70, at the end of the month in which 70 is reached."""
    base = dt.date(issued_on.year, RENEWAL_MONTH, RENEWAL_DAY)
    if base < issued_on:
        base = base.replace(year=base.year + 1)
    if renewal and issued_on.month == RENEWAL_MONTH:
        base = base.replace(year=base.year + 1)
    limit = anniversary(issued_on, MAX_YEARS) - dt.timedelta(days=1)
    valid_until = min(base, limit, late_elderly_from(birth) - dt.timedelta(days=1))
    elderly = elderly_from(birth)
    if issued_on < elderly:
        return Terms(min(valid_until, elderly - dt.timedelta(days=1)), UNDER_70, None, False)
    return Terms(valid_until, rate, elderly, True)


def luhn_digit(digits: str) -> str:
    """The check digit (Luhn, mod 10) appended to a 番号."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return number.isascii() and number.isdigit() and luhn_digit(number[:-1]) == number[-1]
