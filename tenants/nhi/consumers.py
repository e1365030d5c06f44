"""ワンスオンリー: the residents registry's approved 異動 become proposed 作業 (work items) in 国保.

Nothing is applied here: staff confirm each 作業 (services.workitem_confirm). The relay calls
``on_residents_change(event, town)`` in the town's schema, once per event (HandledEvent); WorkItem's
unique key (event, kind, person) makes a second run of the same event propose nothing more.

喪失日 (国民健康保険法8条1項): the day after the day the person stops having an address — for 転出 the day
after the 転出日 (予定日), for 死亡 the day after the date of death (the proviso for a new address in another
都道府県 from the same day is left to staff, docs/nhi.md). 取得日 (法7条): the day the person comes to have an
address — the 転入日, the date of birth.

The relay hands a whole batch to ``on_residents_changes`` (one transaction): what the handlers read — the
registry's current records, the 資格 and 納付義務者 — is fetched for every event of the batch in a few queries
(``_Facts``), the proposals are inserted at once and audited in one record. Nothing the handlers read is
changed by them (a proposal is only pending), so a batch proposes exactly what event-by-event would;
``on_residents_change`` is the same code for one event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from kyodo.identity.principal import SystemPrincipal
from tenants.residents.models import PersonVersion

from . import audit, residents_facts
from .models import AcquisitionReason, Enrolment, LossReason, Payer, WorkItem, WorkKind

CONSUMER = "nhi.enrol"


def _on(payload: dict) -> dt.date:
    return dt.date.fromisoformat(str(payload["effective_on"]))


def _ids(values) -> list[int]:
    return [int(v) for v in values or ()]


@dataclass
class _Facts:
    """What the handlers read, for every person and household of a batch of events."""

    versions: dict[int, PersonVersion] = field(default_factory=dict)  # current record of each person
    atena: dict[int, str] = field(default_factory=dict)
    enrolments: dict[int, Enrolment] = field(default_factory=dict)  # current 資格 row
    members: dict[int, list[PersonVersion]] = field(default_factory=dict)  # on the register, 世帯主 first
    payers: dict[int, Payer] = field(default_factory=dict)  # current 納付義務者 per household

    @classmethod
    def of(cls, events) -> _Facts:
        persons = {pid for e in events for pid in _ids(e.payload.get("person_ids"))}
        facts = cls()
        shown = residents_facts.shown(persons)
        facts.atena = {pid: s.atena_number for pid, s in shown.items()}
        facts.versions = {pid: s.version for pid, s in shown.items() if s.version is not None}
        households = {v.household_id for v in facts.versions.values()}
        households |= {int(e.payload["household_id"]) for e in events if e.payload.get("household_id")}
        facts.members = residents_facts.members_of(households)
        everyone = persons | {v.person_id for rows in facts.members.values() for v in rows}
        facts.enrolments = {e.person_id: e for e in Enrolment.objects.filter(person_id__in=everyone, is_current=True)}
        facts.payers = {p.household_id: p for p in Payer.objects.filter(household_id__in=households, is_current=True)}
        return facts

    def insured(self, person_id: int) -> bool:
        row = self.enrolments.get(person_id)
        return row is not None and row.lost_on is None

    def name(self, person_id: int) -> str:
        v = self.versions.get(person_id)
        return f"{v.family_name} {v.given_name}" if v else f"宛名番号 {self.atena.get(person_id, '')}"

    def head_of(self, household_id: int) -> PersonVersion | None:
        return next((v for v in self.members.get(household_id, []) if v.is_head), None)


@dataclass(frozen=True)
class _Proposal:
    kind: str
    person_id: int
    household_id: int
    proposed: dict
    summary: str


def on_residents_change(event, town) -> None:
    on_residents_changes([event], town)


def on_residents_changes(events, town) -> None:
    audit.assert_in_town(town)
    wanted = [e for e in events if e.event_type in _HANDLERS and e.schema_version == 1]
    if not wanted:
        return
    facts = _Facts.of(wanted)
    proposals = [(e, p) for e in wanted for p in _HANDLERS[e.event_type](e, facts) if p is not None]
    if not proposals:
        return
    existing = {(str(eid), kind, pid) for eid, kind, pid in WorkItem.objects.filter(
        source_event_id__in=[e.event_id for e in wanted]).values_list("source_event_id", "kind", "person_id")}
    rows = [WorkItem(source_event_id=e.event_id, kind=p.kind, person_id=p.person_id, household_id=p.household_id,
                     proposed=p.proposed, summary=p.summary[:300], source_event_type=e.event_type,
                     source_change_id=e.payload.get("change_id"))
            for e, p in proposals if (str(e.event_id), p.kind, p.person_id) not in existing]
    if not rows:
        return  # a manual re-run of events already proposed: nothing twice
    created = WorkItem.objects.bulk_create(rows)
    by_event: dict = {}
    for item in created:
        by_event.setdefault(str(item.source_event_id), []).append(item)
    # One audit record per acting principal of the batch (the registry's approver whose 決裁 raised the
    # events), naming every person, event and 作業 — one per event would be most of the relay's time.
    by_actor: dict = {}
    for event in wanted:
        if by_event.get(str(event.event_id)):
            by_actor.setdefault(_actor_key(event.actor), (event.actor, []))[1].append(event)
    for actor_of, batch in by_actor.values():
        items = [i for e in batch for i in by_event[str(e.event_id)]]
        audit.record(town=town, actor=SystemPrincipal(f"relay:{CONSUMER}", on_behalf_of=actor_of),
                     action="workitem.propose", persons=sorted({i.person_id for i in items}),
                     purpose="住民異動からの作業の作成", event_ids=[str(e.event_id) for e in batch],
                     event_types=sorted({e.event_type for e in batch}), work_item_ids=[i.pk for i in items])


def _actor_key(actor) -> str:
    return repr(sorted(actor.items())) if isinstance(actor, dict) else repr(actor)


def _acquire(facts: _Facts, person_id: int, household_id: int, on: dt.date, reason: AcquisitionReason):
    if facts.insured(person_id):
        return None
    return _Proposal(WorkKind.ACQUIRE, person_id, household_id, {"date": on.isoformat(), "reason": reason.value},
                     f"資格取得（{reason.label}）: {facts.name(person_id)} 取得日 {on.isoformat()}")


def _lose(facts: _Facts, person_id: int, on: dt.date, reason: LossReason):
    row = facts.enrolments.get(person_id)
    if row is None or row.lost_on is not None:
        return None
    lost_on = on + dt.timedelta(days=1)
    version = facts.versions.get(person_id)  # the household as the registry has it now
    return _Proposal(WorkKind.LOSE, person_id, version.household_id if version else row.household_id,
                     {"date": lost_on.isoformat(), "reason": reason.value},
                     f"資格喪失（{reason.label}）: {facts.name(person_id)} 喪失日 {lost_on.isoformat()}")


def _payer(facts: _Facts, household_id: int, on: dt.date, *, insured_after: AbstractSet[int] = frozenset(),
           leaving: AbstractSet[int] = frozenset()):
    """Propose the 世帯主 as 納付義務者 when it differs from the one recorded, and the household has (or will
    have, once the proposed 取得 are confirmed) an insured member who stays."""
    head = facts.head_of(household_id)
    if head is None:
        return None
    staying = {v.person_id for v in facts.members.get(household_id, [])} - set(leaving)
    if not any(facts.insured(p) or p in insured_after for p in staying):
        return None
    current = facts.payers.get(household_id)
    if current is not None and current.person_id == head.person_id:
        return None
    return _Proposal(WorkKind.PAYER, head.person_id, household_id, {"date": on.isoformat()},
                     f"納付義務者の変更: {facts.name(head.person_id)}（世帯主）")


def _moved_in(event, facts: _Facts):
    p, on = event.payload, _on(event.payload)
    items, households = [], set()
    for pid in _ids(p.get("person_ids")):
        v = facts.versions.get(pid)
        if v is not None:
            items.append(_acquire(facts, pid, v.household_id, on, AcquisitionReason.MOVE_IN))
            households.add(v.household_id)
    acquiring = {i.person_id for i in items if i is not None}
    items += [_payer(facts, h, on, insured_after=acquiring) for h in sorted(households)]
    return items


def _born(event, facts: _Facts):
    p, on = event.payload, _on(event.payload)
    items = []
    for pid in _ids(p.get("person_ids")):
        v = facts.versions.get(pid)
        # A child of a household with someone insured in 国保; otherwise the child is usually a
        # dependant of an employee insurance (社保) and nothing is proposed.
        if v is not None and any(facts.insured(m.person_id) for m in facts.members.get(v.household_id, [])):
            items.append(_acquire(facts, pid, v.household_id, on, AcquisitionReason.BIRTH))
    return items


def _leaving(reason: LossReason):
    def handle(event, facts: _Facts):
        p, on = event.payload, _on(event.payload)
        leavers = _ids(p.get("person_ids"))
        items = [_lose(facts, pid, on, reason) for pid in leavers]
        households = {i.household_id for i in items if i is not None}
        items += [_payer(facts, h, on + dt.timedelta(days=1), leaving=set(leavers)) for h in sorted(households)
                  if facts.payers.get(h) is not None and facts.payers[h].person_id in leavers]
        return items
    return handle


def _household_changed(event, facts: _Facts):
    p, on = event.payload, _on(event.payload)
    households = {int(p["household_id"])} if p.get("household_id") else set()
    households |= {v.household_id for v in (facts.versions.get(pid) for pid in _ids(p.get("person_ids"))) if v}
    return [_payer(facts, h, on) for h in sorted(households)]


def _requested(event, facts: _Facts):
    """An online application (業務配分) checked at the counter: 取得 from ``effective_on``, or 喪失 the day after
    joining 社保 or 生保 (``effective_on``), for the applicant, with the reason it gave."""
    p, on = event.payload, _on(event.payload)
    items = []
    for pid in _ids(p.get("person_ids")):
        if p.get("request") == "acquire":
            v = facts.versions.get(pid)
            reason = AcquisitionReason(p["reason"]) if p.get("reason") in AcquisitionReason.values else \
                AcquisitionReason.OTHER
            if v is not None:
                items.append(_acquire(facts, pid, v.household_id, on, reason))
        elif p.get("request") == "lose":
            reason_l = LossReason(p["reason"]) if p.get("reason") in LossReason.values else LossReason.OTHER
            items.append(_lose(facts, pid, on, reason_l))
    return items


_HANDLERS = {
    "residents.moved_in": _moved_in,
    "residents.born": _born,
    "residents.moved_out": _leaving(LossReason.MOVE_OUT),
    "residents.died": _leaving(LossReason.DEATH),
    "residents.household_changed": _household_changed,
    "assignments.nhi_requested": _requested,  # not the registry's, but proposed the same way
}
