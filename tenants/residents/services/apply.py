"""Applying an approved 異動: new history rows (履歴) per affected person; nothing is overwritten.

Each ``apply_<kind>(change, clean, town)`` runs inside ``change_approve``'s transaction with the
payload just re-validated, and returns the ids of every person it gave a new row."""

from __future__ import annotations

import base64
import datetime as dt

from django.db.models import Max
from django.utils import timezone

from .. import crypto, foreign, numbers
from ..models import Change, Household, Person, PersonalNumber, PersonVersion, ResidentStatus
from ..search import search_keys
from .common import current_version, household_members, next_number
from .foreign import alias_history_write, version_values
from .validation import HEAD, rows_before


def _search_keys(values: dict) -> dict:
    return {**search_keys(family_name=values["family_name"], given_name=values["given_name"],
                          family_name_kana=values["family_name_kana"], given_name_kana=values["given_name_kana"]),
            **foreign.search_keys(alphabet_name=values.get("alphabet_name", ""),
                                  alias_name=values.get("alias_name", ""),
                                  alias_name_kana=values.get("alias_name_kana", ""))}


_COPIED = ("status", "household_id", "relationship", "family_name", "given_name", "family_name_kana",
           "given_name_kana", "birth_date", "birth_date_precision", "birth_date_note", "sex", "became_resident_on", "address_set_on", "notified_on",
           "address", "katagaki", "district", "postal_code", "honseki", "hittousha", "previous_address",
           "destination") + foreign.VERSION_ITEMS


def new_version(person_id: int, change: Change, *, valid_from: dt.date | None = None, **overrides) -> PersonVersion:
    """Add history row N+1 for a person: a copy of the current one with ``overrides`` applied, valid
    from the change's 異動日 (or ``valid_from``: a 取消 restores the state from the cancelled 異動日)."""
    current = current_version(person_id, lock=True)
    values = {name: getattr(current, name) for name in _COPIED} if current else {}
    values.update(overrides)
    for key in ("birth_date", "became_resident_on", "address_set_on", "notified_on"):
        if isinstance(values.get(key), str):
            values[key] = dt.date.fromisoformat(values[key])
    version_values(values)
    last = PersonVersion.objects.filter(person_id=person_id).aggregate(m=Max("history_no"))["m"] or 0
    if current:
        PersonVersion.objects.filter(pk=current.pk).update(is_current=False)
    effective = valid_from or change.effective_on
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


def _returning_person(town, data: dict) -> Person:
    """再転入: the former resident again (same 宛名番号); a 個人番号 is kept, or recorded if none was."""
    person = Person.objects.get(pk=data["person_id"])
    if data.get("my_number_enc") and not PersonalNumber.objects.filter(person=person).exists():
        blob = base64.b64decode(data["my_number_enc"])
        PersonalNumber.objects.create(person=person, ciphertext=blob,
                                      last4=crypto.decrypt(blob, context=town.code)[-4:])
    return person


def apply_new_persons(change: Change, clean: dict, town) -> list[int]:
    """転入・出生・職権記載 (and 再転入・特例転入): new persons, or former residents again (those with a
    ``person_id``), and a new household unless joining one."""
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
        person = _returning_person(town, data) if data.get("person_id") else _new_person(town, data)
        new_version(
            person.pk, change, status=ResidentStatus.RESIDENT, household_id=household.pk,
            relationship=data["relationship"], family_name=data["family_name"], given_name=data["given_name"],
            family_name_kana=data["family_name_kana"], given_name_kana=data["given_name_kana"],
            birth_date=data["birth_date"], birth_date_precision=data.get("birth_date_precision", "exact"),
            birth_date_note=data.get("birth_date_note", ""), sex=data["sex"], became_resident_on=effective,
            address_set_on=effective, notified_on=clean["notified_on"], honseki=data["honseki"],
            hittousha=data["hittousha"], previous_address=clean.get("previous_address", ""), destination="",
            **address, **_resident_kind_values(data),
        )
        _alias_recorded(change, person.pk, data, town, effective)
        touched.append(person.pk)
    return touched


def _resident_kind_values(data: dict) -> dict:
    """住民種別, 旧氏 and the 外国人住民 items of a new person (a payload from before they existed
    has none: a 日本人 record)."""
    values = {key: data.get(key) or "" for key in foreign.VERSION_ITEMS}
    values["resident_kind"] = values["resident_kind"] or foreign.ResidentKind.JAPANESE
    return values


def _alias_recorded(change: Change, person_id: int, data: dict, town, effective) -> None:
    """通称履歴 of a new person: its 記載 here on the 異動日, or when and where the 転出証明書 says."""
    if data.get("alias_name"):
        done_on = data.get("alias_recorded_on") or effective
        alias_history_write(change=change, person_id=person_id, before=("", ""),
                            after=(data["alias_name"], data.get("alias_name_kana", "")),
                            done_on=dt.date.fromisoformat(done_on) if isinstance(done_on, str) else done_on,
                            municipality=data.get("alias_recorded_municipality") or town.name)


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


def _remove(change: Change, clean: dict, status: ResidentStatus) -> list[int]:
    """The persons leave the registry with ``status``; if the head left and one member remains,
    that member becomes 世帯主."""
    ids = clean["person_ids"]
    promoted = _promote_sole_member(change, clean["household_id"], set(ids))
    for pid in ids:
        new_version(pid, change, status=status, destination=clean.get("destination", ""),
                    notified_on=clean["notified_on"])
    return ids + promoted


def apply_move_out(change: Change, clean: dict, town) -> list[int]:
    """転出: 住民状態 = 転出, with 転出先. With a 転出予定日 still to come, 転出予定: the persons stay
    residents (searchable, household members) until ``move_outs_complete`` runs on that date."""
    effective = dt.date.fromisoformat(clean["effective_on"])
    if effective > timezone.localdate():
        for pid in clean["person_ids"]:
            new_version(pid, change, status=ResidentStatus.MOVING_OUT, destination=clean.get("destination", ""),
                        notified_on=clean["notified_on"])
        return list(clean["person_ids"])
    return _remove(change, clean, ResidentStatus.MOVED_OUT)


def move_outs_complete(*, today: dt.date) -> list[int]:
    """転出予定日 reached: each 転出予定 person whose date has come leaves the registry (a history row
    of the same approved 転出, 住民状態 = 転出), and a sole remaining member becomes 世帯主 by 職権.
    Idempotent: a person already 転出 is not touched again. Returns the persons moved out."""
    due = list(PersonVersion.objects.filter(is_current=True, status=ResidentStatus.MOVING_OUT,
                                            valid_from__lte=today).select_related("change")
               .order_by("household_id", "person_id"))
    by_change: dict[int, list[PersonVersion]] = {}
    for version in due:
        by_change.setdefault(version.change_id, []).append(version)
    done: list[int] = []
    for versions in by_change.values():
        change = versions[0].change
        leaving = {v.person_id for v in versions}
        _promote_sole_member(change, versions[0].household_id, leaving)
        for v in versions:
            new_version(v.person_id, change, status=ResidentStatus.MOVED_OUT)
            done.append(v.person_id)
    return done


def apply_death(change: Change, clean: dict, town) -> list[int]:
    """死亡: 住民状態 = 死亡."""
    return _remove(change, clean, ResidentStatus.DECEASED)


def apply_ex_officio_remove(change: Change, clean: dict, town) -> list[int]:
    """職権消除: 住民状態 = 職権消除."""
    return _remove(change, clean, ResidentStatus.REMOVED)


def apply_relocation(change: Change, clean: dict, town) -> list[int]:
    """転居: the new address for every member (住所を定めた年月日 = 異動日)."""
    for pid in clean["person_ids"]:
        new_version(pid, change, address=clean["address"], katagaki=clean["katagaki"],
                    district=clean["district"], postal_code=clean["postal_code"],
                    address_set_on=clean["effective_on"], notified_on=clean["notified_on"])
    return clean["person_ids"]


def apply_household_split(change: Change, clean: dict, town) -> list[int]:
    """世帯分離: the chosen members form a new household with the 続柄 given."""
    ids = clean["person_ids"]
    promoted = _promote_sole_member(change, clean["household_id"], set(ids))
    household = _new_household()
    for pid in ids:
        new_version(pid, change, household_id=household.pk, relationship=clean["relationships"][str(pid)],
                    notified_on=clean["notified_on"])
    return ids + promoted


def apply_household_merge(change: Change, clean: dict, town) -> list[int]:
    """世帯合併: the members join the target household at its address, with the 続柄 given."""
    target = household_members(clean["target_household_id"])[0]
    for pid in clean["person_ids"]:
        new_version(pid, change, household_id=target.household_id,
                    relationship=clean["relationships"][str(pid)], address=target.address,
                    katagaki=target.katagaki, district=target.district, postal_code=target.postal_code,
                    notified_on=clean["notified_on"])
    return clean["person_ids"]


def apply_head_change(change: Change, clean: dict, town) -> list[int]:
    """世帯主変更: the new 続柄 of every member."""
    for pid in clean["person_ids"]:
        new_version(pid, change, relationship=clean["relationships"][str(pid)], notified_on=clean["notified_on"])
    return clean["person_ids"]


def apply_correction(change: Change, clean: dict, town) -> list[int]:
    """職権修正: the corrected items, as a new row (the old one stays in the history)."""
    for pid in clean["person_ids"]:
        before = current_version(pid)
        after = new_version(pid, change, **clean["fields"])
        if before is not None:  # 通称 記載/削除 (標準仕様 1.1.2: with the date and the 市区町村)
            alias_history_write(change=change, person_id=pid, before=(before.alias_name, before.alias_name_kana),
                                after=(after.alias_name, after.alias_name_kana), done_on=after.valid_from,
                                municipality=town.name)
    return clean["person_ids"]


def apply_household_transfer(change: Change, clean: dict, town) -> list[int]:
    """世帯変更: the members join the target household at its address with the 続柄 given (住所を定めた
    年月日 = 異動日 when the address changes); a sole member left behind becomes 世帯主."""
    ids = clean["person_ids"]
    promoted = _promote_sole_member(change, clean["household_id"], set(ids))
    target = household_members(clean["target_household_id"])[0]
    for pid in ids:
        current = current_version(pid)
        assert current is not None
        moved = (current.address, current.katagaki) != (target.address, target.katagaki)
        new_version(pid, change, household_id=target.household_id, relationship=clean["relationships"][str(pid)],
                    address=target.address, katagaki=target.katagaki, district=target.district,
                    postal_code=target.postal_code, notified_on=clean["notified_on"],
                    **({"address_set_on": clean["effective_on"]} if moved else {}))
    return ids + promoted


def apply_clerical_correction(change: Change, clean: dict, town) -> list[int]:
    """誤記修正: the corrected items as a new row naming the row that held the error."""
    for pid in clean["person_ids"]:
        new_version(pid, change, corrects_history_no=clean["history_no"], **clean["fields"])
    return clean["person_ids"]


def apply_cancellation(change: Change, clean: dict, town) -> list[int]:
    """取消: per person the cancelled change touched, a new row restoring the row before it (or, for
    a person the change recorded, 住民状態 = 取消), valid from the cancelled 異動日 and naming it."""
    cancelled = Change.objects.get(pk=clean["change_id"])
    for pid, prior in rows_before(cancelled).items():
        restored = {name: getattr(prior, name) for name in _COPIED} if prior else {"status": ResidentStatus.CANCELLED}
        new_version(pid, change, valid_from=cancelled.effective_on, cancels_change=cancelled, **restored)
    return clean["person_ids"]
