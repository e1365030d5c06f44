"""CSV files that staff open in Excel (表計算ソフトで開くCSV): UTF-8 with a BOM, or Shift_JIS (CP932).

The whole file is encoded before anything is sent, so a character CP932 cannot hold (「𠮷」 U+20BB7,
an 異体字 written with a variation selector, 「髙」 is fine …) refuses the whole export with an error
naming the record and the character: a half-written file is never handed out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone

UTF8_BOM = "utf-8-sig"
CP932 = "cp932"
# What the export forms offer, in this order (the first is the default).
ENCODINGS: tuple[tuple[str, str], ...] = (
    (UTF8_BOM, "UTF-8（BOM付き）— Excel 2016 以降、外字・異体字もそのまま"),
    (CP932, "Shift_JIS（CP932）— 古い表計算ソフト・他システムへの取込み用"),
)
ENCODING_LABELS = {UTF8_BOM: "UTF-8（BOM付き）", CP932: "Shift_JIS（CP932）"}


@dataclass
class Unencodable(Exception):
    """A character the chosen encoding cannot hold, with where it is."""

    encoding: str
    record: str          # e.g. 「宛名番号 000000123」
    column: str
    character: str

    @property
    def codepoints(self) -> str:
        return " ".join(f"U+{ord(c):04X}" for c in self.character)

    @property
    def message(self) -> str:
        return (f"{self.record} の「{self.column}」に {ENCODING_LABELS.get(self.encoding, self.encoding)} で表せない文字"
                f"「{self.character}」（{self.codepoints}）があります。ファイルは作成していません。"
                f"文字コードに UTF-8（BOM付き）を選んで出力してください。")

    def __str__(self) -> str:
        return self.message


def _variation_selector(ch: str) -> bool:
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _first_unencodable(text: str, encoding: str) -> str | None:
    for i, ch in enumerate(text):
        try:
            ch.encode(encoding)
        except UnicodeEncodeError:
            if _variation_selector(ch) and i > 0:
                return text[i - 1] + ch  # the 異体字 as written: base character and its selector
            if unicodedata.combining(ch) and i > 0:
                return text[i - 1] + ch
            return ch
    return None


def check(header: Sequence[str], rows: Iterable[Sequence[object]], *, encoding: str,
          record_of: Callable[[Sequence[object]], str]) -> None:
    """Raise :class:`Unencodable` for the first cell ``encoding`` cannot hold (in row order, then
    column order); ValueError for an encoding not offered. UTF-8 holds everything."""
    if encoding not in ENCODING_LABELS:
        raise ValueError(f"unsupported CSV encoding {encoding!r}")
    if encoding == UTF8_BOM:
        return
    for row in rows:
        for column, cell in zip(header, row, strict=False):
            text = "" if cell is None else str(cell)
            bad = None if text.isascii() else _first_unencodable(text, encoding)
            if bad is not None:
                raise Unencodable(encoding, record_of(row), column, bad)


def encode(header: Sequence[str], rows: Iterable[Sequence[object]], *, encoding: str,
           record_of: Callable[[Sequence[object]], str]) -> bytes:
    """The CSV (CRLF line ends, cells quoted as needed) in ``encoding``; ``record_of(row)`` names a row
    in an error (「宛名番号 000000123」). Raises :class:`Unencodable` before anything is produced."""
    rows = [["" if cell is None else str(cell) for cell in row] for row in rows]
    check(header, rows, encoding=encoding, record_of=record_of)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def filename(stem: str, town_code: str, *, on: dt.date | None = None) -> str:
    """``<stem>-<団体コード>-<YYYYMMDD>.csv`` (ASCII, so every browser keeps it)."""
    day = on or timezone.localdate()
    return f"{stem}-{town_code}-{day:%Y%m%d}.csv"


def response(data: bytes, *, encoding: str, name: str) -> HttpResponse:
    charset = "shift_jis" if encoding == CP932 else "utf-8"
    result = HttpResponse(data, content_type=f"text/csv; charset={charset}")
    result["Content-Disposition"] = f'attachment; filename="{name}"'
    result["Cache-Control"] = "no-store"
    return result


def parse_encoding(value: str | None) -> str:
    """The encoding a form asked for (blank: the default); ValueError for anything else."""
    if not value:
        return ENCODINGS[0][0]
    if value not in ENCODING_LABELS:
        raise ValueError(value)
    return value
