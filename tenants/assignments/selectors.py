"""業務配分's reads: the day's plan with its explanation, an office's tasks, the console's figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count

from kyodo.tenantlog import audit as _audit

from . import permissions
from .models import CalendarDay, Office, Plan, Task, TaskStatus


def _require(actor, town) -> None:
    _audit.assert_in_town(town)
    if not permissions.can_work(actor, town):
        raise PermissionDenied("業務配分を見る権限がありません")


@dataclass
class OfficeRow:
    office: Office
    day: CalendarDay | None
    counts: dict[str, int]


def overview(*, actor, town, day: dt.date) -> tuple[list[OfficeRow], Plan | None, int]:
    """Each office with its calendar row for ``day`` and its tasks by status; the latest plan of the day; the
    number of tasks waiting to be planned. Counts only: no person is named (not audited)."""
    _require(actor, town)
    days = {d.office_id: d for d in CalendarDay.objects.filter(day=day)}
    counts: dict[int, dict[str, int]] = {}
    for office_id, status, n in (Task.objects.exclude(office__isnull=True).values_list("office_id", "status")
                                 .annotate(n=Count("pk")).order_by()):
        counts.setdefault(office_id, {})[status] = n
    rows = [OfficeRow(o, days.get(o.pk), counts.get(o.pk, {})) for o in Office.objects.filter(active=True)]
    plan = Plan.objects.filter(day=day).order_by("-created_at").first()
    pending = Task.objects.filter(status__in=(TaskStatus.RECEIVED, TaskStatus.RETURNED)).count()
    return rows, plan, pending


@dataclass
class Alerts:
    """SLA: open tasks past their 処理期限, and those due by tomorrow (counts per office; the list names none)."""

    overdue: dict[str, int]
    due_soon: dict[str, int]

    @property
    def any(self) -> bool:
        return bool(self.overdue or self.due_soon)


def sla_alerts(*, actor, town, today: dt.date) -> Alerts:
    _require(actor, town)
    open_ = Task.objects.exclude(status=TaskStatus.DONE)

    def by_office(qs) -> dict[str, int]:
        return {(name or "未配分"): n for name, n in qs.values_list("office__name").annotate(n=Count("pk")).order_by()}

    return Alerts(by_office(open_.filter(due_on__lt=today)),
                  by_office(open_.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=1))))


def office_tasks(*, actor, town, office_code: str, limit: int = 300) -> tuple[Office, list[Task]]:
    """An office's open tasks (配分・処理中), in order; the list names persons, so it is audited."""
    _require(actor, town)
    office = Office.objects.filter(code=office_code, active=True).first()
    if office is None:
        raise Office.DoesNotExist
    tasks = list(Task.objects.filter(office=office, status__in=(TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS))
                 .prefetch_related("attachments").order_by("due_on", "received_at", "application_id")[:limit])
    persons = sorted({t.person_id for t in tasks if t.person_id})
    if tasks:
        _audit.record(application=permissions.APPLICATION, town=town, actor=actor, action="task.list",
                      persons=persons, purpose="業務配分（庁舎のタスク一覧）", office=office.code, count=len(tasks))
    return office, tasks


def assignments_statistics(town) -> dict[str, int]:
    """Console figures (no personal data)."""
    done = Task.objects.filter(status=TaskStatus.DONE).count()
    return {"配分待ちのタスク": Task.objects.filter(status__in=(TaskStatus.RECEIVED, TaskStatus.RETURNED)).count(),
            "処理中のタスク": Task.objects.filter(status=TaskStatus.IN_PROGRESS).count(),
            "完了したタスク": done,
            "削減できた時間（時間）": done * MINUTES_SAVED_PER_CASE // 60}


MINUTES_SAVED_PER_CASE = 45  # the pilot's figure per online case: 受付 15 + バックヤード 30 (seed 000)


@dataclass
class OfficeFigures:
    code: str
    name: str
    assigned: int
    completed: int
    returned: int
    backlog: int  # 配分・処理中 now
    idle_minutes: int  # バックヤード業務可能時間 planned over the period
    used_minutes: int  # standard minutes of the tasks it completed
    contribution: float  # its share of the completed tasks, %

    @property
    def idle_used_percent(self) -> float:
        return round(self.used_minutes * 100 / self.idle_minutes, 1) if self.idle_minutes else 0.0


@dataclass
class Dashboard:
    start: dt.date
    end: dt.date
    received: int
    assigned: int
    completed: int
    backlog: int
    hours_saved: float
    offices: list[OfficeFigures]

    def rows(self) -> list[list]:
        """The download's rows (CSV and JSON): one per office, then the town."""
        head = ["庁舎", "配分", "完了", "差戻し", "未完了", "可能時間（分）", "処理時間（分）", "可能時間の使用率（%）",
                "完了の寄与（%）"]
        body = [[o.name, o.assigned, o.completed, o.returned, o.backlog, o.idle_minutes, o.used_minutes,
                 o.idle_used_percent, o.contribution] for o in self.offices]
        return [head, *body, ["町全体", self.assigned, self.completed, sum(o.returned for o in self.offices),
                              self.backlog, sum(o.idle_minutes for o in self.offices),
                              sum(o.used_minutes for o in self.offices), "", 100.0 if self.completed else 0.0]]


def dashboard(*, actor, town, start: dt.date, end: dt.date) -> Dashboard:
    """Figures for ``start``–``end`` (inclusive): applications received, distributed, completed, the backlog,
    idle time planned and used, hours saved (45 minutes per completed online case) and each office's share.
    Counts only: no person is named (not audited)."""
    from django.db.models import Sum

    from .models import TaskEvent

    _require(actor, town)
    within = {"at__date__gte": start, "at__date__lte": end}
    events = {(code, action): n for code, action, n in (  # done and return name the office they happened at
        TaskEvent.objects.filter(**within, action__in=("done", "return"))
        .values_list("from_office", "action").annotate(n=Count("pk")).order_by())}
    assigned_to = dict(TaskEvent.objects.filter(**within, action__in=("assign", "move")).values_list("to_office")
                       .annotate(n=Count("pk")).order_by())
    used = dict(TaskEvent.objects.filter(**within, action="done").values_list("from_office")
                .annotate(m=Sum("task__minutes")).order_by())
    idle: dict[str, int] = {}
    days: set[dt.date] = set()
    for plan in Plan.objects.filter(day__gte=start, day__lte=end).order_by("day", "-created_at"):
        if plan.day in days:  # a day planned again has the same idle time: count it once
            continue
        days.add(plan.day)
        for row in plan.offices:
            idle[row["code"]] = idle.get(row["code"], 0) + int(row["idle_minutes"])
    backlog = dict(Task.objects.filter(status__in=(TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS))
                   .values_list("office__code").annotate(n=Count("pk")).order_by())
    completed_total = sum(n for (code, action), n in events.items() if action == "done")
    offices = []
    for office in Office.objects.filter(active=True):
        done = events.get((office.code, "done"), 0)
        offices.append(OfficeFigures(
            office.code, office.name, assigned_to.get(office.code, 0), done, events.get((office.code, "return"), 0),
            backlog.get(office.code, 0), idle.get(office.code, 0), int(used.get(office.code) or 0),
            round(done * 100 / completed_total, 1) if completed_total else 0.0))
    received = Task.objects.filter(received_at__date__gte=start, received_at__date__lte=end).count()
    waiting = Task.objects.filter(status__in=(TaskStatus.RECEIVED, TaskStatus.RETURNED)).count()
    return Dashboard(start, end, received, sum(o.assigned for o in offices), completed_total,
                     waiting + sum(backlog.values()), round(completed_total * MINUTES_SAVED_PER_CASE / 60, 1), offices)

