"""Validation of 異動 input, per kind (run at 仮登録 and again at 決裁 against the registry as it is
then). Each ``validate_<kind>`` adds its errors to the shared ``Errors`` and returns a ``KindPart``;
the dates common to every kind are checked once, in ``changes.validate_change``."""

from __future__ import annotations

import base64
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import jaconv
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import crypto, numbers
from ..dates import parse_date, to_wareki
from ..models import ON_REGISTER, ChangeKind, Household, PersonVersion
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
    birth = date_field(errors, prefix + "birth_date", raw.get("birth_date"), "生年月日")
    if birth is not None:
        if birth > timezone.localdate():
            errors.add(prefix + "birth_date", "生年月日が未来の日付です。")
        elif effective_on is not None and effective_on < birth:
            errors.add("effective_on", "異動日が生年月日より前です。")
        out["birth_date"] = birth.isoformat()
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
    given = inp.data.get("fields") or {}
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
            parsed = date_field(errors, "birth_date", value, "生年月日")
            if parsed is not None and parsed > timezone.localdate():
                errors.add("birth_date", "生年月日が未来の日付です。")
            value = parsed.isoformat() if parsed else ""
        elif key == "sex" and str(value) not in ("1", "2"):
            errors.add("sex", "性別を選択してください。")
        elif key in ("honseki", "hittousha") and not normalise_stored(str(value or "")):
            label = "本籍" if key == "honseki" else "筆頭者"
            errors.add(key, f"{label}を入力してください（分からないときは「不明」、ないときは「なし」）。")
        fields[key] = normalise_stored(str(value))
    _resident_kind_correction(errors, targets.versions, given, fields)
    if not fields:
        errors.add("fields", "修正する項目を入力してください。")
    targets.payload["fields"] = fields
    return _part(targets)


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
