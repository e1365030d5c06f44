"""The plain income CSV (所得データ): 宛名番号, 年 (所得年), and the amounts in yen, one person and year a row,
with a header line. UTF-8 (with or without BOM) or Shift_JIS (CP932), told apart by
``integrations.standard_spec.codec.detect``. Every problem is reported as a codec ``Issue`` (file, line, item,
value, rule, message ja/en); nothing here writes."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from integrations.standard_spec.codec import Issue, detect

from . import residents_facts

__all__ = ["COLUMNS", "Issue", "Parsed", "read"]

# (header, field): the header names are what a town's tax system exports; amounts may be left empty (0).
COLUMNS = (("宛名番号", "atena_number"), ("年", "year"), ("総所得金額等", "total_income"),
           ("給与収入", "salary_revenue"), ("公的年金収入", "pension_revenue"), ("公的年金所得", "pension_income"),
           ("固定資産税額", "fixed_asset_tax"))
AMOUNTS = tuple(f for _, f in COLUMNS[2:])
MAX_BYTES = 50 * 1024 * 1024
_DIGITS = re.compile(r"[0-9]{1,12}")
_ATENA = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class IncomeRow:
    line: int
    atena_number: str
    person_id: int
    year: int
    amounts: dict[str, int]


@dataclass(frozen=True)
class Parsed:
    rows: int
    valid: tuple[IncomeRow, ...]
    issues: tuple[Issue, ...]


def read(raw: bytes, *, file: str, encoding: str | None = None) -> Parsed:
    issues: list[Issue] = []

    def issue(line: int, item: str, value: str, rule: str, ja: str, en: str) -> None:
        issues.append(Issue(file, line, item, value[:50], rule, ja, en))

    if len(raw) > MAX_BYTES:
        issue(0, "(ファイル)", "", "size", "ファイルが大きすぎます（50MBまで）。", "The file is larger than 50 MB.")
        return Parsed(0, (), tuple(issues))
    try:
        name, bom = detect(raw, encoding, "cp932")
    except ValueError as exc:
        issue(0, "(ファイル)", encoding or "", "encoding", str(exc), "Unsupported encoding.")
        return Parsed(0, (), tuple(issues))
    try:
        text = raw.decode("utf-8-sig" if bom else name)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        issue(line, "(行)", "", "encoding", f"文字コード {name} として読めない文字があります。",
              f"Bytes that are not valid {name}.")
        return Parsed(0, (), tuple(issues))
    if "\x00" in text:
        issue(0, "(ファイル)", "", "nul", "NUL 文字が含まれています。", "The file contains NUL characters.")
        return Parsed(0, (), tuple(issues))
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header = [c.strip() for c in lines[0]] if lines else []
    if header != [h for h, _ in COLUMNS]:
        issue(1, "(見出し)", ",".join(header), "header", "見出し行は「" + ",".join(h for h, _ in COLUMNS)
              + "」としてください。", "The header line must name the columns " + ",".join(h for h, _ in COLUMNS) + ".")
        return Parsed(max(0, len(lines) - 1), (), tuple(issues))
    body = [(i, cells) for i, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    known = residents_facts.persons_by_atena({c[0].strip() for _, c in body if c})
    valid: list[IncomeRow] = []
    seen: dict[tuple[str, int], int] = {}
    for line, cells in body:
        before = len(issues)
        if len(cells) != len(COLUMNS):
            issue(line, "(行)", str(len(cells)), "columns", f"項目の数が {len(cells)} です（{len(COLUMNS)} 項目）。",
                  f"{len(cells)} columns, {len(COLUMNS)} expected.")
            continue
        values = dict(zip((f for _, f in COLUMNS), (c.strip() for c in cells), strict=True))
        atena = values["atena_number"]
        if not _ATENA.fullmatch(atena):
            issue(line, "宛名番号", atena, "digits", "宛名番号は半角数字で入力してください。",
                  "宛名番号 must be ASCII digits.")
        elif atena not in known:
            issue(line, "宛名番号", atena, "unknown_person", "住民記録にない宛名番号です。",
                  "No person with this 宛名番号 in the registry.")
        year = int(values["year"]) if re.fullmatch(r"[0-9]{4}", values["year"]) else 0
        if not 2000 <= year <= 2100:
            issue(line, "年", values["year"], "year", "年は西暦4桁（例: 2024）で入力してください。",
                  "年 must be a four-digit year such as 2024.")
        amounts: dict[str, int] = {}
        for label, field in COLUMNS[2:]:
            value = values[field].replace(",", "") if values[field] else "0"
            if not _DIGITS.fullmatch(value):
                issue(line, label, values[field], "amount", f"{label}は0以上の金額（円、半角数字12桁まで）です。",
                      f"{label} must be a whole number of yen, 0 or more, up to 12 digits.")
            else:
                amounts[field] = int(value)
        if len(amounts) == len(AMOUNTS):
            if amounts["pension_income"] > amounts["pension_revenue"]:
                issue(line, "公的年金所得", values["pension_income"], "pension_income_exceeds_revenue",
                      "公的年金所得が公的年金収入を超えています。", "Pension income exceeds pension revenue.")
            if amounts["pension_income"] > amounts["total_income"]:
                issue(line, "総所得金額等", values["total_income"], "total_below_pension",
                      "総所得金額等が公的年金所得より少なくなっています（総所得金額等は年金所得を含みます）。",
                      "総所得金額等 is below the pension income it includes.")
        if year and atena:
            first = seen.setdefault((atena, year), line)
            if first != line:
                issue(line, "宛名番号", atena, "duplicate", f"同じ宛名番号と年の行が {first} 行目にもあります。",
                      f"The same 宛名番号 and year are on line {first}.")
        if len(issues) == before:
            valid.append(IncomeRow(line, atena, known[atena], year, amounts))
    return Parsed(len(body), tuple(valid), tuple(issues))
