"""Writes to the residents registry. Each service is one transaction: validate, write, audit, outbox.

Every 異動 goes through ``change_submit`` (仮登録) and takes effect only in ``change_approve``
(審査・決裁 by another member of staff); ``change_reject`` records the reason. Nothing is overwritten:
approval adds a new PersonVersion (履歴) per affected person.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import unicodedata
from typing import Any

import jaconv
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import audit, crypto, events, numbers, permissions, protection
from .dates import parse_date
from .models import (
    Aggressor,
    Change,
    ChangeKind,
    ChangeStatus,
    Counter,
    Household,
    MeasureRequest,
    MeasureRequestKind,
    MeasureStatus,
    Person,
    PersonalNumber,
    PersonVersion,
    ResidentStatus,
    SupportMeasure,
)
from .search import fold_kana, fold_name, normalise_stored

REASON_CODES = {
    ChangeKind.MOVE_IN: "A01", ChangeKind.BIRTH: "A02", ChangeKind.EX_OFFICIO_RECORD: "A03",
    ChangeKind.MOVE_OUT: "B01", ChangeKind.DEATH: "B02", ChangeKind.EX_OFFICIO_REMOVE: "B03",
    ChangeKind.RELOCATION: "C01", ChangeKind.HOUSEHOLD_SPLIT: "C02", ChangeKind.HOUSEHOLD_MERGE: "C03",
    ChangeKind.HEAD_CHANGE: "C04", ChangeKind.EX_OFFICIO_CORRECT: "C06", ChangeKind.INITIAL_LOAD: "A03",
}
HEAD = "世帯主"
_KANA = re.compile(r"^[\u30a0-\u30ff \u3000]+$")
_REL_BASE = {"夫", "妻", "子", "父", "母", "兄", "姉", "弟", "妹"}
_REL_ALONE = {HEAD, "縁故者", "同居人", "妻（未届）", "夫（未届）"}
CORRECTABLE = ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
               "honseki", "hittousha", "katagaki", "district", "postal_code")


# --- small helpers -----------------------------------------------------------------------------

class _Errors:
    def __init__(self):
        self.data: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.data.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.data:
            raise ValidationError(self.data)


def _require(actor, town, check, what: str) -> None:
    audit.assert_in_town(town)
    if actor is None or not check(actor, town):
        raise PermissionDenied(f"{what}の権限がありません。")


def next_number(name: str) -> int:
    """採番 in this town's schema (row lock; no sequence shared across towns)."""
    Counter.objects.get_or_create(name=name)
    counter = Counter.objects.select_for_update().get(name=name)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


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


def _date(errors: _Errors, field: str, value, label: str) -> dt.date | None:
    try:
        return parse_date(value, label=label)
    except ValidationError as exc:
        errors.add(field, exc.messages[0])
        return None


def _current(person_id: int, *, lock: bool = False) -> PersonVersion | None:
    qs = PersonVersion.objects.filter(person_id=person_id, is_current=True)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def household_members(household_id: int) -> list[PersonVersion]:
    """Current resident members of a household, head first."""
    members = list(PersonVersion.objects.filter(household_id=household_id, is_current=True,
                                                status=ResidentStatus.RESIDENT).order_by("person_id"))
    return sorted(members, key=lambda v: (not v.is_head, v.person_id))


def _clean_person(errors: _Errors, prefix: str, raw: dict, *, effective_on, need_resident_code: bool,
                  town) -> dict:
    """One person's items for 転入・出生・職権記載 (field names are prefixed for the form)."""
    out: dict[str, Any] = {}
    for field, label in (("family_name", "氏"), ("given_name", "名"), ("family_name_kana", "氏カナ"),
                         ("given_name_kana", "名カナ")):
        value = normalise_stored(raw.get(field, ""))
        if not value:
            errors.add(prefix + field, f"{label}を入力してください。")
        elif field.endswith("_kana"):
            value = jaconv.hira2kata(unicodedata.normalize("NFKC", value))
            if not _KANA.match(value):
                errors.add(prefix + field, f"{label}はカタカナで入力してください。")
        out[field] = value
    birth = _date(errors, prefix + "birth_date", raw.get("birth_date"), "生年月日")
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


def _resident(errors: _Errors, field: str, person_id) -> PersonVersion | None:
    try:
        version = _current(int(person_id))
    except (TypeError, ValueError):
        version = None
    if version is None or version.status != ResidentStatus.RESIDENT:
        errors.add(field, "対象の住民が見つからないか、既に消除されています。")
        return None
    return version


def _relationship_map(errors: _Errors, raw: dict, members: list[PersonVersion], *, need_head: bool) -> dict:
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


# --- validation per kind (run at 仮登録 and again at 決裁 against the state at that moment) ----------

def _validate(kind: str, *, town, notified_on, effective_on, data: dict) -> tuple[dict, list[int], int | None, str]:
    errors = _Errors()
    today = timezone.localdate()
    notified = _date(errors, "notified_on", notified_on, "届出日")
    effective = _date(errors, "effective_on", effective_on, "異動日")
    if notified and notified > today:
        errors.add("notified_on", "届出日が未来の日付です。")
    if effective and effective > today and kind != ChangeKind.MOVE_OUT:
        errors.add("effective_on", "異動日が未来の日付です（未来の異動日は転出予定日のみ入力できます）。")
    if kind == ChangeKind.MOVE_IN and notified and effective and notified < effective:
        errors.add("notified_on", "届出日が異動日より前です（転入届は転入した日以後に受け付けます）。")
    clean: dict[str, Any] = {}
    person_ids: list[int] = []
    household_id: int | None = None
    summary = ""

    if kind in (ChangeKind.MOVE_IN, ChangeKind.EX_OFFICIO_RECORD, ChangeKind.BIRTH):
        raw_people = [dict(p) for p in data.get("persons", []) if any(str(v).strip() for v in p.values())]
        if kind == ChangeKind.BIRTH:
            raw_people = raw_people[:1]
            for p in raw_people:
                p["birth_date"] = effective.isoformat() if effective else ""
        if not raw_people:
            errors.add("persons", "異動する人を1人以上入力してください。")
        people = [_clean_person(errors, f"p{i}_", raw, effective_on=effective,
                                need_resident_code=kind == ChangeKind.MOVE_IN, town=town)
                  for i, raw in enumerate(raw_people)]
        clean["persons"] = people
        household_mode = data.get("household_mode") or ("existing" if kind == ChangeKind.BIRTH else "new")
        clean["household_mode"] = household_mode
        if household_mode == "existing":
            try:
                household = Household.objects.get(pk=int(data.get("household_id") or ""))
            except (TypeError, ValueError, Household.DoesNotExist):
                household = None
            if household is None or not household_members(household.pk):
                errors.add("household_id", "世帯が見つかりません。")
            else:
                household_id = household.pk
                clean["household_id"] = household.pk
        else:
            heads = [p for p in people if p.get("relationship") == HEAD]
            if people and len(heads) != 1:
                errors.add("persons", "新しい世帯では世帯主をちょうど1人入力してください。")
        if kind != ChangeKind.BIRTH:
            for field, label in (("address", "住所"),):
                value = normalise_stored(data.get(field, ""))
                if not value and household_mode == "new":
                    errors.add(field, f"{label}を入力してください。")
                clean[field] = value
            for field in ("katagaki", "district", "postal_code"):
                clean[field] = normalise_stored(data.get(field, ""))
        if kind == ChangeKind.MOVE_IN:
            # 転出証明書 (from the previous town): what it certifies is entered as received.
            clean["previous_address"] = normalise_stored(data.get("previous_address", ""))
            if not clean["previous_address"]:
                errors.add("previous_address", "転入前住所（転出証明書の住所）を入力してください。")
            clean["previous_town"] = normalise_stored(data.get("previous_town", ""))
            clean["moveout_certificate_no"] = normalise_stored(data.get("moveout_certificate_no", ""))
            planned = data.get("moveout_planned_on")
            if planned:
                planned_date = _date(errors, "moveout_planned_on", planned, "転出予定日")
                clean["moveout_planned_on"] = planned_date.isoformat() if planned_date else ""
        names = "、".join(f"{p.get('family_name', '')}{p.get('given_name', '')}" for p in people)
        summary = f"{ChangeKind(kind).label}: {names}"

    elif kind in (ChangeKind.MOVE_OUT, ChangeKind.DEATH, ChangeKind.EX_OFFICIO_REMOVE, ChangeKind.RELOCATION,
                  ChangeKind.HOUSEHOLD_SPLIT, ChangeKind.HOUSEHOLD_MERGE, ChangeKind.HEAD_CHANGE,
                  ChangeKind.EX_OFFICIO_CORRECT):
        raw_ids = data.get("person_ids") or []
        if kind in (ChangeKind.DEATH, ChangeKind.EX_OFFICIO_CORRECT, ChangeKind.EX_OFFICIO_REMOVE) \
                and data.get("person_id"):
            raw_ids = [data["person_id"]]
        if kind in (ChangeKind.RELOCATION, ChangeKind.HEAD_CHANGE, ChangeKind.HOUSEHOLD_MERGE):
            try:
                household_id = int(data.get("household_id") or "")
            except (TypeError, ValueError):
                household_id = None
            members = household_members(household_id) if household_id else []
            if not members:
                errors.add("household_id", "世帯が見つかりません。")
            raw_ids = [m.person_id for m in members]
        versions = [v for v in (_resident(errors, "person_ids", pid) for pid in raw_ids) if v]
        if not raw_ids:
            errors.add("person_ids", "対象の住民を選択してください。")
        if versions:
            households = {v.household_id for v in versions}
            if len(households) != 1:
                errors.add("person_ids", "同じ世帯の人を選択してください。")
            household_id = household_id or versions[0].household_id
        for v in versions:
            if effective and effective < v.birth_date:
                errors.add("effective_on", "異動日が生年月日より前です。")
                break
        person_ids = [v.person_id for v in versions]
        clean["person_ids"] = person_ids
        if kind == ChangeKind.MOVE_OUT:
            clean["destination"] = normalise_stored(data.get("destination", ""))
            if not clean["destination"]:
                errors.add("destination", "転出先を入力してください（市区町村まで、または国外）。")
        if kind == ChangeKind.RELOCATION:
            clean["address"] = normalise_stored(data.get("address", ""))
            if not clean["address"]:
                errors.add("address", "新しい住所を入力してください。")
            elif versions and clean["address"] == versions[0].address and \
                    normalise_stored(data.get("katagaki", "")) == versions[0].katagaki:
                errors.add("address", "新しい住所が現在の住所と同じです。")
            for field in ("katagaki", "district", "postal_code"):
                clean[field] = normalise_stored(data.get(field, ""))
        if kind in (ChangeKind.HOUSEHOLD_SPLIT, ChangeKind.HEAD_CHANGE):
            clean["relationships"] = _relationship_map(errors, data.get("relationships") or {}, versions,
                                                       need_head=True)
            if kind == ChangeKind.HOUSEHOLD_SPLIT and versions and \
                    len(versions) == len(household_members(versions[0].household_id)):
                errors.add("person_ids", "世帯全員を分離することはできません。")
        if kind == ChangeKind.HOUSEHOLD_MERGE:
            try:
                target = int(data.get("target_household_id") or "")
            except (TypeError, ValueError):
                target = None
            target_members = household_members(target) if target else []
            if not target_members or target == household_id:
                errors.add("target_household_id", "合併先の世帯が見つかりません。")
            clean["target_household_id"] = target
            clean["relationships"] = _relationship_map(errors, data.get("relationships") or {}, versions,
                                                       need_head=False)
            if any(r == HEAD for r in clean["relationships"].values()) and target_members:
                errors.add("relationships", "合併先の世帯には既に世帯主がいます。")
        if kind == ChangeKind.EX_OFFICIO_CORRECT:
            fields = {}
            for key in CORRECTABLE:
                if key in (data.get("fields") or {}):
                    value = data["fields"][key]
                    if key == "birth_date":
                        parsed = _date(errors, "birth_date", value, "生年月日")
                        value = parsed.isoformat() if parsed else ""
                    elif key == "sex" and str(value) not in ("1", "2"):
                        errors.add("sex", "性別を選択してください。")
                    fields[key] = normalise_stored(str(value))
            if not fields:
                errors.add("fields", "修正する項目を入力してください。")
            clean["fields"] = fields
        clean["household_id"] = household_id
        names = "、".join(f"{v.family_name}{v.given_name}" for v in versions)
        summary = f"{ChangeKind(kind).label}: {names}"
    else:
        errors.add("kind", "異動の種類が正しくありません。")
    errors.raise_if_any()
    assert notified is not None and effective is not None  # guaranteed once no error was recorded
    clean["notified_on"] = notified.isoformat()
    clean["effective_on"] = effective.isoformat()
    return clean, person_ids, household_id, summary


# --- 仮登録 / 決裁 / 差戻し ----------------------------------------------------------------------

def _refuse_protected(actor, town, data: dict) -> None:
    """A change touching a protected household needs an exception first: otherwise even its
    validation messages (e.g. "same address as now") would tell something about the record."""
    ids: set[int] = set()
    for key in ("person_ids",):
        ids |= {int(p) for p in data.get(key) or [] if str(p).isdigit()}
    if str(data.get("person_id", "")).isdigit():
        ids.add(int(data["person_id"]))
    for key in ("household_id", "target_household_id"):
        if str(data.get(key) or "").isdigit():
            ids |= {m.person_id for m in household_members(int(data[key]))}
    protection.refuse_if_blocked(town=town, actor=actor, person_ids=ids, channel="change")


def change_submit(*, actor, town, kind: str, notified_on, effective_on, data: dict) -> Change:
    """異動の仮登録: validated and saved, but invisible in the registry until approved."""
    _require(actor, town, permissions.can_enter_change, "異動の入力")
    if kind not in ChangeKind.values or kind == ChangeKind.INITIAL_LOAD:
        raise ValidationError({"kind": ["異動の種類が正しくありません。"]})
    _refuse_protected(actor, town, data)
    clean, person_ids, household_id, summary = _validate(
        kind, town=town, notified_on=notified_on, effective_on=effective_on, data=dict(data))
    with transaction.atomic():
        change = Change.objects.create(
            kind=kind, notified_on=clean["notified_on"], effective_on=clean["effective_on"],
            reason_code=REASON_CODES[ChangeKind(kind)], payload=clean, summary=summary[:300],
            household_id=household_id, person_ids=person_ids,
            entered_by_id=actor.pk, entered_by_username=actor.username,
        )
        audit.record(town=town, actor=actor, action="change.submit", persons=person_ids,
                     purpose=ChangeKind(kind).label, change_id=change.pk, kind=kind)
    return change


def change_reject(*, actor, town, change: Change, reason: str) -> Change:
    """差戻し: the change is closed without effect; the reason is kept and shown to the entrant."""
    _require(actor, town, permissions.can_approve_changes, "審査・決裁")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["差戻しの理由を入力してください。"]})
    with transaction.atomic():
        change = Change.objects.select_for_update().get(pk=change.pk)
        if change.status != ChangeStatus.PENDING:
            raise ValidationError({"status": ["この異動は既に処理済みです。"]})
        if change.entered_by_id == actor.pk:
            raise ValidationError({"decided_by": ["自分が入力した異動は審査できません。"]})
        change.status = ChangeStatus.REJECTED
        change.rejection_reason = reason[:500]
        change.decided_by_id, change.decided_by_username = actor.pk, actor.username
        change.decided_at = timezone.now()
        change.save()
        audit.record(town=town, actor=actor, action="change.reject", persons=change.person_ids,
                     purpose="審査・決裁", change_id=change.pk, reason=reason[:500])
    return change


def change_approve(*, actor, town, change: Change) -> Change:
    """決裁: another member of staff approves; the change is re-validated against today's registry,
    applied as new history rows, audited, and its events written to the outbox, all at once."""
    _require(actor, town, permissions.can_approve_changes, "審査・決裁")
    with transaction.atomic():
        change = Change.objects.select_for_update().get(pk=change.pk)
        if change.status != ChangeStatus.PENDING:
            raise ValidationError({"status": ["この異動は既に処理済みです。"]})
        if change.entered_by_id == actor.pk:
            raise ValidationError({"decided_by": ["自分が入力した異動は審査できません（別の職員が決裁します）。"]})
        if change.person_ids:
            list(Person.objects.select_for_update().filter(pk__in=change.person_ids))
        clean, _, _, _ = _validate(change.kind, town=town, notified_on=change.notified_on,
                                   effective_on=change.effective_on, data=dict(change.payload))
        touched = _APPLY[ChangeKind(change.kind)](change, clean, town)
        change.status = ChangeStatus.APPROVED
        change.decided_by_id, change.decided_by_username = actor.pk, actor.username
        change.decided_at = timezone.now()
        change.person_ids = sorted(set(change.person_ids) | set(touched))
        change.save()
        audit.record(town=town, actor=actor, action="change.approve", persons=change.person_ids,
                     purpose="審査・決裁", change_id=change.pk, kind=change.kind)
        payload = {"change_id": change.pk, "kind": change.kind, "effective_on": change.effective_on.isoformat()
                   if isinstance(change.effective_on, dt.date) else change.effective_on,
                   "person_ids": change.person_ids, "household_id": change.household_id}
        events.emit(events.CHANGE_APPROVED, town=town, aggregate_id=change.pk, **payload)
        events.emit(events.KIND_EVENTS[change.kind], town=town, aggregate_id=change.pk, **payload)
    return change


# --- applying an approved change -----------------------------------------------------------------

def _search_keys(values: dict) -> dict:
    return {
        "kana_full": fold_kana(values["family_name_kana"] + values["given_name_kana"]),
        "kana_given": fold_kana(values["given_name_kana"]),
        "name_full": fold_name(values["family_name"] + values["given_name"]),
        "name_given": fold_name(values["given_name"]),
    }


_COPIED = ("status", "household_id", "relationship", "family_name", "given_name", "family_name_kana",
           "given_name_kana", "birth_date", "sex", "became_resident_on", "address_set_on", "notified_on",
           "address", "katagaki", "district", "postal_code", "honseki", "hittousha", "previous_address",
           "destination")


def new_version(person_id: int, change: Change, **overrides) -> PersonVersion:
    """Add history row N+1 for a person: a copy of the current one with ``overrides`` applied."""
    current = _current(person_id, lock=True)
    values = {name: getattr(current, name) for name in _COPIED} if current else {}
    values.update(overrides)
    for key in ("birth_date", "became_resident_on", "address_set_on", "notified_on"):
        if isinstance(values.get(key), str):
            values[key] = dt.date.fromisoformat(values[key])
    last = PersonVersion.objects.filter(person_id=person_id).aggregate(m=Max("history_no"))["m"] or 0
    if current:
        PersonVersion.objects.filter(pk=current.pk).update(is_current=False)
    effective = change.effective_on
    if isinstance(effective, str):
        effective = dt.date.fromisoformat(effective)
    return PersonVersion.objects.create(
        person_id=person_id, history_no=last + 1, change=change, valid_from=effective, is_current=True,
        **values, **_search_keys(values),
    )


def _new_household() -> Household:
    return Household.objects.create(number=numbers.with_check_digit(next_number("household"), 9))


def _new_person(town, data: dict) -> Person:
    person = Person.objects.create(
        atena_number=numbers.with_check_digit(next_number("atena"), 9),
        resident_code=data.get("resident_code") or numbers.stand_in_resident_code(),
    )
    if data.get("my_number_enc"):
        blob = base64.b64decode(data["my_number_enc"])
        PersonalNumber.objects.create(person=person, ciphertext=blob,
                                      last4=crypto.decrypt(blob, context=town.code)[-4:])
    return person


def _apply_record(change: Change, clean: dict, town) -> list[int]:
    """転入・出生・職権記載: new persons (and a new household unless joining one)."""
    effective = clean["effective_on"]
    if clean.get("household_mode") == "existing":
        household = Household.objects.get(pk=clean["household_id"])
        base = household_members(household.pk)[0]
        address = {k: getattr(base, k) for k in ("address", "katagaki", "district", "postal_code")}
    else:
        household = _new_household()
        address = {k: clean.get(k, "") for k in ("address", "katagaki", "district", "postal_code")}
    change.household = household
    touched = []
    for data in clean["persons"]:
        person = _new_person(town, data)
        new_version(
            person.pk, change, status=ResidentStatus.RESIDENT, household_id=household.pk,
            relationship=data["relationship"], family_name=data["family_name"], given_name=data["given_name"],
            family_name_kana=data["family_name_kana"], given_name_kana=data["given_name_kana"],
            birth_date=data["birth_date"], sex=data["sex"], became_resident_on=effective,
            address_set_on=effective, notified_on=clean["notified_on"], honseki=data["honseki"],
            hittousha=data["hittousha"], previous_address=clean.get("previous_address", ""), destination="",
            **address,
        )
        touched.append(person.pk)
    return touched


def _promote_sole_member(change: Change, household_id: int, leaving: set[int]) -> list[int]:
    """標準仕様: when the 世帯主 leaves and one member remains, that member becomes 世帯主 (職権).
    With two or more remaining the household stays without a head until a 世帯主変更."""
    members = household_members(household_id)
    if any(m.is_head and m.person_id in leaving for m in members):
        remaining = [m for m in members if m.person_id not in leaving]
        if len(remaining) == 1:
            new_version(remaining[0].person_id, change, relationship=HEAD)
            return [remaining[0].person_id]
    return []


def _apply_remove(change: Change, clean: dict, town) -> list[int]:
    status = {ChangeKind.MOVE_OUT: ResidentStatus.MOVED_OUT, ChangeKind.DEATH: ResidentStatus.DECEASED,
              ChangeKind.EX_OFFICIO_REMOVE: ResidentStatus.REMOVED}[ChangeKind(change.kind)]
    ids = clean["person_ids"]
    promoted = _promote_sole_member(change, clean["household_id"], set(ids))
    for pid in ids:
        new_version(pid, change, status=status, destination=clean.get("destination", ""),
                    notified_on=clean["notified_on"])
    return ids + promoted


def _apply_relocation(change: Change, clean: dict, town) -> list[int]:
    for pid in clean["person_ids"]:
        new_version(pid, change, address=clean["address"], katagaki=clean["katagaki"],
                    district=clean["district"], postal_code=clean["postal_code"],
                    address_set_on=clean["effective_on"], notified_on=clean["notified_on"])
    return clean["person_ids"]


def _apply_split(change: Change, clean: dict, town) -> list[int]:
    ids = clean["person_ids"]
    promoted = _promote_sole_member(change, clean["household_id"], set(ids))
    household = _new_household()
    for pid in ids:
        new_version(pid, change, household_id=household.pk, relationship=clean["relationships"][str(pid)],
                    notified_on=clean["notified_on"])
    return ids + promoted


def _apply_merge(change: Change, clean: dict, town) -> list[int]:
    target = household_members(clean["target_household_id"])[0]
    for pid in clean["person_ids"]:
        new_version(pid, change, household_id=target.household_id,
                    relationship=clean["relationships"][str(pid)], address=target.address,
                    katagaki=target.katagaki, district=target.district, postal_code=target.postal_code,
                    notified_on=clean["notified_on"])
    return clean["person_ids"]


def _apply_head_change(change: Change, clean: dict, town) -> list[int]:
    for pid in clean["person_ids"]:
        new_version(pid, change, relationship=clean["relationships"][str(pid)], notified_on=clean["notified_on"])
    return clean["person_ids"]


def _apply_correct(change: Change, clean: dict, town) -> list[int]:
    for pid in clean["person_ids"]:
        new_version(pid, change, **clean["fields"])
    return clean["person_ids"]


_APPLY = {
    ChangeKind.MOVE_IN: _apply_record, ChangeKind.BIRTH: _apply_record, ChangeKind.EX_OFFICIO_RECORD: _apply_record,
    ChangeKind.MOVE_OUT: _apply_remove, ChangeKind.DEATH: _apply_remove, ChangeKind.EX_OFFICIO_REMOVE: _apply_remove,
    ChangeKind.RELOCATION: _apply_relocation, ChangeKind.HOUSEHOLD_SPLIT: _apply_split,
    ChangeKind.HOUSEHOLD_MERGE: _apply_merge, ChangeKind.HEAD_CHANGE: _apply_head_change,
    ChangeKind.EX_OFFICIO_CORRECT: _apply_correct,
}


# --- 支援措置 -------------------------------------------------------------------------------------

def support_measure_create(*, actor, town, person_id: int, starts_on, ends_on=None, note: str = "",
                           aggressors: list[dict] | None = None) -> SupportMeasure:
    """支援措置の開始: effective at once (protection errs on the safe side; ending needs two people)."""
    _require(actor, town, permissions.can_manage_measures, "支援措置の登録")
    errors = _Errors()
    if not Person.objects.filter(pk=person_id).exists():
        errors.add("person_id", "対象の住民が見つかりません。")
    start = _date(errors, "starts_on", starts_on, "開始日")
    end = None
    if ends_on:
        end = _date(errors, "ends_on", ends_on, "終了予定日")
    elif start:
        # 標準仕様: 1 year, filled in from the start date and editable.
        try:
            end = start.replace(year=start.year + 1) - dt.timedelta(days=1)
        except ValueError:
            end = start + dt.timedelta(days=364)
    if start and end and end < start:
        errors.add("ends_on", "終了予定日が開始日より前です。")
    clean_aggressors = []
    for i, raw in enumerate(aggressors or []):
        name = normalise_stored(raw.get("name", ""))
        if not name:
            errors.add(f"aggressor{i}_name", "加害者の氏名を入力してください。")
        clean_aggressors.append({**raw, "name": name})
    errors.raise_if_any()
    assert start is not None and end is not None  # guaranteed once no error was recorded
    with transaction.atomic():
        measure = SupportMeasure.objects.create(
            person_id=person_id, starts_on=start, ends_on=end, note=note[:500],
            created_by_id=actor.pk, created_by_username=actor.username)
        for raw in clean_aggressors:
            Aggressor.objects.create(measure=measure, name=raw["name"], name_kana=raw.get("name_kana", ""),
                                     birth_date=raw.get("birth_date") or None, person_id=raw.get("person_id"),
                                     note=raw.get("note", ""))
        audit.record(town=town, actor=actor, action="support_measure.create", person_id=person_id,
                     purpose="支援措置", measure_id=measure.pk)
    return measure


def support_measure_request(*, actor, town, measure: SupportMeasure, kind: str, purpose: str) -> MeasureRequest:
    """Ask for a temporary exception (一時解除) or for the end of a measure; a second person decides."""
    _require(actor, town, permissions.can_read, "支援措置の申請")
    if kind not in MeasureRequestKind.values:
        raise ValidationError({"kind": ["申請の種類が正しくありません。"]})
    if not (purpose or "").strip():
        raise ValidationError({"purpose": ["理由・目的を入力してください。"]})
    if measure.status != MeasureStatus.ACTIVE:
        raise ValidationError({"measure": ["この支援措置は既に終了しています。"]})
    with transaction.atomic():
        request = MeasureRequest.objects.create(
            measure=measure, kind=kind, purpose=purpose.strip()[:500],
            requested_by_id=actor.pk, requested_by_username=actor.username)
        audit.record(town=town, actor=actor, action=f"support_measure.{kind}_request",
                     person_id=measure.person_id, purpose=purpose[:200], request_id=request.pk)
    return request


def support_measure_decide(*, actor, town, request: MeasureRequest, approve: bool,
                           valid_minutes: int = 60) -> MeasureRequest:
    """The second approver: never the requester. An approved exception lets only the requester see
    the protected address, for ``valid_minutes``; an approved end ends the measure."""
    _require(actor, town, permissions.can_manage_measures, "支援措置の決裁")
    with transaction.atomic():
        request = MeasureRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ChangeStatus.PENDING:
            raise ValidationError({"status": ["この申請は既に処理済みです。"]})
        if request.requested_by_id == actor.pk:
            raise ValidationError({"decided_by": ["自分の申請は決裁できません（別の職員が決裁します）。"]})
        measure = SupportMeasure.objects.select_for_update().get(pk=request.measure_id)
        request.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        request.decided_by_id, request.decided_by_username = actor.pk, actor.username
        request.decided_at = timezone.now()
        if approve and request.kind == MeasureRequestKind.EXCEPTION:
            request.expires_at = request.decided_at + dt.timedelta(minutes=max(1, min(valid_minutes, 24 * 60)))
        request.save()
        if approve and request.kind == MeasureRequestKind.END:
            measure.status = MeasureStatus.ENDED
            measure.ended_at = timezone.now()
            measure.save(update_fields=["status", "ended_at"])
        audit.record(town=town, actor=actor, action=f"support_measure.{request.kind}_"
                     f"{'approve' if approve else 'reject'}", person_id=measure.person_id,
                     purpose=request.purpose[:200], request_id=request.pk,
                     requested_by=request.requested_by_username)
    return request


def blocked_attempt_acknowledge(*, actor, town, attempt) -> None:
    _require(actor, town, permissions.can_supervise, "警告の確認")
    with transaction.atomic():
        attempt.acknowledged_by_username = actor.username
        attempt.acknowledged_at = timezone.now()
        attempt.save(update_fields=["acknowledged_by_username", "acknowledged_at"])
        audit.record(town=town, actor=actor, action="blocked_attempt.acknowledge", person_id=attempt.person_id,
                     attempt_id=attempt.pk)
