"""業務配分's demo: a town's offices (本庁 and 支所), a month of calendar data proposed from a synthetic history,
and a stream of synthetic online applications waiting to be planned. Idempotent (kept when already there)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .calendar import is_open, propose_busy
from .models import STANDARD_MINUTES, CalendarDay, Office, OfficeKind, Task, TaskKind

# (code, name, kind, staff, fixed minutes per member, average counter count per day, jumps after holidays)
OFFICES = {
    "412066": (("honcho", "本庁", OfficeKind.MAIN, 6, 75, 70, True), ("yamauchi", "山内支所", OfficeKind.BRANCH, 2, 60, 14, False),
               ("kitagata", "北方支所", OfficeKind.BRANCH, 2, 60, 12, True)),
    "414255": (("honcho", "本庁", OfficeKind.MAIN, 5, 75, 50, True), ("fukudomi", "福富支所", OfficeKind.BRANCH, 2, 60, 10, False),
               ("ariake", "有明支所", OfficeKind.BRANCH, 2, 60, 12, True)),
}
DEFAULT_OFFICES = (("honcho", "本庁", OfficeKind.MAIN, 4, 75, 40, True), ("shisho", "支所", OfficeKind.BRANCH, 2, 60, 10, False))
COUNTER_MINUTES_PER_CASE = 10  # 受付 about 15 minutes in the pilot, less for a 証明書: 10 on average


def _history(rnd: random.Random, average: int, jumps: bool, start: dt.date, days: int) -> dict[dt.date, int]:
    from .calendar import after_closure

    history = {}
    for i in range(days):
        day = start + dt.timedelta(days=i)
        if is_open(day):
            factor = 1.35 if jumps and after_closure(day) else 1.0
            history[day] = max(0, round(average * factor * rnd.uniform(0.8, 1.2) if jumps
                                        else average * rnd.uniform(0.95, 1.05)))
    return history


def assignments_demo_load(*, town, staff, scale: float, seed: int) -> list[str]:
    if Office.objects.exists():
        return []
    rnd = random.Random(f"{seed}-{town.code}-assignments")
    today = timezone.localdate()
    with transaction.atomic():
        for code, name, kind, members, fixed, average, jumps in OFFICES.get(town.code, DEFAULT_OFFICES):
            office = Office.objects.create(code=code, name=name, kind=kind, opens_at=dt.time(8, 30),
                                           closes_at=dt.time(17, 15))
            history = _history(rnd, average, jumps, today - dt.timedelta(days=120), 120)
            for day, count in history.items():
                CalendarDay.objects.create(office=office, day=day, staff_on_duty=members, fixed_minutes=fixed,
                                           counter_minutes=count * COUNTER_MINUTES_PER_CASE, counter_count=count)
            for i in range(31):
                day = today + dt.timedelta(days=i)
                if not is_open(day):
                    continue
                busy = Decimal(str(float(propose_busy(history, day))))
                on_duty = members - (1 if members > 2 and rnd.random() < 0.2 else 0)  # 休暇
                CalendarDay.objects.create(office=office, day=day, staff_on_duty=on_duty, fixed_minutes=fixed,
                                           counter_minutes=average * COUNTER_MINUTES_PER_CASE, busy=busy,
                                           busy_proposed=busy)
        kinds = list(TaskKind)
        now = timezone.now()
        count = 60
        Task.objects.bulk_create([
            Task(application_id=f"DEMO-{town.code}-{i:05d}", kind=kind, minutes=STANDARD_MINUTES[kind],
                 received_at=now - dt.timedelta(minutes=rnd.randint(10, 60 * 48)),
                 due_on=today + dt.timedelta(days=rnd.randint(1, 7)), summary=f"オンライン申請（{kind.label}）")
            for i, kind in enumerate(rnd.choice(kinds) for _ in range(count))])
    return [f"業務配分: 庁舎 {Office.objects.count()} か所、配分待ちのオンライン申請 {count} 件"]
