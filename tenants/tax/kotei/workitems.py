"""What deciding a 固定資産税 作業 does (called by tenants.tax.services.workitem_decide, same transaction).

評価変更 (a 登記済通知): 確定 applies the notice as registered — the new owners from the 登記年月日, a new
building, 分筆 into new parcels (評価額 shared by 地積), 合筆 (評価額 and 地積 summed), 地目変更, 滅失 (the
parcel is lost from that day); 修正して確定 does the same with the 評価額 (and for land the 地目 and 地積) staff
typed in ``values``; 却下 applies nothing. 住所変更 and 相続人代表者 作業 record the decision only (the
送付先 and the 代表者 are set on the owner's page)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from tenants.tax import audit
from tenants.tax.models import WorkKind, WorkStatus

from . import services
from .models import NoticeKind, Ownership, Parcel, ParcelKind, ParcelStatus, RegistryNotice


def _adjusted(values: dict, kind: str, notice_kind: str) -> dict:
    """The values staff typed (ASCII digits, ranges), errors by field."""
    found: dict = {}
    errors: dict[str, list[str]] = {}
    for field, parse in (("value", services.parse_yen), ("area", services.parse_area)):
        text = (values.get(field) or "").strip()
        if text:
            try:
                found[field] = parse(text, field)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    code = (values.get("category") or "").strip()
    if code:
        if kind != ParcelKind.LAND:
            errors["category"] = ["家屋の種類はここでは修正できません。"]
        else:
            try:
                found["category"] = services.check_category(ParcelKind.LAND, code)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if "value" not in found and notice_kind == NoticeKind.NEW_BUILDING:
        raise ValidationError({"value": ["新築家屋は評価額を入力して確定してください。"]})
    if not found:
        raise ValidationError({"value": ["修正する評価額・地目・地積を入力してください。"]})
    return found


def apply(item, *, actor, town, decision: str, values: dict) -> None:
    if item.kind == WorkKind.HEIR_REPRESENTATIVE and decision == WorkStatus.ADJUSTED:
        _heir(item, actor=actor, town=town, values=values)
        return
    if item.kind != WorkKind.REVALUATION or decision in (WorkStatus.REJECTED, WorkStatus.DISMISSED):
        if decision == WorkStatus.ADJUSTED:
            raise ValidationError({"decision": ["この作業は修正して確定できません。"]})
        return
    notice = RegistryNotice.objects.select_for_update().get(pk=int(item.proposed["notice"]))
    parcels = {p.pk: p for p in Parcel.objects.select_for_update().filter(pk__in=notice.parcel_ids)}
    for pid in notice.parcel_ids:
        if pid not in parcels or parcels[pid].status != ParcelStatus.ACTIVE:
            raise ValidationError({"parcel": ["対象の物件が既に滅失・閉鎖されています。却下してください。"]})
    kind = ParcelKind.BUILDING if notice.kind == NoticeKind.NEW_BUILDING else \
        (parcels[notice.parcel_ids[0]].kind if notice.parcel_ids else ParcelKind.LAND)
    adjusted = _adjusted(values, kind, notice.kind) if decision == WorkStatus.ADJUSTED else {}
    if notice.kind == NoticeKind.NEW_BUILDING and decision == WorkStatus.CONFIRMED:
        raise ValidationError({"value": ["新築家屋は評価額を入力して「修正して確定」してください。"]})
    on = notice.registered_on
    source = f"notice:{notice.pk}"
    v = notice.values
    changed: list[int] = []
    if notice.kind == NoticeKind.TRANSFER:
        parcel = parcels[notice.parcel_ids[0]]
        services.owners_transfer(parcel, _owners(v["owners"]), on, source=source)
        _set(parcel, adjusted)
        changed = [parcel.pk]
    elif notice.kind == NoticeKind.NEW_BUILDING:
        if Parcel.objects.filter(kind=ParcelKind.BUILDING, location=v["location"], number=v["number"],
                                 status=ParcelStatus.ACTIVE).exists():
            raise ValidationError({"number": [f"家屋 {v['location']} {v['number']} は既に課税台帳にあります。"]})
        parcel = Parcel.objects.create(kind=ParcelKind.BUILDING, location=v["location"], number=v["number"],
                                       category=v["category"], area=Decimal(adjusted.get("area", v["area"])),
                                       value=adjusted["value"], registered_on=on, origin=source,
                                       dwellings=1 if v["category"] in ("01", "03") else 0)
        services._owners_add(parcel, _owners(v["owners"]), on, source=source)
        changed = [parcel.pk]
    elif notice.kind == NoticeKind.SUBDIVISION:
        old = parcels[notice.parcel_ids[0]]
        total_value = adjusted.get("value", old.value)
        owners = [_owner_of(o) for o in Ownership.objects.filter(parcel=old, valid_until__isnull=True)]
        _close(old, on)
        results = v["results"]
        shares = _split(total_value, [Decimal(r["area"]) for r in results])
        for r, value in zip(results, shares, strict=True):
            area = Decimal(r["area"])
            housing = min(area, old.housing_area * area / old.area).quantize(Decimal("0.01")) if old.housing_area \
                else Decimal(0)
            new = Parcel.objects.create(kind=ParcelKind.LAND, location=old.location, number=r["number"],
                                        category=r.get("category") or old.category, area=area, value=value,
                                        previous_base=None, housing_area=housing, dwellings=old.dwellings,
                                        registered_on=on, origin=source)
            services._owners_add(new, owners, on, source=source)
            changed.append(new.pk)
    elif notice.kind == NoticeKind.MERGER:
        olds = [parcels[pid] for pid in notice.parcel_ids]
        first = olds[0]
        owners = [_owner_of(o) for o in Ownership.objects.filter(parcel=first, valid_until__isnull=True)]
        for old in olds:
            _close(old, on)
        new = Parcel.objects.create(kind=first.kind, location=first.location, number=v["number"],
                                    category=adjusted.get("category", first.category),
                                    area=adjusted.get("area", sum((p.area for p in olds), Decimal(0))),
                                    value=adjusted.get("value", sum(p.value for p in olds)),
                                    housing_area=sum((p.housing_area for p in olds), Decimal(0)),
                                    dwellings=max(p.dwellings for p in olds), registered_on=on, origin=source)
        services._owners_add(new, owners, on, source=source)
        changed = [new.pk]
    elif notice.kind == NoticeKind.CATEGORY_CHANGE:
        parcel = parcels[notice.parcel_ids[0]]
        parcel.category = adjusted.get("category", v["category"])
        if v.get("area"):
            parcel.area = Decimal(v["area"])
        if parcel.category != "03":
            parcel.housing_area, parcel.dwellings = Decimal(0), 0
        _set(parcel, adjusted)
        changed = [parcel.pk]
    elif notice.kind == NoticeKind.LOSS:
        parcel = parcels[notice.parcel_ids[0]]
        _close(parcel, on)
        changed = [parcel.pk]
    audit.record(town=town, actor=actor, action="kotei.notice.apply", person_id=item.person_id,
                 purpose="登記済通知の反映", notice=notice.pk, parcels=changed, decision=decision)


def _owners(rows: list[dict]) -> list[dict]:
    return [{**o, "share": tuple(o["share"])} for o in rows]


def _owner_of(o: Ownership) -> dict:
    return {"person_id": o.person_id, "atena_number": o.atena_number, "corporate_number": o.corporate_number,
            "name": o.name, "share": (o.share_numerator, o.share_denominator), "representative": o.is_representative,
            "manager_person_id": o.manager_person_id, "manager_name": o.manager_name,
            "manager_address": o.manager_address}


def _set(parcel: Parcel, adjusted: dict) -> None:
    for field in ("value", "area", "category"):
        if field in adjusted:
            setattr(parcel, field, adjusted[field])
    if parcel.housing_area > parcel.area:
        parcel.housing_area = parcel.area
    parcel.save()


def _close(parcel: Parcel, on: dt.date) -> None:
    """滅失・閉鎖 from ``on``: the parcel is no longer taxed from the next 賦課期日; its owners' rows end."""
    parcel.status, parcel.lost_on = ParcelStatus.LOST, on
    parcel.save(update_fields=["status", "lost_on", "updated_at"])
    Ownership.objects.filter(parcel=parcel, valid_until__isnull=True).update(valid_until=on)


def _split(total: int, areas: list[Decimal]) -> list[int]:
    """評価額 shared by 地積 (円未満切捨, the remainder to the first)."""
    whole = sum(areas)
    parts = [int(total * a / whole) for a in areas]
    parts[0] += total - sum(parts)
    return parts


def _heir(item, *, actor, town, values: dict) -> None:
    """相続人代表者の指定 (地方税法 第9条の2): the heir typed by 宛名番号 receives the notices for the deceased owner's
    parcels from now on (recorded as the 納税管理人 of the owner's current rows)."""
    from tenants.residents.models import Person, PersonVersion

    text = (values.get("atena") or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ValidationError({"atena": ["相続人代表者の宛名番号を半角数字で入力してください。"]})
    person = Person.objects.filter(atena_number=text).first()
    version = PersonVersion.objects.filter(person_id=person.pk, is_current=True).first() if person else None
    if person is None or version is None:
        raise ValidationError({"atena": [f"宛名番号 {text} はこの町の住民記録にありません。"]})
    if person.pk == item.person_id:
        raise ValidationError({"atena": ["亡くなった所有者本人は相続人代表者になれません。"]})
    rows = Ownership.objects.filter(person_id=item.person_id, valid_until__isnull=True)
    changed = rows.update(manager_person_id=person.pk, manager_name=f"{version.family_name} {version.given_name}"[:200],
                          manager_address="")
    audit.record(town=town, actor=actor, action="kotei.heir.set", person_id=item.person_id, persons=[person.pk],
                 purpose="相続人代表者の指定", ownerships=changed)
