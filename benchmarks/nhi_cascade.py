"""Benchmark `nhi-cascade`: 転入 events turned into 国保 作業 (work items ready for one confirmation) by the
``nhi.enrol`` consumer through the real relay, in a throw-away database.

The town is filled with the residents demo generator; for N of its households a ``residents.moved_in`` event
is written to the outbox exactly as the registry's approval writes it (persons, household, 異動日). No one is
insured yet, so every event proposes 資格取得 for each member and the 納付義務者.

- ``cascade_events_s``: events handled per second by ``relay_town(consumer="nhi.enrol")`` with the relay's
  batch (many events per transaction). Baseline: the same events, the same consumer, one event per
  transaction (``batch=1``), in the same run after a reset. Goal: ≥ 1,000 events/s.
"""

from __future__ import annotations

import argparse
import time

from .common import django_ready, emit, scratch_database, town_codes

CONSUMER = "nhi.enrol"


def _events(town, households: list[tuple[int, list[int]]]) -> None:
    from django.db import transaction

    from kyodo.tenantlog.outbox import emit_many

    for start in range(0, len(households), 500):
        with transaction.atomic():
            emit_many(application="residents", town=town, actor=None, events=[
                {"event_type": "residents.moved_in", "aggregate_type": "change", "aggregate_id": str(h),
                 "payload": {"town": town.code, "change_id": None, "kind": "move_in", "effective_on": "2025-06-01",
                             "person_ids": persons, "household_id": h}}
                for h, persons in households[start:start + 500]])


def _reset() -> None:
    from kyodo.tenantlog.models import ConsumerState, HandledEvent
    from tenants.nhi.models import WorkItem

    HandledEvent.objects.filter(consumer=CONSUMER).delete()
    ConsumerState.objects.filter(consumer=CONSUMER).delete()
    WorkItem.objects.all().delete()


def _run(town, batch: int | None) -> tuple[float, int, int]:
    from kyodo.tenantlog.relay import relay_town
    from tenants.nhi.models import WorkItem

    started = time.perf_counter()
    report = relay_town(town, batch=batch, consumer=CONSUMER)
    elapsed = time.perf_counter() - started
    return elapsed, report.handled.get(CONSUMER, 0), WorkItem.objects.count()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks nhi-cascade")
    parser.add_argument("--events", type=int, default=5_000)
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from django_tenants.utils import tenant_context

        from kyodo.tenancy import services as tenancy
        from kyodo.tenancy.db import use_public_schema
        from tenants.residents.demo import residents_demo_populate
        from tenants.residents.models import ON_REGISTER, PersonVersion

        code = next(town_codes(1, start=42501))
        town = tenancy.municipality_provision(actor=None, code=code, name="計測町", name_kana="ケイソクチョウ",
                                              hosts=[f"t{code}.localhost"], applications=["residents", "nhi"])
        residents_demo_populate(town=town, scale=max(args.events * 2.5, 1_000) / 10_000, seed=7)
        with tenant_context(town):
            members: dict[int, list[int]] = {}
            for pid, hid in (PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER)
                             .order_by("household_id", "person_id").values_list("person_id", "household_id")):
                members.setdefault(hid, []).append(pid)
            households = sorted(members.items())[:args.events]
            if len(households) < args.events:
                raise SystemExit(f"only {len(households)} households for {args.events} events")
            _events(town, households)
            persons = sum(len(p) for _, p in households)

            _reset()
            base_s, base_handled, base_items = _run(town, batch=1)
            _reset()
            value_s, handled, items = _run(town, batch=None)
            if handled != args.events or base_handled != args.events or items != base_items:
                raise SystemExit(f"handled {handled}/{base_handled} of {args.events}; items {items}/{base_items}")
            if items != persons + len(households):  # 資格取得 per person + 納付義務者 per household
                raise SystemExit(f"{items} work items for {persons} persons in {len(households)} households")
        use_public_schema()
        rate, base_rate = args.events / value_s, args.events / base_s
        emit("nhi-cascade", "cascade_events_s", round(rate, 1), "events/s", round(base_rate, 1),
             round(rate / base_rate, 2), events=args.events, work_items=items, seconds=round(value_s, 2),
             goal="≥ 1,000 events/s")
    return 0
