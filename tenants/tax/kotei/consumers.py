"""kotei: what the residents registry's approved 異動 propose to 税務課 (固定資産税).

An owner (or co-owner) of a current parcel who moves out or moves within the town → a 住所変更（送付先）作業;
an owner who dies → a 相続人代表者の指定 作業 (the notice goes to the heirs' representative from then on,
地方税法 第9条の2). Nothing is changed here; staff decide each 作業. ``(event, kind, person)`` is unique, so the
same event handled twice proposes nothing twice."""

from __future__ import annotations

from kyodo.identity.principal import SystemPrincipal
from tenants.tax import audit
from tenants.tax.models import TaxKind, WorkItem, WorkKind

from .models import Ownership

CONSUMER = "tax.kotei"
_KINDS = {"residents.moved_out": (WorkKind.ADDRESS_CHANGE, "転出"),
          "residents.relocated": (WorkKind.ADDRESS_CHANGE, "転居"),
          "residents.died": (WorkKind.HEIR_REPRESENTATIVE, "死亡")}


def on_residents_change(event, town) -> None:
    audit.assert_in_town(town)
    if event.event_type not in _KINDS or getattr(event, "schema_version", 1) != 1:
        return
    kind, label = _KINDS[event.event_type]
    persons = {int(p) for p in event.payload.get("person_ids") or ()}
    if not persons:
        return
    owned: dict[int, list[tuple]] = {}
    for person_id, atena, name, parcel_id in (Ownership.objects.filter(person_id__in=persons, valid_until__isnull=True,
                                                                        parcel__status="active")
                                              .values_list("person_id", "atena_number", "name", "parcel_id")):
        owned.setdefault(int(person_id or 0), []).append((atena, name, parcel_id))
    if not owned:
        return
    effective = str(event.payload.get("effective_on", ""))
    rows = []
    for person_id, parcels in sorted(owned.items()):
        atena, name = parcels[0][0], parcels[0][1]
        what = "送付先の変更" if kind == WorkKind.ADDRESS_CHANGE else "相続人代表者の指定"
        rows.append(WorkItem(kind=kind, tax=TaxKind.KOTEI, person_id=person_id, atena_number=atena,
                             subject_key=f"person:{person_id}",
                             proposed={"event": label, "effective_on": effective,
                                       "parcels": sorted(p[2] for p in parcels)},
                             summary=f"{what}: {name}（{label} {effective}、所有物件 {len(parcels)}件）"[:300],
                             source_key=f"event:{event.event_id}", source_type=event.event_type))
    created = WorkItem.objects.bulk_create(rows, ignore_conflicts=True)
    audit.record(town=town, actor=SystemPrincipal(f"relay:{CONSUMER}", on_behalf_of=getattr(event, "actor", None)),
                 action="workitem.propose", persons=sorted(owned), purpose=f"住民異動（{label}）に伴う固定資産税の作業",
                 event=str(event.event_id), count=len(created))
