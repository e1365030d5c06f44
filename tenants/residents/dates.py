"""Dates as staff type them: 西暦 (2024-05-01, 2024/5/1) or 和暦 (令和6年5月1日, R6.5.1, 平成元年…).

A 和暦 date must exist in its era: 平成31年5月1日 and 令和1年4月30日 are refused. Eras come from the
town's code table (コード表 元号), so a new 元号 is a data change, not a code change.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    starts: dt.date
    ends: dt.date | None


_LETTERS = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}
_FALLBACK = (("明治", dt.date(1868, 1, 25)), ("大正", dt.date(1912, 7, 30)), ("昭和", dt.date(1926, 12, 25)),
             ("平成", dt.date(1989, 1, 8)), ("令和", dt.date(2019, 5, 1)))


def eras() -> list[Era]:
    rows: list[tuple[str, dt.date]] = []
    try:
        from tenants.reference.models import ReferenceCode

        rows = [(r.label, r.valid_from) for r in ReferenceCode.objects.filter(code_type="era")
                .exclude(valid_from=None).order_by("valid_from") if r.valid_from is not None]
    except Exception:  # outside a town schema (e.g. parsing in a public context)
        rows = []
    rows = rows or list(_FALLBACK)
    result = []
    for i, (name, start) in enumerate(rows):
        end = rows[i + 1][1] - dt.timedelta(days=1) if i + 1 < len(rows) else None
        result.append(Era(name, _LETTERS.get(name, ""), start, end))
    return result


_WAREKI = re.compile(r"^(?P<era>[^\d元]+?)\s*(?P<y>\d{1,2}|元)\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")
_SEIREKI = re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")


def parse_date(value, *, label: str) -> dt.date:
    """Parse a date typed by staff; ValidationError names the field (label) and the rule."""
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        raise ValidationError(f"{label}を入力してください。", code="required")
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
        raise ValidationError(f"{label}「{text}」の形式が正しくありません（例: 令和6年5月1日、2024-05-01）。",
                              code="format")
    era_text = match["era"].strip().upper()
    era = next((e for e in eras() if era_text in (e.name, e.letter, e.name[0])), None)
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
