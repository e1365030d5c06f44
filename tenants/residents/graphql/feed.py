"""How the residents registry's events appear in the API's change feed (変更フィード).

An event is shown with the node ids it concerns and its own non-personal facts (kind, dates). It is
withheld — the cursor passes over it — when it concerns a person now covered by a 支援措置 (a move's
date and kind would tell where and when they went), and 抑止 events are never sent to vendors: they
exist for the コンビニ交付 and CS links, and would reveal that a measure exists."""

from __future__ import annotations

from typing import Any

from kyodo.api.context import context_of
from kyodo.api.types import global_id

from .. import events, permissions, protection
from ..models import Change

NEVER_SENT = {events.SUPPRESSION_SET, events.SUPPRESSION_ENDED}
FACTS = ("kind", "effective_on")


class ResidentsFeed:
    staff_check = staticmethod(permissions.can_read)

    @staticmethod
    def present(info, batch: list[Any]) -> dict[str, tuple[list[str], dict]]:
        # A change's persons as they are now (a 転入 entered has none yet; approved, it has them).
        change_ids = {int(e.aggregate_id) for e in batch if e.aggregate_type == "change" and e.aggregate_id.isdigit()}
        now_of = dict(Change.objects.filter(pk__in=change_ids).values_list("pk", "person_ids")) if change_ids else {}

        def persons_of(event) -> list[int]:
            persons = {int(p) for p in event.payload.get("person_ids") or () if str(p).isdigit()}
            if event.aggregate_type == "change" and event.aggregate_id.isdigit():
                persons |= set(now_of.get(int(event.aggregate_id)) or ())
            return sorted(persons)

        concerned = {p for e in batch for p in persons_of(e)}
        blocked = protection.inspect(concerned).blocked if concerned else set()
        shown: dict[str, tuple[list[str], dict]] = {}
        read: set[int] = set()
        for event in batch:
            if event.event_type in NEVER_SENT:
                continue
            persons = persons_of(event)
            if set(persons) & blocked:
                continue
            subjects = [global_id(info, "Person", p) for p in persons]
            if event.payload.get("household_id"):
                subjects.append(global_id(info, "Household", event.payload["household_id"]))
            if event.aggregate_type == "change" and event.aggregate_id:
                subjects.append(global_id(info, "ResidentChange", event.aggregate_id))
            data = {("effectiveOn" if k == "effective_on" else k): event.payload[k] for k in FACTS
                    if k in event.payload}
            shown[event.event_id] = (subjects, data)
            read.update(persons)
        context_of(info).audit_read("residents", read, action="api.feed")
        return shown


FEED = ResidentsFeed()
