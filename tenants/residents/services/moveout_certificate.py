"""転出証明書情報 (特例転入): the record of a 転出 that the previous town sends over the 住基ネット instead
of a paper 転出証明書. There is no CS link here, so the record is taken as text (CSV or JSON, pasted or
uploaded) and checked item by item; each error names the record (its n件目) and the item.

Format (documented in docs/residents.md): CSV with a header row, one row per person, UTF-8; or a JSON
object with the household items and a ``persons`` list. Columns are named by their 見出し or their key.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import numbers
from ..dates import parse_date
from ..search import normalise_stored
from .validation import NAME_ITEMS, Errors, name_item

MAX_CHARS = 20_000
MAX_PERSONS = 8
MAX_ITEM = 200
FIELD = "certificate_record"

# (key, 見出し, required); the first four are the household's, the same on every row of a CSV.
HOUSEHOLD_COLUMNS = (
    ("certificate_no", "証明書番号", False),
    ("previous_town", "転出元市区町村", True),
    ("previous_address", "転出元住所", True),
    ("moveout_planned_on", "転出予定日", True),
)
PERSON_COLUMNS = (
    ("resident_code", "住民票コード", True),
    ("family_name", "氏", True),
    ("given_name", "名", True),
    ("family_name_kana", "氏カナ", True),
    ("given_name_kana", "名カナ", True),
    ("birth_date", "生年月日", True),
    ("sex", "性別", True),
    ("relationship", "続柄", False),
    ("honseki", "本籍", False),
    ("hittousha", "筆頭者", False),
)
COLUMNS = HOUSEHOLD_COLUMNS + PERSON_COLUMNS
_KEY_BY_NAME = {name: key for key, name, _ in COLUMNS} | {key: key for key, _, _ in COLUMNS}
_LABEL = {key: name for key, name, _ in COLUMNS}
_SEX = {"1": "1", "2": "2", "男": "1", "女": "2"}


@dataclass(frozen=True)
class MoveoutRecord:
    """One 転出証明書情報, checked: the household's items and the persons (keys as in the 転入 form)."""

    text: str
    certificate_no: str
    previous_town: str
    previous_address: str
    moveout_planned_on: dt.date
    persons: list[dict]


def _where(n: int | None, key: str) -> str:
    item = _LABEL.get(key, key)
    return f"転出証明書情報 {n}件目（{item}）" if n else f"転出証明書情報（{item}）"


def _rows(text: str, errors: Errors) -> tuple[dict, list[dict]]:
    """The household items and the person rows, as raw strings keyed by column key."""
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            errors.add(FIELD, f"転出証明書情報: JSONとして読めません（{exc.msg}、{exc.lineno}行目）。")
            return {}, []
        persons = obj.get("persons") if isinstance(obj, dict) else None
        if not isinstance(persons, list) or not all(isinstance(p, dict) for p in persons):
            errors.add(FIELD, "転出証明書情報: JSONには persons（異動者の一覧）が必要です。")
            return {}, []
        head = {_KEY_BY_NAME.get(str(k), str(k)): v for k, v in obj.items() if k != "persons"}
        rows = [{_KEY_BY_NAME.get(str(k), str(k)): v for k, v in p.items()} for p in persons]
        unknown = sorted({k for r in [head, *rows] for k in r if k not in _LABEL})
        for name in unknown:
            errors.add(FIELD, f"転出証明書情報: 項目「{name[:30]}」は使えません。")
        return head, rows
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        lines = [line for line in reader if any(cell.strip() for cell in line)]
    except csv.Error as exc:
        errors.add(FIELD, f"転出証明書情報: CSVとして読めません（{exc}）。")
        return {}, []
    if not lines:
        return {}, []
    header = [cell.strip() for cell in lines[0]]
    keys = []
    for name in header:
        if name not in _KEY_BY_NAME:
            errors.add(FIELD, f"転出証明書情報: 見出し「{name[:30]}」は使えません。")
        keys.append(_KEY_BY_NAME.get(name, name))
    for key, name, required in COLUMNS:
        if required and key not in keys:
            errors.add(FIELD, f"転出証明書情報: 列「{name}」がありません。")
    rows = []
    for n, line in enumerate(lines[1:], start=1):
        if len(line) != len(keys):
            errors.add(FIELD, f"転出証明書情報 {n}件目: 列の数が見出しと違います（{len(line)}列、見出しは{len(keys)}列）。")
        rows.append(dict(zip(keys, line, strict=False)))
    shared: dict = {}
    for key, _, _ in HOUSEHOLD_COLUMNS:
        values = [str(r.get(key, "")).strip() for r in rows]
        shared[key] = values[0] if values else ""
        for n, value in enumerate(values[1:], start=2):
            if value != shared[key]:
                errors.add(FIELD, f"{_where(n, key)}: 1件目と異なります（1通の転出証明書の世帯の項目です）。")
    return shared, rows


def _text(errors: Errors, n: int | None, key: str, value, required: bool) -> str:
    if value is not None and not isinstance(value, (str, int)):
        errors.add(FIELD, f"{_where(n, key)}: 文字列で記載してください。")
        return ""
    text = normalise_stored(str(value if value is not None else ""))
    if required and not text:
        errors.add(FIELD, f"{_where(n, key)}: 記載がありません。")
    elif len(text) > MAX_ITEM:
        errors.add(FIELD, f"{_where(n, key)}: {MAX_ITEM}文字を超えています。")
    return text


def _date(errors: Errors, n: int | None, key: str, value) -> dt.date | None:
    try:
        return parse_date(str(value), label=_LABEL[key])
    except ValidationError as exc:
        errors.add(FIELD, f"{_where(n, key)}: {exc.messages[0]}")
        return None


def parse_record(text) -> MoveoutRecord:
    """The 転出証明書情報 in ``text`` (CSV or JSON), every item checked; ValidationError on
    ``certificate_record`` listing each fault as 「転出証明書情報 n件目（項目）: …」."""
    errors = Errors()
    text = text if isinstance(text, str) else ""
    if "\x00" in text:
        raise ValidationError({FIELD: ["転出証明書情報に使えない文字（NUL）が含まれています。"]})
    if len(text) > MAX_CHARS:
        raise ValidationError({FIELD: [f"転出証明書情報が長すぎます（{MAX_CHARS}文字まで）。"]})
    if not text.strip():
        raise ValidationError({FIELD: ["転出証明書情報を貼り付けるか、ファイルを選択してください。"]})
    head, rows = _rows(text, errors)
    errors.raise_if_any()
    if not rows:
        errors.add(FIELD, "転出証明書情報: 異動者が1人も記載されていません。")
    elif len(rows) > MAX_PERSONS:
        errors.add(FIELD, f"転出証明書情報: 異動者は{MAX_PERSONS}人までです（{len(rows)}人）。")
    items = {key: _text(errors, None, key, head.get(key), required) for key, _, required in HOUSEHOLD_COLUMNS
             if key != "moveout_planned_on"}
    planned = None
    if _text(errors, None, "moveout_planned_on", head.get("moveout_planned_on"), True):
        planned = _date(errors, None, "moveout_planned_on", head["moveout_planned_on"])
    persons, codes = [], set()
    for n, row in enumerate(rows[:MAX_PERSONS], start=1):
        person: dict = {}
        for key, label in NAME_ITEMS:
            raw = _text(errors, n, key, row.get(key), True)
            if raw:
                sub = Errors()
                person[key] = name_item(sub, key, key, label, raw)
                for message in sub.data.get(key, []):
                    errors.add(FIELD, f"{_where(n, key)}: {message}")
        raw_birth = _text(errors, n, "birth_date", row.get("birth_date"), True)
        birth = _date(errors, n, "birth_date", raw_birth) if raw_birth else None
        if birth is not None and birth > timezone.localdate():
            errors.add(FIELD, f"{_where(n, 'birth_date')}: 生年月日が未来の日付です。")
        person["birth_date"] = birth.isoformat() if birth else ""
        sex = _SEX.get(_text(errors, n, "sex", row.get("sex"), True))
        if sex is None and str(row.get("sex", "")).strip():
            errors.add(FIELD, f"{_where(n, 'sex')}: 1（男）または2（女）で記載してください。")
        person["sex"] = sex or ""
        code = _text(errors, n, "resident_code", row.get("resident_code"), True)
        if code:
            try:
                code = numbers.validate_resident_code(code)
            except ValidationError as exc:
                errors.add(FIELD, f"{_where(n, 'resident_code')}: {exc.messages[0]}")
            if code in codes:
                errors.add(FIELD, f"{_where(n, 'resident_code')}: 同じ住民票コードが2回記載されています。")
            codes.add(code)
        person["resident_code"] = code
        for key in ("relationship", "honseki", "hittousha"):
            person[key] = _text(errors, n, key, row.get(key), False)
        persons.append(person)
    errors.raise_if_any()
    assert planned is not None
    return MoveoutRecord(text=text, certificate_no=items["certificate_no"], previous_town=items["previous_town"],
                         previous_address=items["previous_address"], moveout_planned_on=planned, persons=persons)
