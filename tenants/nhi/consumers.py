"""ワンスオンリー: the residents registry's approved 異動 become proposed 作業 (work items) in 国保.

Nothing is applied here: staff confirm each 作業 (services.workitem_confirm). The relay calls
``on_residents_change(event, town)`` in the town's schema, once per event (HandledEvent); WorkItem's
unique key (event, kind, person) makes a second run of the same event propose nothing more.

喪失日 (国民健康保険法8条1項): the day after the day the person stops having an address — for 転出 the day
after the 転出日 (予定日), for 死亡 the day after the date of death (the proviso for a new address in another
都道府県 from the same day is left to staff, docs/nhi.md). 取得日 (法7条): the day the person comes to have an
address — the 転入日, the date of birth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet

from kyodo.identity.principal import SystemPrincipal

from . import audit, residents_facts, services
from .models import AcquisitionReason, LossReason, Payer, WorkKind

CONSUMER = "nhi.enrol"


def _on(payload: dict) -> dt.date:
    return dt.date.fromisoformat(str(payload["effective_on"]))


def _name(person_id: int) -> str:
    v = residents_facts.current(person_id)
    return f"{v.family_name} {v.given_name}" if v else f"宛名番号 {residents_facts.atena_of(person_id)}"


def on_residents_change(event, town) -> None:
    handler = _HANDLERS.get(event.event_type)
    if handler is None or event.schema_version != 1:
        return
    proposed = [item for item in handler(event, town) if item is not None]
    if proposed:
        actor = SystemPrincipal(f"relay:{CONSUMER}", on_behalf_of=event.actor)
        audit.record(town=town, actor=actor, action="workitem.propose", persons=[i.person_id for i in proposed],
                     purpose="住民異動からの作業の作成", event_id=event.event_id, event_type=event.event_type,
                     work_item_ids=[i.pk for i in proposed])


def _acquire(event, town, person_id: int, household_id: int, on: dt.date, reason: AcquisitionReason):
    if services.is_insured(person_id):
        return None
    return services.workitem_propose(
        town=town, event=event, kind=WorkKind.ACQUIRE, person_id=person_id, household_id=household_id,
        proposed={"date": on.isoformat(), "reason": reason.value},
        summary=f"資格取得（{reason.label}）: {_name(person_id)} 取得日 {on.isoformat()}")


def _lose(event, town, person_id: int, on: dt.date, reason: LossReason):
    row = services.current_enrolment(person_id)
    if row is None or row.lost_on is not None:
        return None
    lost_on = on + dt.timedelta(days=1)
    version = residents_facts.current(person_id)  # the household as the registry has it now
    return services.workitem_propose(
        town=town, event=event, kind=WorkKind.LOSE, person_id=person_id,
        household_id=version.household_id if version else row.household_id,
        proposed={"date": lost_on.isoformat(), "reason": reason.value},
        summary=f"資格喪失（{reason.label}）: {_name(person_id)} 喪失日 {lost_on.isoformat()}")


def _payer(event, town, household_id: int, on: dt.date, *, insured_after: AbstractSet[int] = frozenset(),
           leaving: AbstractSet[int] = frozenset()):
    """Propose the 世帯主 as 納付義務者 when it differs from the one recorded, and the household has (or will
    have, once the proposed 取得 are confirmed) an insured member who stays."""
    head = residents_facts.head_of(household_id)
    if head is None:
        return None
    staying = {v.person_id for v in residents_facts.members(household_id)} - set(leaving)
    if not any(services.is_insured(p) or p in insured_after for p in staying):
        return None
    current = Payer.objects.filter(household_id=household_id, is_current=True).first()
    if current is not None and current.person_id == head.person_id:
        return None
    return services.workitem_propose(
        town=town, event=event, kind=WorkKind.PAYER, person_id=head.person_id, household_id=household_id,
        proposed={"date": on.isoformat()}, summary=f"納付義務者の変更: {_name(head.person_id)}（世帯主）")


def _moved_in(event, town):
    p, on = event.payload, _on(event.payload)
    items, households = [], set()
    for pid in p.get("person_ids", []):
        v = residents_facts.current(pid)
        if v is not None:
            items.append(_acquire(event, town, pid, v.household_id, on, AcquisitionReason.MOVE_IN))
            households.add(v.household_id)
    acquiring = {i.person_id for i in items if i is not None}
    items += [_payer(event, town, h, on, insured_after=acquiring) for h in sorted(households)]
    return items


def _born(event, town):
    p, on = event.payload, _on(event.payload)
    items = []
    for pid in p.get("person_ids", []):
        v = residents_facts.current(pid)
        # A child of a household with someone insured in 国保; otherwise the child is usually a
        # dependant of an employee insurance (社保) and nothing is proposed.
        if v is not None and any(services.is_insured(m.person_id) for m in residents_facts.members(v.household_id)):
            items.append(_acquire(event, town, pid, v.household_id, on, AcquisitionReason.BIRTH))
    return items


def _leaving(reason: LossReason):
    def handle(event, town):
        p, on = event.payload, _on(event.payload)
        leavers = [int(pid) for pid in p.get("person_ids", [])]
        items = [_lose(event, town, pid, on, reason) for pid in leavers]
        households = {i.household_id for i in items if i is not None}
        items += [_payer(event, town, h, on + dt.timedelta(days=1), leaving=set(leavers)) for h in sorted(households)
                  if Payer.objects.filter(household_id=h, is_current=True, person_id__in=leavers).exists()]
        return items
    return handle


def _household_changed(event, town):
    p, on = event.payload, _on(event.payload)
    households = {int(p["household_id"])} if p.get("household_id") else set()
    households |= {v.household_id for v in (residents_facts.current(pid) for pid in p.get("person_ids", [])) if v}
    return [_payer(event, town, h, on) for h in sorted(households)]


_HANDLERS = {
    "residents.moved_in": _moved_in,
    "residents.born": _born,
    "residents.moved_out": _leaving(LossReason.MOVE_OUT),
    "residents.died": _leaving(LossReason.DEATH),
    "residents.household_changed": _household_changed,
}
