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


def office_tasks(*, actor, town, office_code: str, limit: int = 300) -> tuple[Office, list[Task]]:
    """An office's open tasks (配分・処理中), in order; the list names persons, so it is audited."""
    _require(actor, town)
    office = Office.objects.filter(code=office_code, active=True).first()
    if office is None:
        raise Office.DoesNotExist
    tasks = list(Task.objects.filter(office=office, status__in=(TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS))
                 .order_by("due_on", "received_at", "application_id")[:limit])
    persons = sorted({t.person_id for t in tasks if t.person_id})
    if tasks:
        _audit.record(application=permissions.APPLICATION, town=town, actor=actor, action="task.list",
                      persons=persons, purpose="業務配分（庁舎のタスク一覧）", office=office.code, count=len(tasks))
    return office, tasks


def assignments_statistics(town) -> dict[str, int]:
    """Console figures (no personal data)."""
    return {"配分待ちのタスク": Task.objects.filter(status__in=(TaskStatus.RECEIVED, TaskStatus.RETURNED)).count(),
            "処理中のタスク": Task.objects.filter(status=TaskStatus.IN_PROGRESS).count(),
            "完了したタスク": Task.objects.filter(status=TaskStatus.DONE).count()}
