"""Validation of 異動 input, per kind (run at 仮登録 and again at 決裁 against the registry as it is
then). Each ``validate_<kind>`` adds its errors to the shared ``Errors`` and returns a ``KindPart``;
the dates common to every kind are checked once, in ``changes.validate_change``."""

from __future__ import annotations

import base64
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import jaconv
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import crypto, numbers
from ..dates import BirthDate, parse_birth_date, parse_date, to_wareki
from ..models import (
    ON_REGISTER,
    Change,
    ChangeKind,
    ChangeStatus,
    Household,
    Person,
    PersonalNumber,
    PersonVersion,
)
from ..search import normalise_stored
from .common import current_version, household_members, id_list, parse_id

HEAD = "世帯主"
_KANA = re.compile(r"^[\u30a0-\u30ff \u3000]+$")
_REL_BASE = {"夫", "妻", "子", "父", "母", "兄", "姉", "弟", "妹"}
_REL_ALONE = {HEAD, "縁故者", "同居人", "妻（未届）", "夫（未届）"}
CORRECTABLE = ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
               "honseki", "hittousha", "katagaki", "district", "postal_code")
_ADDRESS_EXTRAS = ("katagaki", "district", "postal_code")


class Errors:
    """Errors per field, collected so that staff see every problem of a form at once."""

    def __init__(self):
        self.data: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.data.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.data:
            raise ValidationError(self.data)


@dataclass(frozen=True)
class ChangeInput:
    """What a kind's validator sees: the dates already parsed (None when invalid) and the raw data."""

    kind: ChangeKind
    town: Any
    notified_on: dt.date | None
    effective_on: dt.date | None
    data: dict


@dataclass
class KindPart:
    """A kind validator's result: its part of the stored payload, the persons and household it
    touches (known before approval) and the names for the change's summary."""

    payload: dict
    person_ids: list[int] = field(default_factory=list)
    household_id: int | None = None
    names: list[str] = field(default_factory=list)


def date_field(errors: Errors, field: str, value, label: str) -> dt.date | None:
    try:
        return parse_date(value, label=label)
    except ValidationError as exc:
        errors.add(field, exc.messages[0])
        return None


def birth_date_field(errors: Errors, field: str, value) -> BirthDate | None:
    """生年月日 as the register may state it (不詳日 and as-written dates, 標準仕様 1.1.8/1.1.9),
    never in the future (its earliest possible day)."""
    try:
        birth = parse_birth_date(value, label="生年月日")
    except ValidationError as exc:
        errors.add(field, exc.messages[0])
        return None
    if birth.earliest > timezone.localdate():
        errors.add(field, "生年月日が未来の日付です。")
        return None
    return birth


def stated_birth_date(raw: dict):
    """The 生年月日 as entered, or — in a stored payload re-validated at 決裁 — as the register states
    it (its note), not the earliest day it was stored with."""
    note = raw.get("birth_date_note")
    return note if note and raw.get("birth_date_precision", "exact") != "exact" else raw.get("birth_date")


def birth_date_items(birth: BirthDate) -> dict:
    """The stored items of a 生年月日 (payload and PersonVersion alike)."""
    return {"birth_date": birth.earliest.isoformat(), "birth_date_precision": str(birth.precision),
            "birth_date_note": birth.note}


def validate_relationship(value: str) -> str:
    """続柄 as the standard allows (標準仕様 異動): 世帯主, 夫/妻 (未届), 子, 父, 母, 兄姉弟妹,
    chains of these joined by 「の」 up to 4 levels, 縁故者, 同居人. 孫・祖父 etc. are not allowed."""
    value = normalise_stored(value).replace("(", "（").replace(")", "）")
    if value in _REL_ALONE:
        return value
    parts = value.split("の")
    if value and len(parts) <= 4 and all(p in _REL_BASE for p in parts):
        return value
    if value and all(p in _REL_BASE for p in parts):
        raise ValidationError(f"続柄「{value}」は4段階を超えます。「縁故者」と記載してください。")
    raise ValidationError(f"続柄「{value}」は使えません（例: 世帯主、妻、子、子の妻、母、縁故者、同居人）。")


NAME_ITEMS = (("family_name", "氏"), ("given_name", "名"), ("family_name_kana", "氏カナ"),
              ("given_name_kana", "名カナ"))


def name_item(errors: Errors, error_field: str, item: str, label: str, raw) -> str:
    """氏・名 and their カナ, checked alike wherever they are entered (転入・出生・職権記載・職権修正):
    required; カナ in katakana (ひらがな and half-width are converted)."""
    value = normalise_stored(raw or "")
    if not value:
        errors.add(error_field, f"{label}を入力してください。")
    elif item.endswith("_kana"):
        value = jaconv.hira2kata(unicodedata.normalize("NFKC", value))
        if not _KANA.match(value):
            errors.add(error_field, f"{label}はカタカナで入力してください。")
    return value


def clean_person(errors: Errors, prefix: str, raw: dict, *, effective_on, need_resident_code: bool,
                 town) -> dict:
    """One person's items for 転入・出生・職権記載 (field names are prefixed for the form)."""
    out: dict[str, Any] = {}
    for field_name, label in NAME_ITEMS:
        out[field_name] = name_item(errors, prefix + field_name, field_name, label, raw.get(field_name, ""))
    birth = birth_date_field(errors, prefix + "birth_date", stated_birth_date(raw))
    if birth is not None:
        if effective_on is not None and effective_on < birth.earliest:
            errors.add("effective_on", "異動日が生年月日より前です。")
        out.update(birth_date_items(birth))
    sex = str(raw.get("sex", "")).strip()
    if sex not in ("1", "2"):
        errors.add(prefix + "sex", "性別を選択してください。")
    out["sex"] = sex
    try:
        out["relationship"] = validate_relationship(raw.get("relationship", ""))
    except ValidationError as exc:
        errors.add(prefix + "relationship", exc.messages[0])
    out["honseki"] = normalise_stored(raw.get("honseki", "")) or "不明"
    out["hittousha"] = normalise_stored(raw.get("hittousha", "")) or "不明"
    _resident_kind_items(errors, prefix, raw, out)
    code = str(raw.get("resident_code", "") or "").strip()
    if code or need_resident_code:
        try:
            out["resident_code"] = numbers.validate_resident_code(code)
        except ValidationError as exc:
            errors.add(prefix + "resident_code", exc.messages[0])
    if raw.get("my_number_enc"):
        out["my_number_enc"] = raw["my_number_enc"]
    elif raw.get("my_number"):
        try:
            value = numbers.validate_my_number(str(raw["my_number"]))
            out["my_number_enc"] = base64.b64encode(crypto.encrypt(value, context=town.code)).decode()
        except ValidationError as exc:
            errors.add(prefix + "my_number", exc.messages[0])
    return out


def _resident_kind_items(errors: Errors, prefix: str, raw: dict, out: dict) -> None:
    """住民種別, 旧氏 and the 外国人住民 items (標準仕様 1.1.1/1.1.2): rules in services/foreign.py."""
    from .foreign import apply_entry_items

    apply_entry_items(errors, prefix, raw, out)


def resident(errors: Errors, field: str, person_id) -> PersonVersion | None:
    """The current row of a resident named by raw input, or an error on ``field`` (a bad id reads
    exactly like a missing or removed person)."""
    pid = parse_id(person_id)
    version = current_version(pid) if pid is not None else None
    if version is None or version.status not in ON_REGISTER:
        errors.add(field, "対象の住民が見つからないか、既に消除されています。")
        return None
    return version


def relationship_map(errors: Errors, raw, members: list[PersonVersion], *, need_head: bool) -> dict:
    """New 続柄 per member (keyed by person id as text); with ``need_head`` exactly one 世帯主."""
    raw = raw if isinstance(raw, dict) else {}
    rels: dict[str, str] = {}
    for member in members:
        key = str(member.person_id)
        try:
            rels[key] = validate_relationship(raw.get(key, ""))
        except ValidationError as exc:
            errors.add(f"relationship_{key}", exc.messages[0])
    heads = [k for k, v in rels.items() if v == HEAD]
    if need_head and len(heads) != 1 and len(rels) == len(members):
        errors.add("relationships", "世帯主をちょうど1人指定してください。")
    return rels


# --- 転入・出生・職権記載: new persons ---------------------------------------------------------------

def _new_persons(errors: Errors, inp: ChangeInput, *, need_resident_code: bool, birth: bool = False) -> KindPart:
    data = inp.data
    raw_people = [dict(p) for p in data.get("persons", []) if any(str(v).strip() for v in p.values())]
    if birth:
        raw_people = raw_people[:1]
        for p in raw_people:
            p["birth_date"] = inp.effective_on.isoformat() if inp.effective_on else ""
    if not raw_people:
        errors.add("persons", "異動する人を1人以上入力してください。")
    people = [clean_person(errors, f"p{i}_", raw, effective_on=inp.effective_on,
                           need_resident_code=need_resident_code, town=inp.town)
              for i, raw in enumerate(raw_people)]
    part = KindPart(payload={"persons": people},
                    names=[f"{p.get('family_name', '')}{p.get('given_name', '')}" for p in people])
    household_mode = data.get("household_mode") or ("existing" if birth else "new")
    part.payload["household_mode"] = household_mode
    if household_mode == "existing":
        hid = parse_id(data.get("household_id"))
        household = Household.objects.filter(pk=hid).first() if hid is not None else None
        members = household_members(household.pk) if household is not None else []
        if household is None or not members:
            errors.add("household_id", "世帯が見つかりません。")
        else:
            part.household_id = household.pk
            part.payload["household_id"] = household.pk
            # 標準仕様 1.4 (世帯): one 世帯主 per household; joining a household that has one adds none.
            head_rows = [i for i, p in enumerate(people) if p.get("relationship") == HEAD]
            if any(m.is_head for m in members):
                for i in head_rows:
                    errors.add(f"p{i}_relationship", "この世帯には既に世帯主がいます（続柄を世帯主以外にしてください）。")
            elif len(head_rows) > 1:
                errors.add("persons", "世帯主は1人だけです。")
    else:
        heads = [p for p in people if p.get("relationship") == HEAD]
        if people and len(heads) != 1:
            errors.add("persons", "新しい世帯では世帯主をちょうど1人入力してください。")
    return part


def _new_address(errors: Errors, inp: ChangeInput, part: KindPart) -> None:
    """The address of a new household (joining an existing one keeps that household's address)."""
    value = normalise_stored(inp.data.get("address", ""))
    if not value and part.payload["household_mode"] == "new":
        errors.add("address", "住所を入力してください。")
    part.payload["address"] = value
    for name in _ADDRESS_EXTRAS:
        part.payload[name] = normalise_stored(inp.data.get(name, ""))


def validate_move_in(errors: Errors, inp: ChangeInput) -> KindPart:
    """転入: the persons, the new address and what the 転出証明書 (of the previous town) certifies."""
    part = _new_persons(errors, inp, need_resident_code=True)
    _new_address(errors, inp, part)
    data, payload = inp.data, part.payload
    payload["previous_address"] = normalise_stored(data.get("previous_address", ""))
    if not payload["previous_address"]:
        errors.add("previous_address", "転入前住所（転出証明書の住所）を入力してください。")
    payload["previous_town"] = normalise_stored(data.get("previous_town", ""))
    payload["moveout_certificate_no"] = normalise_stored(data.get("moveout_certificate_no", ""))
    planned = data.get("moveout_planned_on")
    if planned:
        planned_date = date_field(errors, "moveout_planned_on", planned, "転出予定日")
        payload["moveout_planned_on"] = planned_date.isoformat() if planned_date else ""
    return part


def validate_ex_officio_record(errors: Errors, inp: ChangeInput) -> KindPart:
    """職権記載: like 転入, without 転出証明書 data (住民票コード optional)."""
    part = _new_persons(errors, inp, need_resident_code=False)
    _new_address(errors, inp, part)
    return part


def validate_birth(errors: Errors, inp: ChangeInput) -> KindPart:
    """出生: one person, born on the 異動日, by default into an existing household."""
    return _new_persons(errors, inp, need_resident_code=False, birth=True)


# --- kinds acting on current residents -------------------------------------------------------------

@dataclass
class _Targets:
    versions: list[PersonVersion]
    household_id: int | None
    payload: dict


def _targets(errors: Errors, inp: ChangeInput, *, source: str) -> _Targets:
    """The residents a change acts on. ``source``: ``persons`` (``person_ids``), ``person``
    (``person_id``, else ``person_ids``) or ``household`` (every member of ``household_id``).
    All must be current residents of one household, born on or before the 異動日."""
    data = inp.data
    field_name = "person_ids"
    raw_ids = id_list(data.get("person_ids"))
    household_id: int | None = None
    if source == "person" and data.get("person_id"):
        field_name, raw_ids = "person_id", [data["person_id"]]
    if source == "household":
        household_id = parse_id(data.get("household_id"))
        members = household_members(household_id) if household_id else []
        if not members:
            errors.add("household_id", "世帯が見つかりません。")
        raw_ids = [m.person_id for m in members]
    versions = [v for v in (resident(errors, field_name, pid) for pid in raw_ids) if v]
    if not raw_ids:
        errors.add("person_ids", "対象の住民を選択してください。")
    if versions:
        if len({v.household_id for v in versions}) != 1:
            errors.add(field_name, "同じ世帯の人を選択してください。")
        household_id = household_id or versions[0].household_id
    effective = inp.effective_on
    for v in versions:
        if effective and effective < v.birth_date:
            errors.add("effective_on", "異動日が生年月日より前です。")
            break
    # 標準仕様 1.2 (履歴): history runs forward; a 異動 dated before the person's latest applied 異動
    # would put them somewhere before they got there (the as-of view would be wrong).
    today = timezone.localdate()
    for v in versions:
        # (a 転出予定 dated in the future does not count: the person may still die or move within town first)
        if effective and effective < v.valid_from <= today:
            errors.add("effective_on", f"異動日が{v.family_name}{v.given_name}さんの直前の異動日（{to_wareki(v.valid_from)}）"
                                       "より前です。")
            break
    return _Targets(versions, household_id, {"person_ids": [v.person_id for v in versions]})


def _part(targets: _Targets) -> KindPart:
    targets.payload["household_id"] = targets.household_id
    return KindPart(payload=targets.payload, person_ids=targets.payload["person_ids"],
                    household_id=targets.household_id,
                    names=[f"{v.family_name}{v.given_name}" for v in targets.versions])


LATE_NOTIFICATION_DAYS = 14  # 住民基本台帳法 24条: 転出届 before the move or within 14 days of it


def validate_move_out(errors: Errors, inp: ChangeInput) -> KindPart:
    """転出: the chosen members and 転出先 (異動日 = 転出予定日, may be in the future). A 届出 more than
    14 days after the move is accepted but flagged for 職権 handling (届出期間経過)."""
    targets = _targets(errors, inp, source="persons")
    targets.payload["destination"] = normalise_stored(inp.data.get("destination", ""))
    if not targets.payload["destination"]:
        errors.add("destination", "転出先を入力してください（市区町村まで、または国外）。")
    if inp.notified_on and inp.effective_on:
        late = (inp.notified_on - inp.effective_on).days - LATE_NOTIFICATION_DAYS
        targets.payload["late_notification_days"] = max(0, late)
    return _part(targets)


def validate_death(errors: Errors, inp: ChangeInput) -> KindPart:
    """死亡: one person."""
    return _part(_targets(errors, inp, source="person"))


def validate_ex_officio_remove(errors: Errors, inp: ChangeInput) -> KindPart:
    """職権消除: one person."""
    return _part(_targets(errors, inp, source="person"))


def validate_relocation(errors: Errors, inp: ChangeInput) -> KindPart:
    """転居: the whole household, to a new address in the town."""
    targets = _targets(errors, inp, source="household")
    data, payload, versions = inp.data, targets.payload, targets.versions
    payload["address"] = normalise_stored(data.get("address", ""))
    if not payload["address"]:
        errors.add("address", "新しい住所を入力してください。")
    elif versions and payload["address"] == versions[0].address and \
            normalise_stored(data.get("katagaki", "")) == versions[0].katagaki:
        errors.add("address", "新しい住所が現在の住所と同じです。")
    for name in _ADDRESS_EXTRAS:
        payload[name] = normalise_stored(data.get(name, ""))
    return _part(targets)


def validate_household_split(errors: Errors, inp: ChangeInput) -> KindPart:
    """世帯分離: the chosen members (not all) form a new household with exactly one 世帯主."""
    targets = _targets(errors, inp, source="persons")
    versions = targets.versions
    targets.payload["relationships"] = relationship_map(errors, inp.data.get("relationships") or {}, versions,
                                                        need_head=True)
    if versions and len(versions) == len(household_members(versions[0].household_id)):
        errors.add("person_ids", "世帯全員を分離することはできません。")
    return _part(targets)


def validate_household_merge(errors: Errors, inp: ChangeInput) -> KindPart:
    """世帯合併: every member joins the target household, which keeps its 世帯主."""
    targets = _targets(errors, inp, source="household")
    target = parse_id(inp.data.get("target_household_id"))
    target_members = household_members(target) if target else []
    if not target_members or target == targets.household_id:
        errors.add("target_household_id", "合併先の世帯が見つかりません。")
    targets.payload["target_household_id"] = target
    rels = relationship_map(errors, inp.data.get("relationships") or {}, targets.versions, need_head=False)
    targets.payload["relationships"] = rels
    if any(r == HEAD for r in rels.values()) and target_members:
        errors.add("relationships", "合併先の世帯には既に世帯主がいます。")
    return _part(targets)


def validate_head_change(errors: Errors, inp: ChangeInput) -> KindPart:
    """世帯主変更: a new 続柄 for every member, exactly one 世帯主."""
    targets = _targets(errors, inp, source="household")
    targets.payload["relationships"] = relationship_map(errors, inp.data.get("relationships") or {},
                                                        targets.versions, need_head=True)
    return _part(targets)


def validate_ex_officio_correct(errors: Errors, inp: ChangeInput) -> KindPart:
    """職権修正: only the CORRECTABLE items given, each checked like on entry (標準仕様 1.1.6:
    required items stay non-blank; カナ in katakana; 生年月日 a real, past date)."""
    targets = _targets(errors, inp, source="person")
    targets.payload["fields"] = corrected_items(errors, inp.data.get("fields"), targets.versions)
    return _part(targets)


def corrected_items(errors: Errors, given, versions: list[PersonVersion] | None = None) -> dict[str, str]:
    """The CORRECTABLE items given (職権修正・誤記修正), each checked like on entry; at least one.
    With the person's current ``versions`` (職権修正), also 住民種別, 旧氏 and the 外国人住民 items."""
    given = given if isinstance(given, dict) else {}
    fields: dict[str, str] = {}
    labels = dict(NAME_ITEMS)
    for key in CORRECTABLE:
        if key not in given:
            continue
        value = given[key]
        if key in labels:
            fields[key] = name_item(errors, key, key, labels[key], value)
            continue
        if key == "birth_date":
            birth = birth_date_field(errors, "birth_date", stated_birth_date(given))
            fields.update(birth_date_items(birth) if birth is not None else {"birth_date": ""})
            continue
        if key == "sex" and str(value) not in ("1", "2"):
            errors.add("sex", "性別を選択してください。")
        elif key in ("honseki", "hittousha") and not normalise_stored(str(value or "")):
            label = "本籍" if key == "honseki" else "筆頭者"
            errors.add(key, f"{label}を入力してください（分からないときは「不明」、ないときは「なし」）。")
        fields[key] = normalise_stored(str(value))
    if versions is not None:
        _resident_kind_correction(errors, versions, given, fields)
    if not fields:
        errors.add("fields", "修正する項目を入力してください。")
    return fields


def _resident_kind_correction(errors: Errors, versions: list[PersonVersion], given: dict, fields: dict) -> None:
    """職権修正 of 住民種別, 旧氏 and the 外国人住民 items (services/foreign.py)."""
    from .foreign import clean_correction

    if versions:
        clean_correction(errors, versions[0], given, fields)


# --- 世帯主 leaving (標準仕様 1.4: one member left becomes 世帯主 by 職権; two or more: alert, 世帯主変更) ---

def head_departure_blocker(payload: dict) -> str | None:
    """Why a change that takes the 世帯主 out of a household cannot be approved yet: with two or
    more members remaining, a 世帯主変更 must be entered and approved first (with one remaining,
    that member becomes 世帯主 by 職権 when the change is applied). None when nothing blocks."""
    household_id = payload.get("household_id")
    leaving = set(payload.get("person_ids") or ())
    if not household_id or not leaving:
        return None
    members = household_members(int(household_id))
    remaining = [m for m in members if m.person_id not in leaving]
    if any(m.is_head and m.person_id in leaving for m in members) and len(remaining) >= 2:
        return (f"世帯主が世帯を離れ、{len(remaining)}人が残ります。先にこの世帯の世帯主変更を入力・決裁してから、"
                "この異動を決裁してください。")
    return None


# --- 再転入・特例転入: 転入 of former residents, 転入 from a 転出証明書情報 record -----------------------

def _returning(errors: Errors, inp: ChangeInput, people: list[dict]) -> list[int]:
    """再転入 (標準仕様 1.3 転入: 再転入): the persons named by ``person_id`` are former residents of this
    town (転出, 死亡, 職権消除 or 取消 earlier) who keep their 宛名番号. Refused for anyone on the register.
    Fills a blank 住民票コード from the person's record; a different one is refused (a 住民票コード
    変更 is not a 転入). Returns the ids; the caller must also have named them in ``person_ids``."""
    ids: list[int] = []
    for i, raw in enumerate(people):
        if raw.get("person_id") in (None, ""):
            continue
        pid = parse_id(raw.get("person_id"))
        person = Person.objects.filter(pk=pid).first() if pid is not None else None
        current = current_version(person.pk) if person else None
        if person is None or current is None:
            errors.add(f"p{i}_person_id", "以前の住民の記録が見つかりません。")
            continue
        if current.status in ON_REGISTER:
            errors.add(f"p{i}_person_id", f"{current.family_name}{current.given_name}さんは現在この町の住民です"
                                          "（再転入は消除された人に限ります）。")
            continue
        if pid in ids:
            errors.add(f"p{i}_person_id", "同じ人が2回入力されています。")
            continue
        code = str(raw.get("resident_code", "") or "").strip()
        if not code:
            raw["resident_code"] = person.resident_code
        elif code != person.resident_code:
            errors.add(f"p{i}_resident_code", "住民票コードが以前の記録と異なります（住民票コードの変更は再転入では扱いません）。")
        number = PersonalNumber.objects.filter(person=person).first()
        if number is not None and str(raw.get("my_number", "") or "").strip():
            given = str(raw["my_number"]).replace("-", "").replace(" ", "").strip()
            if crypto.decrypt(bytes(number.ciphertext), context=inp.town.code) != given:
                errors.add(f"p{i}_my_number", "個人番号が以前の記録と異なります。")
            raw["my_number"] = ""  # already on record
        ids.append(person.pk)
    return ids


def _named_persons(errors: Errors, data: dict, ids: list[int]) -> None:
    """The page names every existing person a change touches in ``person_ids`` (so that 支援措置 is
    checked on them before anything else); they must be exactly the persons the change finds."""
    posted = {parse_id(x) for x in id_list(data.get("person_ids"))}
    if posted != set(ids):
        errors.add("person_ids", "対象者の指定が入力内容と一致しません。")


def _move_in_with_returning(errors: Errors, inp: ChangeInput, data: dict) -> tuple[KindPart, list[int]]:
    people = [dict(p) for p in data.get("persons", []) if any(str(v).strip() for v in p.values())]
    ids = _returning(errors, inp, people)
    part = validate_move_in(errors, replace(inp, data={**data, "persons": people}))
    for raw, clean in zip(people, part.payload["persons"], strict=True):
        if raw.get("person_id") not in (None, "") and parse_id(raw["person_id"]) in ids:
            clean["person_id"] = parse_id(raw["person_id"])
    part.person_ids = ids
    part.payload["person_ids"] = ids
    _named_persons(errors, data, ids)
    return part, ids


def validate_re_move_in(errors: Errors, inp: ChangeInput) -> KindPart:
    """再転入: a 転入 in which at least one person is a former resident (same 宛名番号, new history rows);
    the others, if any, are new persons as in a 転入."""
    part, ids = _move_in_with_returning(errors, inp, inp.data)
    if not ids and "persons" not in errors.data:
        errors.add("persons", "再転入する以前の住民を選択してください（新しい人だけなら転入届で入力します）。")
    return part


def validate_special_move_in(errors: Errors, inp: ChangeInput) -> KindPart:
    """特例転入 (標準仕様 1.3 転入: 特例転入; 10.8 CSV取込): the persons and 転出証明書 items come from the
    転出証明書情報 record (``certificate_record``, see ``moveout_certificate``), not from typing; the page
    adds the new address and, per person, the 続柄 in the new household (default: the record's).
    A person whose 住民票コード is a former resident's is that person again (再転入)."""
    from .moveout_certificate import parse_record

    data = inp.data
    try:
        record = parse_record(data.get("certificate_record"))
    except ValidationError as exc:
        for message in exc.messages:
            errors.add("certificate_record", message)
        return KindPart(payload={})
    relationships = data.get("relationships")
    relationships = relationships if isinstance(relationships, dict) else {}
    people, overrides = [], {}
    for i, row in enumerate(record.persons):
        override = normalise_stored(str(relationships.get(str(i)) or ""))
        if override:
            overrides[str(i)] = override
        person = {**row, "relationship": override or row["relationship"]}
        match = Person.objects.filter(resident_code=row["resident_code"]).order_by("pk").first()
        if match is not None:
            current = current_version(match.pk)
            if current is not None and current.status in ON_REGISTER:
                errors.add("certificate_record", f"転出証明書情報 {i + 1}件目（住民票コード）: この住民票コードの人は"
                                                 "現在この町の住民です。")
            else:
                person["person_id"] = match.pk
        people.append(person)
    sub = {**data, "persons": people, "household_mode": "new", "previous_address": record.previous_address,
           "previous_town": record.previous_town, "moveout_certificate_no": record.certificate_no,
           "moveout_planned_on": record.moveout_planned_on.isoformat()}
    part, _ids = _move_in_with_returning(errors, inp, sub)
    part.payload.update(certificate_record=record.text, relationships=overrides)
    return part


# --- 世帯変更 --------------------------------------------------------------------------------------------

def validate_household_transfer(errors: Errors, inp: ChangeInput) -> KindPart:
    """世帯変更 (標準仕様 1.3 世帯変更等): some members (not all: that is 世帯合併) leave their household
    and join another existing one, at its address, with new 続柄; the target keeps its 世帯主 (a
    household without one may take one). The 世帯主 leaving is handled as for 世帯分離."""
    targets = _targets(errors, inp, source="persons")
    versions = targets.versions
    target = parse_id(inp.data.get("target_household_id"))
    target_members = household_members(target) if target else []
    if not target_members or target == targets.household_id:
        errors.add("target_household_id", "移る先の世帯が見つかりません。")
    targets.payload["target_household_id"] = target
    rels = relationship_map(errors, inp.data.get("relationships") or {}, versions, need_head=False)
    targets.payload["relationships"] = rels
    heads = sum(r == HEAD for r in rels.values())
    if heads and any(m.is_head for m in target_members):
        errors.add("relationships", "移る先の世帯には既に世帯主がいます。")
    elif heads > 1:
        errors.add("relationships", "世帯主は1人だけです。")
    if versions and len(versions) == len(household_members(versions[0].household_id)):
        errors.add("person_ids", "世帯全員が移るときは世帯合併を入力してください。")
    return _part(targets)


# --- 誤記修正 --------------------------------------------------------------------------------------------

ITEM_LABELS = {**dict(NAME_ITEMS), "birth_date": "生年月日", "sex": "性別", "honseki": "本籍", "hittousha": "筆頭者",
               "katagaki": "方書", "district": "行政区・地区", "postal_code": "郵便番号"}


def _stored(version: PersonVersion, key: str) -> str:
    value = getattr(version, key)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def validate_clerical_correction(errors: Errors, inp: ChangeInput) -> KindPart:
    """誤記修正 (標準仕様 1.3 職権修正: 誤記修正; 1.2.1: it adds a row, never overwrites): items that were
    entered wrongly in an earlier history row (``history_no``) are corrected by a new row naming that
    row. Each item must still hold the value of that row (else it was changed since: 職権修正) and the
    corrected value must differ from it."""
    targets = _targets(errors, inp, source="person")
    number = parse_id(inp.data.get("history_no"))
    row = None
    if targets.versions:
        current = targets.versions[0]
        if number is not None:
            row = PersonVersion.objects.filter(person_id=current.person_id, history_no=number).first()
        if row is None:
            errors.add("history_no", "誤記のある履歴番号が見つかりません。")
    fields = corrected_items(errors, inp.data.get("fields"))
    if row is not None:
        current = targets.versions[0]
        for key, value in fields.items():
            label = ITEM_LABELS.get(key)
            if label is None:  # derived with its item (生年月日の記載・精度 with 生年月日)
                continue
            if _stored(current, key) != _stored(row, key):
                errors.add(key, f"{label}は履歴番号{row.history_no}の後に変更されています（誤記修正ではなく職権修正で入力してください）。")
            elif value == _stored(row, key):
                errors.add(key, f"{label}が履歴番号{row.history_no}の記載と同じです。")
    targets.payload["fields"] = fields
    targets.payload["history_no"] = row.history_no if row is not None else None
    return _part(targets)


# --- 異動の取消し (取消(増)・取消(減)・取消(修正)) ----------------------------------------------------------

# 標準仕様 1.2.2 groups 異動事由 by effect: 記載 (the person is recorded), 消除 (removed), 修正. A 取消
# takes the group of its effect: cancelling a 記載 removes (取消(減)), cancelling a 消除 records again
# (取消(増)), cancelling a 修正 corrects (取消(修正)). A separate 転居取消 is prohibited: 転居 is a 修正.
RECORDING_KINDS = frozenset({ChangeKind.MOVE_IN, ChangeKind.BIRTH, ChangeKind.EX_OFFICIO_RECORD,
                             ChangeKind.RE_MOVE_IN, ChangeKind.SPECIAL_MOVE_IN})
REMOVING_KINDS = frozenset({ChangeKind.MOVE_OUT, ChangeKind.DEATH, ChangeKind.EX_OFFICIO_REMOVE})
CANCELLATION_KINDS = frozenset({ChangeKind.CANCEL_ADD, ChangeKind.CANCEL_REMOVE, ChangeKind.CANCEL_CORRECT})


def cancellation_kind_for(kind) -> ChangeKind | None:
    """The kind of 取消 that cancels a change of ``kind``; None when it cannot be cancelled
    (初期移行, or a 取消 itself: a wrong 取消 is put right by entering the change again)."""
    kind = ChangeKind(kind)
    if kind in CANCELLATION_KINDS or kind == ChangeKind.INITIAL_LOAD:
        return None
    if kind in RECORDING_KINDS:
        return ChangeKind.CANCEL_REMOVE
    if kind in REMOVING_KINDS:
        return ChangeKind.CANCEL_ADD
    return ChangeKind.CANCEL_CORRECT


def rows_before(change: Change) -> dict[int, PersonVersion | None]:
    """Per person the change gave rows: the row just before its first one (None: the change recorded
    the person), i.e. the state a 取消 restores."""
    firsts: dict[int, int] = {}
    for pid, no in PersonVersion.objects.filter(change=change).values_list("person_id", "history_no"):
        firsts[pid] = min(no, firsts.get(pid, no))
    return {pid: PersonVersion.objects.filter(person_id=pid, history_no__lt=no).order_by("-history_no").first()
            for pid, no in sorted(firsts.items())}


def validate_cancellation(errors: Errors, inp: ChangeInput) -> KindPart:
    """異動の取消し (標準仕様 1.3 異動の取消し; 1.2.1: it adds rows, never overwrites): an approved change
    (``change_id``) is cancelled by new rows restoring, for every person it touched, the state before
    it. Only the latest change of each of those persons may be cancelled. The kind must be the one of
    the change's group (``cancellation_kind_for``)."""
    cid = parse_id(inp.data.get("change_id"))
    change = Change.objects.filter(pk=cid, status=ChangeStatus.APPROVED).first() if cid is not None else None
    if change is None:
        errors.add("change_id", "取り消す異動が見つかりません（決裁済みの異動に限ります）。")
        return KindPart(payload={})
    expected = cancellation_kind_for(change.kind)
    if expected is None:
        errors.add("change_id", f"{change.get_kind_display()}は取り消せません。")
    elif expected != inp.kind:
        errors.add("change_id", f"この異動（{change.get_kind_display()}）の取消しは{expected.label}です。")
    before = rows_before(change)
    currents = {pid: current_version(pid) for pid in before}
    names = []
    for current in currents.values():
        assert current is not None  # the change gave this person rows
        names.append(f"{current.family_name}{current.given_name}")
        if current.change_id != change.pk:
            errors.add("change_id", f"{current.family_name}{current.given_name}さんには、この後の異動（"
                                    f"{current.change.get_kind_display()}、{to_wareki(current.valid_from)}）があります。"
                                    "取り消せるのは各人の最新の異動だけです。")
    # The restored state must still fit the households: one 世帯主 each (others may have moved in since).
    heads: dict[int, int] = {}
    for prior in before.values():
        if prior is not None and prior.status in ON_REGISTER and prior.is_head:
            heads[prior.household_id] = heads.get(prior.household_id, 0) + 1
    for household_id, count in heads.items():
        others = [m for m in household_members(household_id) if m.person_id not in before and m.is_head]
        if count + len(others) > 1:
            errors.add("change_id", "取り消すと世帯主が2人になる世帯があります。先に世帯主変更を入力してください。")
    _named_persons(errors, inp.data, list(before))
    payload = {"change_id": change.pk, "cancelled_kind": change.kind, "person_ids": list(before),
               "household_id": change.household_id, "cancelled_effective_on": change.effective_on.isoformat()}
    return KindPart(payload=payload, person_ids=list(before), household_id=change.household_id,
                    names=[f"{change.get_kind_display()} #{change.pk} の取消し", *names])
