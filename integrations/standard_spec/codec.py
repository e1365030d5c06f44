"""Reading and writing standard-layout files (ファイル形式): encodings, the CSV and fixed-width forms,
and each data type's text (docs/standard-spec.md). No database: the importer checks references and the
town's code tables; this module turns bytes into typed values, or says exactly what is wrong.

Reading never stops at the first bad row: every problem becomes an :class:`Issue` naming the file,
the line, the item, the value and the rule, in Japanese and English."""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jaconv

from .layout import FileLayout, Item, Layout

ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "cp932": "cp932", "shift_jis": "cp932",
             "sjis": "cp932", "ms932": "cp932", "windows-31j": "cp932"}
FORMS = ("csv", "fixed")
MAX_ISSUES_PER_FILE = 10_000

EXACT, DAY_UNKNOWN, MONTH_DAY_UNKNOWN, AS_WRITTEN = "exact", "day_unknown", "month_day_unknown", "as_written"
_KANA = re.compile(r"[\u30A1-\u30FA\u30FC\u3000 ・]*")
_DIGITS = re.compile(r"[0-9]*")
_POSTAL = re.compile(r"([0-9]{3})-?([0-9]{4})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Issue:
    """One problem in one row: where, what, which rule, and why (in Japanese and English)."""

    file: str
    line: int
    item: str
    value: str
    rule: str
    message_ja: str
    message_en: str

    HEADER = ("ファイル", "行", "項目", "値", "規則", "内容", "message")

    def cells(self) -> list[str]:
        return [self.file, str(self.line), self.item, self.value, self.rule, self.message_ja, self.message_en]


# The rules an issue names, as staff read them (the report's CSV keeps the codes, for machines).
RULE_LABELS: dict[str, str] = {
    "required": "必須", "length": "桁数", "charset": "文字の範囲（外字）", "control": "制御文字", "kana": "カナ",
    "digits": "数字", "code": "コード表", "date_format": "日付の形式", "era": "年号コード", "era_range": "年号の期間",
    "date": "暦にない日付", "postal": "郵便番号", "columns": "項目数", "width": "桁位置", "encoding": "文字コード",
    "csv": "CSV の形式", "too_many": "誤りが多すぎる", "file": "ファイル", "check_digit": "検査数字",
    "duplicate": "重複", "exists": "登録済み", "head": "世帯主", "one_head": "世帯主は一人", "reference": "参照先",
    "order": "履歴の順序", "type": "データ型",
}


class ValueRefused(ValueError):
    def __init__(self, rule: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.rule, self.message_ja, self.message_en = rule, message_ja, message_en


@dataclass(frozen=True)
class VagueDate:
    """A 生年月日 as the layout states it: ``earliest`` is the earliest real day it can mean (what the
    registry stores and sorts by); ``precision`` and ``text`` say how much is known (不詳日, or a day
    not on the calendar kept as written). ``era`` is "" for 西暦."""

    earliest: dt.date
    precision: str = EXACT
    era: str = ""
    year: int = 0
    month: int = 0
    day: int = 0

    @property
    def text(self) -> str:
        if self.precision == EXACT:
            return ""
        year = f"{self.era}{'元' if self.era and self.year == 1 else self.year}年"
        if self.precision == MONTH_DAY_UNKNOWN:
            return f"{year}月日不詳"
        if self.precision == DAY_UNKNOWN:
            return f"{year}{self.month}月日不詳"
        return f"{year}{self.month}月{self.day}日"


@dataclass
class Row:
    """One record of a file: its first line number and its items as typed values (field → value)."""

    line: int
    values: dict[str, Any]
    raw: dict[str, str]


# --- decoding -----------------------------------------------------------------------------------------

def encoding_name(declared: str | None) -> str | None:
    if declared is None or declared == "":
        return None
    name = ENCODINGS.get(declared.strip().lower())
    if name is None:
        raise ValueError(f"文字コード {declared} には対応していません（UTF-8 または Shift_JIS）。")
    return name


def detect(raw: bytes, declared: str | None, default: str) -> tuple[str, bool]:
    """The file's encoding (and whether it starts with a UTF-8 BOM): a BOM says UTF-8; else the
    declared one; else UTF-8 when the whole file is valid UTF-8; else the layout's default."""
    bom = raw.startswith(codecs.BOM_UTF8)
    if bom:
        return "utf-8", True
    name = encoding_name(declared)
    if name is not None:
        return name, False
    try:
        raw.decode("utf-8")
        return "utf-8", False
    except UnicodeDecodeError:
        return encoding_name(default) or "cp932", False


def _lines(raw: bytes) -> list[bytes]:
    """Lines of the file without their CR LF / LF (in CP932 and UTF-8 a 0x0A byte is always a line
    end), trailing blank lines dropped."""
    lines = raw.split(b"\n")
    lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _undecodable(line: bytes, encoding: str) -> tuple[int, bytes] | None:
    try:
        line.decode(encoding)
        return None
    except UnicodeDecodeError as exc:
        return exc.start, line[exc.start:exc.end + 1]


# --- values -------------------------------------------------------------------------------------------

def _fold(text: str) -> str:
    """Full-width digits, letters and signs as ASCII (「１２３」→「123」)."""
    return unicodedata.normalize("NFKC", text)


def _text(item: Item, value: str, encoding: str) -> str:
    value = value.rstrip(" \u3000")
    if _CONTROL.search(value):
        raise ValueRefused("control", "制御文字が含まれています。", "The value contains a control character.")
    if len(value) > item.length:
        raise ValueRefused("length", f"{item.length}文字を超えています（{len(value)}文字）。",
                           f"Longer than {item.length} characters ({len(value)}).")
    if not item.gaiji:
        for ch in value:
            try:
                ch.encode("cp932")
            except UnicodeEncodeError:
                raise ValueRefused("charset", f"外字を使えない項目に「{ch}」（U+{ord(ch):04X}）があります。",
                                   f"U+{ord(ch):04X} is outside JIS X 0208 in an item without 外字.") from None
    return value


def _kana(item: Item, value: str) -> str:
    value = jaconv.hira2kata(jaconv.h2z(value.rstrip(" \u3000"), kana=True, ascii=False, digit=False))
    if not _KANA.fullmatch(value):
        raise ValueRefused("kana", "カタカナ以外の文字があります。", "Only katakana is allowed.")
    if len(value) > item.length:
        raise ValueRefused("length", f"{item.length}文字を超えています。", f"Longer than {item.length} characters.")
    return value


def _digits(item: Item, value: str) -> str:
    if value.isascii() and value.isdigit():  # the usual case: NFKC and strip would change nothing
        if len(value) > item.length:
            raise ValueRefused("length", f"{item.length}桁を超えています。", f"More than {item.length} digits.")
        return value.zfill(item.length)
    value = _fold(value).strip()
    if not value.isascii() or not _DIGITS.fullmatch(value):
        raise ValueRefused("digits", "数字以外の文字があります。", "Only the digits 0-9 are allowed.")
    if len(value) > item.length:
        raise ValueRefused("length", f"{item.length}桁を超えています。", f"More than {item.length} digits.")
    return value.zfill(item.length) if value else value


def _eight(value: str) -> tuple[int, int, int, int] | None:
    value = _fold(value).strip()
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return None
    return int(value[:2]), int(value[2:4]), int(value[4:6]), int(value[6:])


def _era_bounds(layout: Layout, code: str) -> tuple[Any, dt.date | None]:
    era = layout.era(code)
    if era is None:
        return None, None
    later = [e.starts for e in layout.eras if e.starts > era.starts]
    return era, min(later) if later else None


def wareki(layout: Layout, value: str, *, vague: bool = False) -> VagueDate:
    """年号コード 2 + 年 2 + 月 2 + 日 2: 「04310430」 is 平成31年4月30日; 年 01 is 元年. With ``vague``, 月
    or 日 00 is 不詳 and a day past the month's end is kept as written (生年月日, 標準仕様 1.1.9)."""
    parts = _eight(value)
    if parts is None:
        raise ValueRefused("date_format", "日付は 年号コード2桁＋年月日6桁（例 04310430）で入力してください。",
                           "A date is an era code of 2 digits and YYMMDD (e.g. 04310430).")
    code, year, month, day = f"{parts[0]:02d}", parts[1], parts[2], parts[3]
    era, next_start = _era_bounds(layout, code)
    if era is None:
        raise ValueRefused("era", f"年号コード {code} はありません。", f"There is no era code {code}.")
    if year < 1:
        raise ValueRefused("date", "年が 00 です。", "The year is 00.")
    western = era.starts.year + year - 1
    return _dated(western, month, day, vague=vague, era=era.name, era_year=year, starts=era.starts,
                  ends_before=next_start)


def seireki(value: str, *, vague: bool = False) -> VagueDate:
    value = _fold(value).strip()
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise ValueRefused("date_format", "日付は西暦8桁（例 19900501）で入力してください。",
                           "A date is 8 digits YYYYMMDD (e.g. 19900501).")
    return _dated(int(value[:4]), int(value[4:6]), int(value[6:]), vague=vague, era="", era_year=int(value[:4]))


def _dated(year: int, month: int, day: int, *, vague: bool, era: str, era_year: int,
           starts: dt.date | None = None, ends_before: dt.date | None = None) -> VagueDate:
    if not 1 <= year <= 9999:
        raise ValueRefused("date", "年が正しくありません。", "The year is out of range.")
    if vague and month == 0 and day == 0:
        earliest = max(dt.date(year, 1, 1), starts) if starts else dt.date(year, 1, 1)
        return _in_era(VagueDate(earliest, MONTH_DAY_UNKNOWN, era, era_year), starts, ends_before)
    if not 1 <= month <= 12:
        raise ValueRefused("date", f"月 {month:02d} は正しくありません。", f"The month {month:02d} is not valid.")
    if vague and day == 0:
        earliest = max(dt.date(year, month, 1), starts) if starts else dt.date(year, month, 1)
        return _in_era(VagueDate(earliest, DAY_UNKNOWN, era, era_year, month), starts, ends_before)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= 31 or (day > last and not vague):
        raise ValueRefused("date", f"{year}年{month}月{day}日は暦にありません。", f"{year}-{month:02d}-{day:02d} is not a date.")
    if day > last:  # 2月29日 in a common year, 4月31日: accepted as written for a 生年月日 (1.1.9)
        return _in_era(VagueDate(dt.date(year, month, last), AS_WRITTEN, era, era_year, month, day), starts, ends_before)
    return _in_era(VagueDate(dt.date(year, month, day)), starts, ends_before, transition_ok=vague)


def _in_era(value: VagueDate, starts: dt.date | None, ends_before: dt.date | None, *,
            transition_ok: bool = False) -> VagueDate:
    if starts is None:
        return value
    if value.earliest < starts:
        raise ValueRefused("era_range", "その年号の始まる前の日付です。", "The date is before the era began.")
    if ends_before is not None and value.earliest >= ends_before:
        # 即日改元 (大正・昭和 began on the last day of the era before): that day is right in both eras
        if value.earliest == ends_before and ends_before.year in (1912, 1926):
            return value
        raise ValueRefused("era_range", "その年号の終わった後の日付です。", "The date is after the era ended.")
    return value


def convert(item: Item, value: str, layout: Layout, encoding: str, *, foreign: bool = False) -> Any:
    """One item's text as its typed value (None when blank); ``ValueRefused`` says why not."""
    if value.strip(" \u3000") == "":
        if item.required == "Y":
            raise ValueRefused("required", "必須の項目が空です。", "A required item is empty.")
        return None
    kind = item.type
    if kind == "X":
        return _text(item, value, encoding)
    if kind == "K":
        return _kana(item, value)
    if kind == "9":
        return _digits(item, value)
    if kind == "C":
        code = _fold(value).strip()
        table = layout.code_to_value(item.code)
        if table:
            if code not in table:
                raise ValueRefused("code", f"コード {code} は{item.name}のコード表にありません。",
                                   f"{code} is not in the code table of {item.code}.")
            return table[code]
        if len(code) > item.length or not code.isascii():
            raise ValueRefused("code", "コードの形式が正しくありません。", "The code is malformed.")
        return code
    if kind == "W":
        return wareki(layout, value).earliest
    if kind == "D":
        return seireki(value).earliest
    if kind == "B":
        return seireki(value, vague=True) if foreign else wareki(layout, value, vague=True)
    if kind == "P":
        match = _POSTAL.fullmatch(_fold(value).strip())
        if match is None:
            raise ValueRefused("postal", "郵便番号は 7桁（例 843-0022）で入力してください。",
                               "A postal code is 7 digits (e.g. 843-0022).")
        return f"{match[1]}-{match[2]}"
    raise ValueRefused("type", "データ型が不明です。", "Unknown data type.")


# --- reading ------------------------------------------------------------------------------------------

def read(raw: bytes, file_layout: FileLayout, layout: Layout, *, file: str, form: str = "csv",
         encoding: str | None = None) -> tuple[list[Row], list[Issue], str]:
    """Every record of one file as typed rows, and every problem found. Returns (rows, issues, the
    encoding used). Rows with an issue are left out of ``rows``."""
    if form not in FORMS:
        raise ValueError(f"形式 {form} には対応していません（csv または fixed）。")
    used, bom = detect(raw, encoding, layout.encoding)
    if bom:
        raw = raw[len(codecs.BOM_UTF8):]
    lines = _lines(raw)
    issues: list[Issue] = []
    rows: list[Row] = []
    bad_lines: set[int] = set()
    for number, line in enumerate(lines, start=1):
        broken = _undecodable(line, used)
        if broken is not None:
            offset, bytes_ = broken
            bad_lines.add(number)
            issues.append(Issue(file, number, "", bytes_.hex(" "), "encoding",
                                f"{used} として読めないバイト列 {bytes_.hex(' ')}（{offset + 1}バイト目）があります。",
                                f"Bytes {bytes_.hex(' ')} at byte {offset + 1} are not valid {used}."))
    records = _fixed_records(lines, file_layout, used, bad_lines, issues, file) if form == "fixed" else \
        _csv_records(lines, file_layout, used, bad_lines, issues, file)
    typer = _Typer(file_layout, layout, used)
    for line_no, cells in records:
        row = typer.row(line_no, cells, issues, file)
        if row is not None:
            rows.append(row)
        if len(issues) >= MAX_ISSUES_PER_FILE:
            issues.append(Issue(file, line_no, "", "", "too_many", "問題が多すぎるため以降の行は確かめていません。",
                                "Too many problems: the rest of the file was not checked."))
            break
    return rows, issues, used


def _csv_records(lines: list[bytes], file_layout: FileLayout, encoding: str, bad: set[int],
                 issues: list[Issue], file: str) -> Iterator[tuple[int, list[str]]]:
    text = "\n".join(line.decode(encoding, errors="replace") for line in lines)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    expected = len(file_layout.items)
    names = [i.name for i in file_layout.items]
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            issues.append(Issue(file, start, "", "", "csv", f"CSV の形式が正しくありません（{exc}）。",
                                f"Malformed CSV ({exc})."))
            return
        line_no, start = start, reader.line_num + 1
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if line_no in bad or any(n in bad for n in range(line_no, start)):
            continue
        if line_no == 1 and cells == names:  # a header row of the items' names
            continue
        if len(cells) != expected:
            issues.append(Issue(file, line_no, "", "", "columns", f"項目数が {len(cells)} です（{expected} のはず）。",
                                f"{len(cells)} items instead of {expected}."))
            continue
        yield line_no, cells


def _fixed_records(lines: list[bytes], file_layout: FileLayout, encoding: str, bad: set[int],
                   issues: list[Issue], file: str) -> Iterator[tuple[int, list[str]]]:
    width = file_layout.width
    for line_no, line in enumerate(lines, start=1):
        if line_no in bad or not line.strip():
            continue
        if len(line) != width:
            issues.append(Issue(file, line_no, "", "", "width", f"行の長さが {len(line)} バイトです（{width} のはず）。",
                                f"The line is {len(line)} bytes instead of {width}."))
            continue
        cells, offset, ok = [], 0, True
        for item in file_layout.items:
            part = line[offset:offset + item.length]
            offset += item.length
            try:
                cells.append(part.decode(encoding))
            except UnicodeDecodeError:
                issues.append(Issue(file, line_no, item.name, part.hex(" "), "width",
                                    f"{item.name}の桁位置で文字が分断されています。",
                                    f"A character is split at the boundary of {item.name}."))
                ok = False
                break
        if ok:
            yield line_no, cells


# Items whose values repeat across a file (dates, codes, kana, names, addresses): their conversion is
# remembered for the file (the same text of the same item always gives the same value or refusal).
# Numbers (type 9: 宛名番号, 世帯番号, 住民票コード …) are mostly unique and cheap, so not remembered.
_MEMO_TYPES = frozenset("XKCWDBP")
_MEMO_LIMIT = 200_000  # distinct texts remembered per file; past it, values are simply converted


class _Typer:
    """Types the rows of one file: the layout's per-file facts computed once, conversions remembered
    per item (one dict per item keyed by the cell's text; for a 生年月日 one per 日本人/外国人)."""

    def __init__(self, file_layout: FileLayout, layout: Layout, encoding: str) -> None:
        self.layout, self.encoding = layout, encoding
        self.items = file_layout.items
        self.fields = file_layout.fields
        self.kinds = layout.code_to_value("resident_kind")
        self.kind_index = self.fields.index("resident_kind") if "resident_kind" in self.fields else None
        memos: list[dict[str, Any] | None] = [{} if i.type in _MEMO_TYPES else None for i in self.items]
        foreign: list[dict[str, Any] | None] = [{} if i.type == "B" else m for i, m in zip(self.items, memos, strict=True)]
        self.memos = (memos, foreign)  # by whether the row is a foreign resident's
        self.remembered = 0

    def row(self, line_no: int, cells: list[str], issues: list[Issue], file: str) -> Row | None:
        if len(cells) != len(self.fields):
            raise ValueError("cells do not match the layout")
        values: dict[str, Any] = {}
        foreign = self.kind_index is not None and self.kinds.get(_fold(cells[self.kind_index]).strip()) == "foreign"
        failed = False
        layout, encoding = self.layout, self.encoding
        for item, cell, memo in zip(self.items, cells, self.memos[foreign], strict=True):
            found = _MISSING if memo is None else memo.get(cell, _MISSING)
            if found is _MISSING:
                try:
                    found = convert(item, cell, layout, encoding, foreign=foreign)
                except ValueRefused as refused:
                    found = refused
                if memo is not None and self.remembered < _MEMO_LIMIT:
                    memo[cell] = found
                    self.remembered += 1
            if isinstance(found, ValueRefused):
                issues.append(Issue(file, line_no, item.name, cell[:100], found.rule, found.message_ja,
                                    found.message_en))
                failed = True
            else:
                values[item.field] = found
        return None if failed else Row(line_no, values, dict(zip(self.fields, cells, strict=True)))


_MISSING = object()


# --- writing ------------------------------------------------------------------------------------------

class ValueNotWritable(ValueError):
    """A value the chosen encoding or width cannot hold: names the record, the item and the character."""

    def __init__(self, record: str, item: Item, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.record, self.item, self.message_ja, self.message_en = record, item, message_ja, message_en


def _era_code(layout: Layout, day: dt.date) -> tuple[str, int]:
    era = layout.era_of(day)
    if era is None:
        raise ValueError(f"{day} に当たる年号がありません。")
    return era.code, day.year - era.starts.year + 1


def format_value(item: Item, value: Any, layout: Layout, *, foreign: bool = False) -> str:
    """A typed value as the item's text (the inverse of :func:`convert`)."""
    if value is None or value == "":
        return ""
    kind = item.type
    if kind == "C":
        table = layout.value_to_code(item.code)
        return table.get(str(value), str(value)) if table else str(value)
    if kind == "9":
        return str(value).zfill(item.length)
    if kind == "W":
        code, year = _era_code(layout, value)
        return f"{code}{year:02d}{value.month:02d}{value.day:02d}"
    if kind == "D":
        return value.strftime("%Y%m%d")
    if kind == "B":
        vague = value if isinstance(value, VagueDate) else VagueDate(value)
        month = vague.month if vague.precision in (DAY_UNKNOWN, AS_WRITTEN) else 0
        day = vague.day if vague.precision == AS_WRITTEN else 0
        if vague.precision == EXACT:
            month, day = vague.earliest.month, vague.earliest.day
        if foreign:
            year = vague.year if vague.precision != EXACT and not vague.era else vague.earliest.year
            return f"{year:04d}{month:02d}{day:02d}"
        if vague.precision == EXACT or not vague.era:
            code, year = _era_code(layout, vague.earliest)
        else:
            code = next(e.code for e in layout.eras if e.name == vague.era)
            year = vague.year
        return f"{code}{year:02d}{month:02d}{day:02d}"
    return str(value)


def _formatter(item: Item, layout: Layout):
    """One item's formatter, chosen once per file (not per value): ``(value, foreign) -> text``."""
    kind = item.type
    if kind in ("X", "K", "P"):
        return lambda value, foreign: value if value.__class__ is str else "" if value is None else str(value)
    if kind == "9":
        width = item.length
        return lambda value, foreign: "" if value is None or value == "" else str(value).zfill(width)
    if kind == "C":
        table = layout.value_to_code(item.code)
        if table:
            return lambda value, foreign: "" if value is None or value == "" else table.get(str(value), str(value))
        return lambda value, foreign: "" if value is None else str(value)
    seen: dict[Any, str] = {}  # dates repeat across a file: each is formatted once

    def date_text(value, foreign):
        if value is None or value == "":
            return ""
        key = (value, foreign)
        text = seen.get(key)
        if text is None:
            text = seen[key] = format_value(item, value, layout, foreign=foreign)
        return text
    return date_text


BATCH_BYTES = 256 * 1024


def write(records: Iterable[Mapping[str, Any]], file_layout: FileLayout, layout: Layout, *, form: str = "csv",
          encoding: str = "utf-8", bom: bool = True, label: str = "") -> Iterator[bytes]:
    """The file's bytes in pieces of about 256 KiB (never the whole file in memory): CRLF line ends;
    in CSV form quoted as needed; in fixed-width form each item padded with spaces to its 桁数 in
    bytes. A character the encoding cannot hold raises ``ValueNotWritable`` naming the record and
    item. Each item's formatter is chosen once per file and each line encoded once."""
    name = encoding_name(encoding) or "utf-8"
    items = file_layout.items
    formatters = [(item.field, _formatter(item, layout)) for item in items]
    if name == "utf-8" and bom:
        yield codecs.BOM_UTF8
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    pending: list[bytes] = []
    size = 0
    for number, record in enumerate(records, start=1):
        foreign = record.get("resident_kind") == "foreign"
        get = record.get
        cells = [format_(get(field), foreign) for field, format_ in formatters]
        if form == "fixed":
            parts = []
            for item, cell in zip(items, cells, strict=True):
                data = _encoded(cell, item, name, lambda n=number, r=record: _who(label, n, r))
                if len(data) > item.length:
                    who = _who(label, number, record)
                    raise ValueNotWritable(who, item, f"{who}の{item.name}が{item.length}バイトに収まりません。",
                                           f"Record {number}: {item.name} does not fit in {item.length} bytes.")
                parts.append(data + b" " * (item.length - len(data)))
            data = b"".join(parts) + b"\r\n"
        else:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(cells)
            try:
                data = buffer.getvalue().encode(name)
            except UnicodeEncodeError:  # find the item, to say which
                for item, cell in zip(items, cells, strict=True):
                    _encoded(cell, item, name, lambda n=number, r=record: _who(label, n, r))
                raise
        pending.append(data)
        size += len(data)
        if size >= BATCH_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _who(label: str, number: int, record: Mapping[str, Any]) -> str:
    key = record.get("atena_number") or record.get("number")
    return f"{label}{number}件目" + (f"（{key}）" if key else "")


def _encoded(cell: str, item: Item, encoding: str, who_of) -> bytes:
    try:
        return cell.encode(encoding)
    except UnicodeEncodeError as exc:
        ch = cell[exc.start]
        who = who_of()
        raise ValueNotWritable(who, item, f"{who}の{item.name}の「{ch}」（U+{ord(ch):04X}）は {encoding} で表せません。",
                               f"{item.name}: U+{ord(ch):04X} cannot be written in {encoding}.") from None
