"""業務配分's demo: a town's offices (本庁 and 支所), a month of calendar data proposed from a synthetic history,
and a stream of synthetic online applications waiting to be planned. Idempotent (kept when already there)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .calendar import is_open, propose_busy
from .intake import applications_take
from .models import CalendarDay, Office, OfficeKind, TaskKind

# (code, name, kind, staff, fixed minutes per member, average counter count per day, jumps after holidays)
OFFICES = {
    "412066": (("honcho", "本庁", OfficeKind.MAIN, 6, 75, 70, True), ("yamauchi", "山内支所", OfficeKind.BRANCH, 2, 60, 14, False),
               ("kitagata", "北方支所", OfficeKind.BRANCH, 2, 60, 12, True)),
    "414255": (("honcho", "本庁", OfficeKind.MAIN, 5, 75, 50, True), ("fukudomi", "福富支所", OfficeKind.BRANCH, 2, 60, 10, False),
               ("ariake", "有明支所", OfficeKind.BRANCH, 2, 60, 12, True)),
    "412091": (("ureshino", "嬉野庁舎", OfficeKind.MAIN, 5, 75, 45, True), ("shiota", "塩田庁舎", OfficeKind.BRANCH, 3, 60, 20, True)),
}
# The other towns (鹿島市, 大町町, 江北町) get a 本庁 and one illustrative 支所: their real offices were not looked up.
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
    from django_tenants.utils import tenant_context

    with tenant_context(town):
        return _load(town=town, staff=staff, seed=seed)


def _load(*, town, staff, seed: int) -> list[str]:
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
    # The stream of online applications goes through the real intake (checked against the register, each with its
    # 仮登録 draft), as the town's 申請管理 system would hand it in: 転居・転出 of residents and 転入（予約）.
    manager = staff.get("approver")  # who uploads the 申請管理 system's file (a manager may)
    if manager is None:
        return [f"業務配分: 庁舎 {Office.objects.count()} か所（審査・決裁者がいないため申請は取り込んでいません）"]
    taken = applications_take(actor=manager, town=town, records=_applications(rnd, town, today), source="demo",
                              filename="demo-applications.json", form="json")
    count = len(taken.tasks)
    return [f"業務配分: 庁舎 {Office.objects.count()} か所、配分待ちのオンライン申請 {count} 件"]


def _applications(rnd: random.Random, town, today: dt.date, count: int = 60) -> list[dict]:
    from tenants.residents.models import ON_REGISTER, PersonVersion

    residents = list(PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER, relationship="世帯主")
                     .order_by("person_id").values_list("person__atena_number", "birth_date", "family_name",
                                                        "given_name")[:400])
    now = timezone.now()
    records = []
    for i in range(count):
        received = (now - dt.timedelta(minutes=rnd.randint(10, 60 * 48))).isoformat(timespec="seconds")
        app_id = f"DEMO-{town.code}-{i:05d}"
        if not residents or i % 6 == 0:
            records.append({"application_id": app_id, "kind": TaskKind.MOVE_IN_RESERVATION.value, "received_at": received,
                            "applicant": {"name": "転入 予定者"}, "details": {
                                "planned_on": (today + dt.timedelta(days=rnd.randint(3, 20))).isoformat(),
                                "address": f"{town.name}本町{rnd.randint(1, 999)}番地", "previous_address": "福岡県福岡市中央区天神1丁目1番1号",
                                "persons": [{"family_name": "佐賀", "given_name": "花子", "family_name_kana": "サガ",
                                             "given_name_kana": "ハナコ", "birth_date": "1990-05-05", "sex": "2",
                                             "relationship": "世帯主"}]}})
            continue
        atena, birth, family, given = residents[rnd.randrange(len(residents))]
        applicant = {"atena_number": atena, "birth_date": birth.isoformat(), "name": f"{family} {given}"}
        if i % 2:
            records.append({"application_id": app_id, "kind": TaskKind.RELOCATION.value, "received_at": received,
                            "applicant": applicant, "details": {
                                "effective_on": (today - dt.timedelta(days=rnd.randint(0, 10))).isoformat(),
                                "address": f"{town.name}新町{rnd.randint(1, 999)}番地"}})
        else:
            records.append({"application_id": app_id, "kind": TaskKind.MOVE_OUT.value, "received_at": received,
                            "applicant": applicant, "details": {
                                "planned_on": (today + dt.timedelta(days=rnd.randint(1, 14))).isoformat(),
                                "destination": "福岡県福岡市博多区博多駅前1丁目1番1号"}})
    return records
