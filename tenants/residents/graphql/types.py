"""The residents registry's API types (住民記録): persons (住民), households (世帯), their history
(履歴) and approved 異動. Address fields of a history row that shows a protected address are null
with ``addressWithheld``; persons covered by a 支援措置 are never returned (docs/api.md)."""

from __future__ import annotations

import datetime as dt

import graphene

from kyodo.api.types import CodeLabel, Node, connection, global_id
from kyodo.core import display

from ..dates import DatePrecision
from ..models import Change, ChangeKind, PersonVersion, ResidentStatus
from ..models import Household as HouseholdModel
from .dataloaders import loader, shown_persons


def _code(kind: str, code: str) -> CodeLabel | None:
    if not code:
        return None
    return CodeLabel(code=code, label=display.label(kind, code))


class Address(graphene.ObjectType):
    """住所: as recorded (住所・方書), with 郵便番号 and 行政区."""

    postal_code = graphene.String(required=True)
    address = graphene.String(required=True)
    katagaki = graphene.String(required=True, description="方書")
    district = graphene.String(required=True, description="行政区・地区")


def _address(v) -> Address | None:
    if getattr(v, "address_hidden", False):
        return None
    return Address(postal_code=v.postal_code, address=v.address, katagaki=v.katagaki, district=v.district)


class PersonFields:
    """The items of a 住民票 a vendor receives (not 住民票コード, 個人番号 or 本籍: docs/api.md)."""

    family_name = graphene.String(required=True, description="氏")
    given_name = graphene.String(required=True, description="名")
    family_name_kana = graphene.String(required=True, description="氏カナ")
    given_name_kana = graphene.String(required=True, description="名カナ")
    full_name = graphene.String(required=True, description="氏名, family name first")
    full_name_kana = graphene.String(required=True)
    birth_date = graphene.Date(description="生年月日; null when the day or month is 不詳 (see birthDateText)")
    birth_date_text = graphene.String(required=True, description="生年月日 as the register writes it")
    sex = graphene.Field(CodeLabel, description="性別")
    status = graphene.Field(CodeLabel, required=True, description="住民状態")
    relationship = graphene.String(required=True, description="続柄")
    is_household_head = graphene.Boolean(required=True)
    resident_kind = graphene.String(required=True, description="japanese or foreign")
    became_resident_on = graphene.Date(required=True, description="住民となった年月日")
    address_set_on = graphene.Date(required=True, description="住所を定めた年月日")
    address = graphene.Field(Address, description="null when withheld (addressWithheld)")
    address_withheld = graphene.Boolean(required=True)
    alphabet_name = graphene.String(required=True, description="外国人住民: 氏名（アルファベット）")
    alias_name = graphene.String(required=True, description="通称")
    nationality = graphene.Field(CodeLabel, description="国籍・地域")

    @staticmethod
    def resolve_full_name(v, info):
        return display.person_name(v)

    @staticmethod
    def resolve_full_name_kana(v, info):
        return display.person_name_kana(v)

    @staticmethod
    def resolve_birth_date(v, info):
        return v.birth_date if v.birth_date_precision == DatePrecision.EXACT else None

    @staticmethod
    def resolve_birth_date_text(v, info):
        from ..foreign import birth_date_display

        return birth_date_display(v)

    @staticmethod
    def resolve_sex(v, info):
        return _code("sex", v.sex)

    @staticmethod
    def resolve_status(v, info):
        return CodeLabel(code=v.status, label=ResidentStatus(v.status).label)

    @staticmethod
    def resolve_is_household_head(v, info):
        return v.is_head

    @staticmethod
    def resolve_address(v, info):
        return _address(v)

    @staticmethod
    def resolve_address_withheld(v, info):
        return bool(getattr(v, "address_hidden", False))

    @staticmethod
    def resolve_nationality(v, info):
        return _code("nationality", v.nationality)


class PersonRecord(PersonFields, graphene.ObjectType):
    """One row of a person's history (住民票の履歴): the state from ``validFrom`` on."""

    history_no = graphene.Int(required=True, description="履歴番号")
    valid_from = graphene.Date(required=True, description="異動日（適用日）")
    recorded_at = graphene.DateTime(required=True, description="処理日時")
    is_current = graphene.Boolean(required=True)
    change_kind = graphene.Field(CodeLabel, required=True, description="異動の種類")
    reason = graphene.Field(CodeLabel, description="異動事由")

    @staticmethod
    def resolve_change_kind(v, info):
        return CodeLabel(code=v.change.kind, label=ChangeKind(v.change.kind).label)

    @staticmethod
    def resolve_reason(v, info):
        return _code("change_reason", v.change.reason_code)


class Person(PersonFields, graphene.ObjectType):
    """住民: a person of the registry in their current state."""

    class Meta:
        interfaces = (Node,)
        possible_types = (PersonVersion,)

    atena_number = graphene.String(required=True, description="宛名番号")
    household = graphene.Field(lambda: Household, required=True)
    history = graphene.List(graphene.NonNull(PersonRecord), required=True,
                            description="Every history row, oldest first.")
    as_of = graphene.Field(PersonRecord, date=graphene.Date(required=True),
                           description="The record as it stood on that date (null before the first one).")

    @staticmethod
    def resolve_id(v, info):
        return global_id(info, "Person", v.person_id)

    @staticmethod
    def resolve_atena_number(v, info):
        return v.person.atena_number

    @staticmethod
    def resolve_household(v, info):
        return loader(info, "residents.households").load(v.household_id)

    @staticmethod
    def resolve_history(v, info):
        return loader(info, "residents.history").load(v.person_id, [])

    @staticmethod
    def resolve_as_of(v, info, date: dt.date):
        rows = [r for r in loader(info, "residents.history").load(v.person_id, []) if r.valid_from <= date]
        return rows[-1] if rows else None


class Household(graphene.ObjectType):
    """世帯: the persons living as one household now."""

    class Meta:
        interfaces = (Node,)
        possible_types = (HouseholdModel,)

    number = graphene.String(required=True, description="世帯番号")
    members = graphene.List(graphene.NonNull(Person), required=True,
                            description="Current members, head first (persons under a 支援措置 left out).")
    head = graphene.Field(Person, description="世帯主")

    @staticmethod
    def resolve_id(h, info):
        return global_id(info, "Household", h.pk)

    @staticmethod
    def _members(h, info) -> list[PersonVersion]:
        rows = shown_persons(info, list(loader(info, "residents.members").load(h.pk, [])))
        return sorted(rows, key=lambda v: (not v.is_head, v.person_id))

    @staticmethod
    def resolve_members(h, info):
        return Household._members(h, info)

    @staticmethod
    def resolve_head(h, info):
        return next((m for m in Household._members(h, info) if m.is_head), None)


class ResidentChange(graphene.ObjectType):
    """異動: an approved change of the registry (本登録済み)."""

    class Meta:
        interfaces = (Node,)
        possible_types = (Change,)

    kind = graphene.Field(CodeLabel, required=True, description="異動の種類")
    reason = graphene.Field(CodeLabel, description="異動事由")
    notified_on = graphene.Date(required=True, description="届出日")
    effective_on = graphene.Date(required=True, description="異動日")
    decided_at = graphene.DateTime(description="決裁日時")
    persons = graphene.List(graphene.NonNull(Person), required=True,
                            description="The persons concerned, in their current state.")

    @staticmethod
    def resolve_id(c, info):
        return global_id(info, "ResidentChange", c.pk)

    @staticmethod
    def resolve_kind(c, info):
        return CodeLabel(code=c.kind, label=ChangeKind(c.kind).label)

    @staticmethod
    def resolve_reason(c, info):
        return _code("change_reason", c.reason_code)

    @staticmethod
    def resolve_persons(c, info):
        current = loader(info, "residents.current")
        rows = [current.load(pid) for pid in c.person_ids]
        return shown_persons(info, [r for r in rows if r is not None])


PersonConnection = connection(Person, "Person", "A page of persons (住民), ordered by an internal key.")
HouseholdConnection = connection(Household, "Household", "A page of households (世帯).")
ResidentChangeConnection = connection(ResidentChange, "ResidentChange", "A page of approved 異動, oldest first.")
