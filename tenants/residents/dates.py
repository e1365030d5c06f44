"""Dates as staff type them: 西暦 (2024-05-01, 2024/5/1) or 和暦 (令和6年5月1日, R6.5.1, 平成元年…).

A 和暦 date must exist in its era: 平成31年5月1日 and 令和1年4月30日 are refused. Eras come from the
town's code table (コード表 元号), so a new 元号 is a data change, not a code change.

A 生年月日 may also be a vague date (不詳日: 「昭和10年月日不詳」, 「昭和10年5月日不詳」,
「昭和10年頃」) or a date that does not exist as written (「昭和10年2月29日」, 「明治45年7月30日」),
as carried over from an older register (標準仕様 1.1.8/1.1.9/1.3.6): ``parse_birth_date`` reads
those into a ``BirthDate``; every other date (異動日, 届出日 …) stays strict (``parse_date``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    starts: dt.date
    ends: dt.date | None


_LETTERS = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}


def eras() -> list[Era]:
    """The town's 元号 (its コード表 through kyodo.core.display: read once a minute per town and process,
    at once after this process changed the table), else the built-in five."""
    from kyodo.core import display

    try:
        rows = display.eras()
    except Exception:  # no database to read the table from (parsing outside a request or task)
        rows = list(display.ERAS)
    result = []
    for i, (name, start) in enumerate(rows):
        end = rows[i + 1][1] - dt.timedelta(days=1) if i + 1 < len(rows) else None
        result.append(Era(name, _LETTERS.get(name, ""), start, end))
    return result


def _era_named(text: str) -> Era | None:
    text = text.strip().upper()
    return next((e for e in eras() if text in (e.name, e.letter, e.name[0])), None)


_WAREKI = re.compile(r"^(?P<era>[^\d元]+?)\s*(?P<y>\d{1,4}|元)\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")
_SEIREKI = re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")


def parse_date(value, *, label: str) -> dt.date:
    """Parse a date typed by staff; ValidationError names the field (label) and the rule."""
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise ValidationError(f"{label}を入力してください。", code="required")
    if _VAGUE_MARK.search(text):
        raise ValidationError(f"{label}「{text}」: 不詳日は使えません（不詳日は生年月日だけに記録できます。"
                              f"{label}は実在する日付で入力してください）。", code="vague")
    match = _SEIREKI.match(text)
    if match:
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        try:
            return dt.date(y, m, d)
        except ValueError:
            raise ValidationError(f"{label}「{text}」は存在しない日付です（{m}月{d}日はありません）。",
                                  code="invalid_date") from None
    match = _WAREKI.match(text)
    if not match:
        raise ValidationError(f"{label}「{text}」の形式が正しくありません（例: 令和6年5月1日、2024/5/1）。",
                              code="format")
    era = _era_named(match["era"])
    if era is None:
        raise ValidationError(f"{label}「{text}」の元号が正しくありません。", code="era")
    year = 1 if match["y"] == "元" else int(match["y"])
    m, d = int(match["m"]), int(match["d"])
    if year < 1:
        raise ValidationError(f"{label}「{text}」の年が正しくありません。", code="invalid_date")
    try:
        date = dt.date(era.starts.year + year - 1, m, d)
    except ValueError:
        raise ValidationError(f"{label}「{text}」は存在しない日付です（{m}月{d}日はありません）。",
                              code="invalid_date") from None
    if date < era.starts or (era.ends is not None and date > era.ends):
        span = f"{to_wareki(era.starts)}〜" + (to_wareki(era.ends) if era.ends else "")
        raise ValidationError(f"{label}「{text}」は存在しない和暦の日付です（{era.name}は{span}）。",
                              code="era_range")
    return date


def to_wareki(date: dt.date | None) -> str:
    if date is None:
        return ""
    for era in reversed(eras()):
        if date >= era.starts:
            year = date.year - era.starts.year + 1
            return f"{era.name}{'元' if year == 1 else year}年{date.month}月{date.day}日"
    return f"{date.year}年{date.month}月{date.day}日"


# --- 生年月日 as the register states it (不詳日 and dates not on the calendar) ---------------------------

class DatePrecision(models.TextChoices):
    """How much of a 生年月日 the register states (不詳日: 標準仕様 1.1.8/1.1.9/1.3.6)."""

    EXACT = "exact", "年月日"
    DAY_UNKNOWN = "day_unknown", "日不詳"
    MONTH_DAY_UNKNOWN = "month_day_unknown", "月日不詳"
    YEAR_APPROXIMATE = "year_approximate", "年頃"
    AS_WRITTEN = "as_written", "暦にない日付（記載のとおり）"


# Eras that began on the day their predecessor ended (即日改元): that first day is also the last day
# of the predecessor, so 「明治45年7月30日」 and 「大正15年12月25日」 are right as written, though the era
# table (one era per day) says 大正元年7月30日 and 昭和元年12月25日. 平成 and 令和 began the next day.
SAME_DAY_ERA_CHANGES = frozenset({"大正", "昭和"})

_VAGUE_MARK = re.compile("不詳|頃|ごろ")
_VAGUE = re.compile(r"^(?P<era>[^0-9元]*?)\s*(?P<y>[0-9]{1,4}|元)\s*年\s*(?:(?P<m>[0-9]{1,2})\s*月\s*)?"
                    r"(?P<mark>月日不詳|日不詳|不詳|頃|ごろ)$")
VAGUE_EXAMPLES = "例: 昭和10年月日不詳、昭和10年5月日不詳、昭和10年頃、1935年月日不詳"


@dataclass(frozen=True)
class BirthDate:
    """A 生年月日 as the register states it. ``earliest`` is the earliest real day it can mean: it is
    what ``PersonVersion.birth_date`` holds (sorting, age, 異動日 ≥ 生年月日); ``text`` is what is
    shown and printed (never a made-up day). For EXACT only ``earliest`` is set; otherwise ``era``
    ("" for 西暦), ``year`` (in that era), ``month`` and ``day`` are as written."""

    precision: str
    earliest: dt.date
    era: str = ""
    year: int = 0
    month: int | None = None
    day: int | None = None

    @property
    def is_exact(self) -> bool:
        return self.precision == DatePrecision.EXACT

    @property
    def text(self) -> str:
        if self.is_exact:
            return to_wareki(self.earliest)
        year = f"{self.era}{'元' if self.era and self.year == 1 else self.year}年"
        if self.precision == DatePrecision.MONTH_DAY_UNKNOWN:
            return f"{year}月日不詳"
        if self.precision == DatePrecision.DAY_UNKNOWN:
            return f"{year}{self.month}月日不詳"
        if self.precision == DatePrecision.YEAR_APPROXIMATE:
            return f"{year}頃"
        return f"{year}{self.month}月{self.day}日"

    @property
    def note(self) -> str:
        """What ``PersonVersion.birth_date_note`` holds: the text for a vague or as-written date."""
        return "" if self.is_exact else self.text


def _western_year(era: Era | None, year: int) -> int:
    return era.starts.year + year - 1 if era is not None else year


def _vague(match: re.Match, text: str, label: str) -> BirthDate:
    era_text, mark = match["era"].strip(), match["mark"]
    era = _era_named(era_text) if era_text else None
    if era_text and era is None:
        raise ValidationError(f"{label}「{text}」の元号が正しくありません。", code="era")
    raw_year = match["y"]
    if (era is None and len(raw_year) != 4) or (era is not None and len(raw_year) > 4):
        raise ValidationError(f"{label}「{text}」の年が正しくありません（{VAGUE_EXAMPLES}）。", code="format")
    year = 1 if raw_year == "元" else int(raw_year)
    month = int(match["m"]) if match["m"] else None
    if month is None:
        if mark == "日不詳":
            raise ValidationError(f"{label}「{text}」の形式が正しくありません（{VAGUE_EXAMPLES}）。", code="format")
        precision = DatePrecision.YEAR_APPROXIMATE if mark in ("頃", "ごろ") else DatePrecision.MONTH_DAY_UNKNOWN
    else:
        if mark not in ("日不詳", "不詳"):
            raise ValidationError(f"{label}「{text}」の形式が正しくありません（{VAGUE_EXAMPLES}）。", code="format")
        precision = DatePrecision.DAY_UNKNOWN
    wy = _western_year(era, year)
    if year < 1 or not 1 <= wy <= 9999 or (month is not None and not 1 <= month <= 12):
        raise ValidationError(f"{label}「{text}」の年または月が正しくありません。", code="invalid_date")
    first = dt.date(wy, month or 1, 1)
    last = dt.date(wy, month or 12, calendar.monthrange(wy, month or 12)[1])
    if era is not None and (last < era.starts or (era.ends is not None and first > era.ends)):
        span = f"{to_wareki(era.starts)}〜" + (to_wareki(era.ends) if era.ends else "")
        raise ValidationError(f"{label}「{text}」は存在しない和暦の年月です（{era.name}は{span}）。", code="era_range")
    earliest = max(first, era.starts) if era is not None else first
    return BirthDate(precision, earliest, era.name if era else "", year, month)


def _as_written(text: str) -> BirthDate | None:
    """A date that is not on the calendar as written but is accepted for a 生年月日 (標準仕様 1.1.9):
    a day past the month's end (2月29日 in a common year, 4月31日), stored as the month's last day;
    or an era's name on the first day of its 即日改元 successor (明治45年7月30日), stored as that day."""
    match = _SEIREKI.match(text) or _WAREKI.match(text)
    if match is None:
        return None
    era = _era_named(match["era"]) if "era" in match.groupdict() else None
    if "era" in match.groupdict() and era is None:
        return None
    year = 1 if match["y"] == "元" else int(match["y"])
    month, day = int(match["m"]), int(match["d"])
    wy = _western_year(era, year)
    if year < 1 or not 1 <= wy <= 9999 or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    earliest = dt.date(wy, month, min(day, calendar.monthrange(wy, month)[1]))
    if era is not None:
        next_day = era.ends + dt.timedelta(days=1) if era.ends is not None else None
        transition_day = day == earliest.day and earliest == next_day and any(
            e.starts == next_day and e.name in SAME_DAY_ERA_CHANGES for e in eras())
        if not transition_day and (earliest < era.starts or (era.ends is not None and earliest > era.ends)):
            return None
    return BirthDate(DatePrecision.AS_WRITTEN, earliest, era.name if era else "", year, month, day)


def parse_birth_date(value, *, label: str = "生年月日") -> BirthDate:
    """A 生年月日 typed by staff or carried over from another register: a real date (as
    ``parse_date``), a vague date (「昭和10年月日不詳」「昭和10年5月日不詳」「昭和10年頃」, also in 西暦:
    「1935年月日不詳」), or a date not on the calendar as written (「昭和10年2月29日」「明治45年7月30日」).
    A date that is neither (平成31年5月1日, 2月32日) is refused as ``parse_date`` refuses it."""
    if isinstance(value, BirthDate):
        return value
    if isinstance(value, dt.date):
        return BirthDate(DatePrecision.EXACT, value)
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise ValidationError(f"{label}を入力してください。", code="required")
    match = _VAGUE.match(text)
    if match:
        return _vague(match, text, label)
    if _VAGUE_MARK.search(text):
        raise ValidationError(f"{label}「{text}」の不詳日の形式が正しくありません（{VAGUE_EXAMPLES}。"
                              "年も分からないときは推定の年を「昭和10年頃」のように入力してください）。", code="format")
    try:
        return BirthDate(DatePrecision.EXACT, parse_date(text, label=label))
    except ValidationError as exc:
        if getattr(exc, "code", None) not in ("invalid_date", "era_range"):
            raise
        written = _as_written(text)
        if written is None:
            raise
        return written


def stored_birth_date(birth_date: dt.date, precision: str = DatePrecision.EXACT, note: str = "") -> BirthDate:
    """The ``BirthDate`` of a stored record (its ``birth_date``, ``birth_date_precision`` and note)."""
    if precision == DatePrecision.EXACT or not note:
        return BirthDate(DatePrecision.EXACT, birth_date)
    try:
        return parse_birth_date(note)
    except ValidationError:  # the era table changed since: show what was recorded
        return BirthDate(DatePrecision.EXACT, birth_date)


def birth_date_text(version) -> str:
    """A record's 生年月日 as shown and printed: the register's wording for a 不詳日 or an as-written
    date (「昭和10年月日不詳」), else the date in 和暦."""
    note = getattr(version, "birth_date_note", "") or ""
    if note and getattr(version, "birth_date_precision", DatePrecision.EXACT) != DatePrecision.EXACT:
        return note
    return to_wareki(version.birth_date)
