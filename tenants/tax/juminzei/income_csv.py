"""The 所得資料 CSV of 個人住民税: one 給与支払報告書, 公的年金等支払報告書 or 申告 a line, with a header line.
UTF-8 (with or without BOM) or Shift_JIS (CP932). Amounts are ASCII digits in yen (empty = 0); the kinds of
dependants, disabilities and the taxpayer's own 区分 are the engine's codes separated by ``;``. Nothing here
writes; every problem is an error naming the line and the field, and one error refuses the whole file.

Columns (the header names, in any order; the first six are required):
宛名番号, 種類 (給与支払報告書 / 公的年金等支払報告書 / 申告, or salary / pension / declaration),
特別徴収義務者指定番号, 特別徴収義務者名, 給与収入, 給与以外の所得, 社会保険料控除, その他の所得控除,
配偶者・扶養親族, 障害者控除, 本人の区分, 公的年金等収入 (the 収入金額 of a 公的年金等支払報告書 or a 申告: the
engine computes its 雑所得; 給与以外の所得 stays for any other 所得 already computed)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from tenants.tax.common import InputError

from . import engine
from .models import IncomeKind
from .tables import DEPENDANT_KINDS, DISABILITY_KINDS

MAX_BYTES = 20 * 1024 * 1024
MAX_AMOUNT = 10**11  # 1,000億円: anything above is a typing error, not an income
REQUIRED = ("宛名番号", "種類", "給与収入", "給与以外の所得", "社会保険料控除", "その他の所得控除")
OPTIONAL = ("特別徴収義務者指定番号", "特別徴収義務者名", "配偶者・扶養親族", "障害者控除", "本人の区分", "公的年金等収入")
AMOUNTS = {"給与収入": "salary_revenue", "給与以外の所得": "other_income", "社会保険料控除": "social_insurance",
           "その他の所得控除": "other_deductions", "公的年金等収入": "pension_revenue"}
KINDS = {**{c.label: c.value for c in IncomeKind}, **{c.value: c.value for c in IncomeKind}}
FLAGS = ("disabled", "minor", "widow", "single_parent_mother", "single_parent_father", "working_student",
         "public_assistance")
_DIGITS = re.compile(r"[0-9]{1,12}")
_ATENA = re.compile(r"[0-9]{1,12}")
_PAYER = re.compile(r"[0-9A-Za-z-]{1,20}")
MAX_ERRORS = 50


@dataclass(frozen=True)
class IncomeLine:
    line: int
    atena_number: str
    kind: str
    payer_number: str
    payer_name: str
    salary_revenue: int
    other_income: int
    social_insurance: int
    other_deductions: int
    pension_revenue: int
    dependants: tuple[str, ...]
    disabilities: tuple[str, ...]
    flags: tuple[str, ...]


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        raise ValidationError({"file": ["文字コードが UTF-8 でも Shift_JIS でもありません。"]}) from None


def _codes(value: str, allowed, field: str, line: int, errors: list[str]) -> tuple[str, ...]:
    codes = tuple(c.strip() for c in value.split(";") if c.strip())
    for code in codes:
        if code not in allowed:
            errors.append(f"{line}行目 {field}: {code[:30]!r} は使えません（{', '.join(allowed)}）。")
    return codes


def parse_income_csv(raw: bytes) -> list[IncomeLine]:
    """The file's lines, or a ValidationError (``file``) listing the errors, each with its line and field."""
    if not isinstance(raw, bytes | bytearray) or not raw:
        raise ValidationError({"file": ["ファイルが空です。"]})
    if len(raw) > MAX_BYTES:
        raise ValidationError({"file": ["ファイルが大きすぎます（20MBまで）。"]})
    if b"\x00" in raw:
        raise ValidationError({"file": ["ファイルに使用できない文字（NUL）が含まれています。"]})
    text = _decode(bytes(raw))
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError({"file": [f"CSV として読めません: {exc}"]}) from None
    if not table:
        raise ValidationError({"file": ["ファイルが空です。"]})
    header = [h.strip() for h in table[0]]
    missing = [h for h in REQUIRED if h not in header]
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if missing or unknown:
        parts = ([f"必須の列がありません: {', '.join(missing)}"] if missing else []) + \
                ([f"知らない列があります: {', '.join(u[:30] for u in unknown)}"] if unknown else [])
        raise ValidationError({"file": [f"1行目（見出し）: {m}" for m in parts]})
    where = {h: i for i, h in enumerate(header)}
    errors: list[str] = []
    lines: list[IncomeLine] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(f"{number}行目: 列の数が見出しと違います（{len(cells)}列、見出しは{len(header)}列）。")
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[where[name]].strip() if name in where else ""

        before = len(errors)
        atena = cell("宛名番号")
        if not _ATENA.fullmatch(atena):
            errors.append(f"{number}行目 宛名番号: {atena[:20]!r} は半角数字（12桁まで）ではありません。")
        kind = KINDS.get(cell("種類"))
        if kind is None:
            errors.append(f"{number}行目 種類: {cell('種類')[:30]!r} は 給与支払報告書・公的年金等支払報告書・申告 のどれでもありません。")
        amounts: dict[str, int] = {}
        for label, field in AMOUNTS.items():
            value = cell(label) or "0"
            if value.startswith("-"):
                errors.append(f"{number}行目 {label}: 負の金額 {value[:20]} は使えません。")
            elif not _DIGITS.fullmatch(value) or int(value) > MAX_AMOUNT:
                errors.append(f"{number}行目 {label}: {value[:20]!r} は半角数字の円単位の金額ではありません。")
            else:
                amounts[field] = int(value)
        payer_number, payer_name = cell("特別徴収義務者指定番号"), cell("特別徴収義務者名")
        if payer_number and not _PAYER.fullmatch(payer_number):
            errors.append(f"{number}行目 特別徴収義務者指定番号: {payer_number[:30]!r} は半角英数字（20桁まで）ではありません。")
        if len(payer_name) > 100:
            errors.append(f"{number}行目 特別徴収義務者名: 100文字を超えています。")
        if kind == IncomeKind.SALARY and not payer_number:
            errors.append(f"{number}行目 特別徴収義務者指定番号: 給与支払報告書には指定番号が必要です。")
        if kind != IncomeKind.SALARY and amounts.get("salary_revenue") and kind is not None:
            if kind == IncomeKind.PENSION:
                errors.append(f"{number}行目 給与収入: 公的年金等支払報告書に給与収入は書けません。")
        if kind == IncomeKind.SALARY and amounts.get("pension_revenue"):
            errors.append(f"{number}行目 公的年金等収入: 給与支払報告書に公的年金等収入は書けません。")
        dependants = _codes(cell("配偶者・扶養親族"), DEPENDANT_KINDS, "配偶者・扶養親族", number, errors)
        disabilities = _codes(cell("障害者控除"), DISABILITY_KINDS, "障害者控除", number, errors)
        flags = _codes(cell("本人の区分"), FLAGS, "本人の区分", number, errors)
        if "single_parent_mother" in flags and "single_parent_father" in flags:
            errors.append(f"{number}行目 本人の区分: single_parent_mother と single_parent_father は同時に使えません。")
        elif len(errors) == before:
            try:  # the engine's own checks of the facts (one spouse, 寡婦 and ひとり親 not together …)
                engine.Taxpayer(name=atena, dependants=dependants, disabilities=disabilities, widow="widow" in flags,
                                single_parent="mother" if "single_parent_mother" in flags else
                                "father" if "single_parent_father" in flags else None)
            except InputError as exc:
                field = {"dependants": "配偶者・扶養親族", "widow": "本人の区分"}.get(exc.field.split("[")[0], exc.field)
                errors.append(f"{number}行目 {field}: {exc}")
        if len(errors) >= MAX_ERRORS:
            break
        if kind is not None and len(amounts) == len(AMOUNTS) and _ATENA.fullmatch(atena):
            lines.append(IncomeLine(number, atena, kind, payer_number if kind == IncomeKind.SALARY else "",
                                    payer_name if kind == IncomeKind.SALARY else "", dependants=dependants,
                                    disabilities=disabilities, flags=flags, **amounts))
    if errors:
        raise ValidationError({"file": errors[:MAX_ERRORS]})
    if not lines:
        raise ValidationError({"file": ["取り込む行がありません（見出しだけです）。"]})
    return lines
