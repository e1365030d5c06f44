"""juminzei: what the residents registry's events propose to 税務課 (ワンスオンリー).

For a taxpayer (納税義務者) of the event's fiscal year or the one before: 転出 and 転居 propose a 住所変更（送付先）
作業 with the new address (the 転出先, or the new 住所・方書), 死亡 proposes the 相続人代表者の指定 (地方税法
第9条の2). Nothing is applied here: staff confirm the 作業 (workitems.apply). The core WorkItem's unique key
(event, kind, person) makes a second run of the same event propose nothing more. Under a 支援措置 the 作業's
summary does not name the new address (the 作業一覧 shows it); the address is kept in the proposal only."""

from __future__ import annotations

import datetime as dt

from kyodo.identity.principal import SystemPrincipal
from tenants.residents import protection
from tenants.tax import audit
from tenants.tax.models import TaxKind, WorkItem, WorkKind

from . import residents_facts
from .models import Taxpayer

CONSUMER = "tax.juminzei"
HANDLED = {"residents.moved_out", "residents.relocated", "residents.died"}


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def on_residents_change(event, town) -> None:
    audit.assert_in_town(town)
    if event.event_type not in HANDLED or getattr(event, "schema_version", 1) != 1:
        return
    payload = event.payload or {}
    try:
        on = dt.date.fromisoformat(str(payload.get("effective_on")))
    except ValueError:
        on = dt.date.today()
    persons = [int(p) for p in payload.get("person_ids") or ()]
    if not persons:
        return
    year = fiscal_year_of(on)
    years: dict[int, list[int]] = {}
    atena: dict[int, str] = {}
    names: dict[int, str] = {}
    for pid, fy, number, name in Taxpayer.objects.filter(person_id__in=persons, fiscal_year__in=[year, year - 1]) \
            .values_list("person_id", "fiscal_year", "atena_number", "name"):
        years.setdefault(pid, []).append(fy)
        atena[pid], names[pid] = number, name
    if not years:
        return
    versions = residents_facts.current(years)
    hidden = protection.protected_person_ids(years)
    source = f"event:{event.event_id}"
    rows = []
    for pid in sorted(years):
        v = versions.get(pid)
        if event.event_type == "residents.died":
            died = v.valid_from.isoformat() if v is not None else on.isoformat()
            rows.append(WorkItem(kind=WorkKind.HEIR_REPRESENTATIVE, tax=TaxKind.JUMINZEI, person_id=pid,
                                 atena_number=atena[pid], subject_key=f"person:{pid}",
                                 proposed={"died_on": died, "fiscal_years": sorted(years[pid])},
                                 summary=f"相続人代表者の指定: {names[pid]}（{died} 死亡）"[:300], source_key=source,
                                 source_type=event.event_type))
            continue
        if v is None:
            continue
        if event.event_type == "residents.moved_out":
            address, katagaki = (v.destination or "").strip(), ""
        else:
            address, katagaki = v.address, v.katagaki or ""
        if not address:
            continue
        shown = "（支援措置の対象: 住所は表示しません）" if pid in hidden else f"{address} {katagaki}".strip()
        label = "転出" if event.event_type == "residents.moved_out" else "転居"
        rows.append(WorkItem(kind=WorkKind.ADDRESS_CHANGE, tax=TaxKind.JUMINZEI, person_id=pid,
                             atena_number=atena[pid], subject_key=f"person:{pid}",
                             proposed={"address": address, "katagaki": katagaki, "fiscal_years": sorted(years[pid])},
                             summary=f"送付先の変更（{label}）: {names[pid]} → {shown}"[:300], source_key=source,
                             source_type=event.event_type))
    existing = set(WorkItem.objects.filter(source_key=source, tax=TaxKind.JUMINZEI)
                   .values_list("kind", "subject_key"))
    rows = [r for r in rows if (r.kind, r.subject_key) not in existing]
    if not rows:
        return
    created = WorkItem.objects.bulk_create(rows, ignore_conflicts=True)
    audit.record(town=town, actor=SystemPrincipal(f"relay:{CONSUMER}", on_behalf_of=event.actor),
                 action="workitem.propose", persons=sorted(r.person_id for r in created if r.person_id),
                 purpose="住民異動からの作業の作成", event_id=str(event.event_id), event_type=event.event_type,
                 work_items=len(created))
