"""業務配分's writes: the day's plan (the planner of distribution.py over the calendar and the pending tasks),
moving a task, taking a block, finishing or returning a task. Each write is one transaction with its history
(TaskEvent) and an audit record in the 業務配分 chain (tasks name the person they concern)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from kyodo.identity.principal import audit_actor_of
from kyodo.tenantlog import audit as _audit

from . import distribution, permissions
from .models import CalendarDay, Office, Plan, Task, TaskEvent, TaskStatus

PENDING = (TaskStatus.RECEIVED, TaskStatus.RETURNED)


def _who(actor) -> str:
    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def _audit_record(town, actor, action: str, **detail):
    return _audit.record(application=permissions.APPLICATION, town=town, actor=actor, action=action, **detail)


def _require(check, actor, town, what: str) -> None:
    _audit.assert_in_town(town)
    if not check(actor, town):
        raise PermissionDenied(what)


def office_days(day: dt.date) -> list[distribution.OfficeDay]:
    """The planner's figures for every active office with a calendar row for ``day``."""
    return [o for o, _, _ in _office_rows(day)]


def _office_rows(day: dt.date) -> list[tuple[distribution.OfficeDay, int, str]]:
    """(the planner's figures, office id, office name) of every active office with a calendar row for ``day``."""
    rows = (CalendarDay.objects.filter(day=day, office__active=True)
            .values_list("office__code", "office__work_minutes", "fixed_minutes", "staff_on_duty", "counter_minutes",
                         "busy", "released_minutes", "office_id", "office__name"))
    return [(distribution.OfficeDay(code, work, fixed, staff, counter, Fraction(str(busy)), released), pk, name)
            for code, work, fixed, staff, counter, busy, released, pk, name in rows]


def _assign(assigned: list[tuple[int, int, str]], day: dt.date, who: str) -> None:
    """The plan's writes in one statement: the tasks UPDATEd from (task, office, code) arrays and their history
    rows (配分) inserted from what the UPDATE returns — the ORM's CASE and bulk INSERT of a few hundred rows were
    most of a plan's time, and a COPY of the history cost a second round trip and a Python loop."""
    from django.db import connection

    task_table = connection.ops.quote_name(Task._meta.db_table)
    event_table = connection.ops.quote_name(TaskEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(task_id, office_id, code)), "
            f"u AS (UPDATE {task_table} AS t SET status = %s, office_id = v.office_id, planned_on = %s, taken_by = '', "
            f"updated_at = now() FROM v WHERE t.id = v.task_id RETURNING t.id, v.code) "
            f"INSERT INTO {event_table} (task_id, at, actor, action, from_office, to_office, note) "
            f"SELECT u.id, now(), %s, 'assign', '', u.code, '' FROM u",
            [[a[0] for a in assigned], [a[1] for a in assigned], [a[2] for a in assigned],
             TaskStatus.ASSIGNED.value, day, who])


def plan_day(*, actor, town, day: dt.date) -> Plan:
    """Distribute every pending task (受付・差戻し) over the offices for ``day``; the tasks already assigned stay
    where they are. Runs again safely: a second plan for the day hands out only what is still pending.

    A handful of statements whatever the number of tasks: the offices' day, the pending tasks and those already
    planned for the day (one locked read), one UPDATE of the assigned tasks, their history rows, the plan and
    its audit record."""
    _require(permissions.can_manage, actor, town, "配分計画を作る権限がありません")
    with transaction.atomic():
        found = _office_rows(day)
        if not found:
            raise ValidationError({"day": [f"{day.isoformat()} の庁舎の体制（出勤職員数など）が登録されていません。"]})
        offices = [o for o, _, _ in found]
        ids = {o.code: pk for o, pk, _ in found}
        names = {o.code: name for o, _, name in found}
        code_of = {pk: code for code, pk in ids.items()}
        tasks: list[distribution.Task] = []
        committed: dict[str, int] = {}
        # In the planner's order (処理期限, 受付日時, id) from the database, so the received time travels as its rank
        # (parsing a timestamp per task was a fifth of a plan's time).
        for rank, (pk, minutes, due, status, office_id) in enumerate(
                Task.objects.select_for_update().filter(Q(status__in=PENDING) | Q(planned_on=day, office__isnull=False))
                .order_by("due_on", "received_at", "pk").values_list("pk", "minutes", "due_on", "status", "office_id")):
            if status in PENDING:
                tasks.append(distribution.Task(str(pk), minutes, due, f"{rank:09d}"))
            elif office_id in code_of:  # already planned for the day: counted as used
                committed[code_of[office_id]] = committed.get(code_of[office_id], 0) + minutes
        result = distribution.plan(offices, tasks, committed)
        who = _who(actor)
        assigned = [(int(t), ids[share.code], share.code) for share in result.offices for t in share.task_ids]
        if assigned:
            _assign(assigned, day, who)
        plan = Plan.objects.create(
            day=day, created_by=who, assigned=len(assigned), left_over=len(result.unassigned),
            offices=[{"code": s.code, "name": names[s.code], "idle_minutes": s.idle_minutes, "used_minutes": s.used_minutes,
                      "tasks": len(s.task_ids), "share_percent": round(float(s.share_of_idle) * 100, 1),
                      "explanation": s.explanation()} for s in result.offices])
        _audit_record(town, actor, "plan.make", purpose="業務配分", day=day.isoformat(), assigned=plan.assigned,
                      left_over=plan.left_over)
    return plan


def _task(pk: int) -> Task:
    task = Task.objects.select_for_update().filter(pk=int(pk)).first()
    if task is None:
        raise Task.DoesNotExist
    return task


def task_move(*, actor, town, task_id: int, office_code: str, note: str) -> Task:
    """庁舎間の移動 by a manager, with a reason; the task keeps its history."""
    _require(permissions.can_manage, actor, town, "タスクを移動する権限がありません")
    note = (note or "").strip()
    if not note or len(note) > 200:
        raise ValidationError({"note": ["移動の理由を200文字以内で入力してください。"]})
    with transaction.atomic():
        task = _task(task_id)
        if task.status in (TaskStatus.DONE,):
            raise ValidationError({"status": ["完了したタスクは移動できません。"]})
        office = Office.objects.filter(code=office_code, active=True).first()
        if office is None:
            raise ValidationError({"office": ["移動先の庁舎がありません。"]})
        before = task.office.code if task.office else ""
        task.office, task.status, task.taken_by = office, TaskStatus.ASSIGNED, ""
        task.save(update_fields=["office", "status", "taken_by", "updated_at"])
        TaskEvent.objects.create(task=task, actor=_who(actor), action="move", from_office=before,
                                 to_office=office.code, note=note)
        _audit_record(town, actor, "task.move", person_id=task.person_id, purpose="業務配分（移動）",
                      task=task.application_id, to_office=office.code)
    return task


def block_take(*, actor, town, office_code: str, minutes: int) -> list[Task]:
    """まとまった時間の確保: the caller reserves ``minutes`` at their office and receives a batch of its assigned
    tasks sized to it (distribution.block_batch), now 処理中 under their name."""
    _require(permissions.can_work, actor, town, "タスクを処理する権限がありません")
    if not isinstance(minutes, int) or not 0 < minutes <= 480:
        raise ValidationError({"minutes": ["確保する時間は1〜480分で入力してください。"]})
    with transaction.atomic():
        office = Office.objects.filter(code=office_code, active=True).first()
        if office is None:
            raise ValidationError({"office": ["庁舎がありません。"]})
        rows = list(Task.objects.select_for_update(skip_locked=True)
                    .filter(office=office, status=TaskStatus.ASSIGNED))
        by_id = {str(t.pk): t for t in rows}
        batch = distribution.block_batch(
            [distribution.Task(str(t.pk), t.minutes, t.due_on, t.received_at.isoformat()) for t in rows], minutes)
        taken = [by_id[t.id] for t in batch]
        who = _who(actor)
        Task.objects.filter(pk__in=[t.pk for t in taken]).update(status=TaskStatus.IN_PROGRESS, taken_by=who)
        TaskEvent.objects.bulk_create([TaskEvent(task=t, actor=who, action="take", to_office=office.code,
                                                 note=f"{minutes}分の枠") for t in taken])
        persons = sorted({t.person_id for t in taken if t.person_id})
        _audit_record(town, actor, "task.take", persons=persons, purpose="業務配分（着手）", office=office.code,
                      minutes=minutes, tasks=len(taken))
        for t in taken:
            t.status, t.taken_by = TaskStatus.IN_PROGRESS, who
    return taken


def task_finish(*, actor, town, task_id: int, returned: bool = False, note: str = "") -> Task:
    """完了, or 差戻し (with a reason: the task goes back to the pool for the next plan)."""
    _require(permissions.can_work, actor, town, "タスクを処理する権限がありません")
    note = (note or "").strip()
    if returned and (not note or len(note) > 200):
        raise ValidationError({"note": ["差戻しの理由を200文字以内で入力してください。"]})
    with transaction.atomic():
        task = _task(task_id)
        if task.status != TaskStatus.IN_PROGRESS:
            raise ValidationError({"status": [f"処理中のタスクではありません（{task.get_status_display()}）。"]})
        task.status = TaskStatus.RETURNED if returned else TaskStatus.DONE
        office_code = task.office.code if task.office else ""
        if returned:
            task.office, task.taken_by = None, ""
        task.save(update_fields=["status", "office", "taken_by", "updated_at"])
        TaskEvent.objects.create(task=task, actor=_who(actor), action="return" if returned else "done",
                                 from_office=office_code, note=note)
        _audit_record(town, actor, "task.return" if returned else "task.done", person_id=task.person_id,
                      purpose="業務配分", task=task.application_id)
    return task



def task_prefill_submit(*, actor, town, task_id: int) -> Task:
    """ワンスオンリー: the task's draft becomes the registry's 仮登録 (awaiting 審査 as any), entered by the member
    of staff who checked the applicant's identity — nothing is typed again; the registry's own service
    validates it (its 支援措置 and 抑止 rules apply) and its errors come back by field. A 国保 draft is sent to
    国保 as an ``assignments.nhi_requested`` event: 国保 proposes the 作業 (取得・喪失) its staff confirm."""
    from kyodo.tenantlog import outbox
    from tenants.residents.services import change_submit

    _require(permissions.can_work, actor, town, "タスクを処理する権限がありません")
    detail: dict[str, object]
    with transaction.atomic():
        task = _task(task_id)
        if task.status != TaskStatus.IN_PROGRESS:
            raise ValidationError({"status": [f"処理中のタスクではありません（{task.get_status_display()}）。"]})
        if not task.prefill:
            raise ValidationError({"prefill": ["このタスクには仮登録の下書きがありません。"]})
        if task.change_id or task.prefill.get("sent_event"):
            raise ValidationError({"prefill": ["このタスクの仮登録は作成済みです。"]})
        if task.prefill["kind"] == "nhi":
            event = outbox.emit(application=permissions.APPLICATION, event_type=NHI_REQUESTED, town=town,
                                actor=actor, aggregate_type="task", aggregate_id=task.pk, payload={
                                    "town": town.code, **{k: task.prefill[k] for k in (
                                        "request", "effective_on", "reason", "person_ids", "household_id")},
                                    "application_id": task.application_id})
            task.prefill = {**task.prefill, "sent_event": str(event.event_id)}
            task.save(update_fields=["prefill", "updated_at"])
            note, detail = "国保へ作業を依頼", {"event_id": str(event.event_id)}
        else:
            change = change_submit(actor=actor, town=town, kind=task.prefill["kind"], notified_on=dt.date.today(),
                                   effective_on=task.prefill["effective_on"], data=dict(task.prefill["data"]))
            task.change_id = change.pk
            task.save(update_fields=["change_id", "updated_at"])
            note, detail = f"仮登録 {change.pk}", {"change_id": change.pk}
        TaskEvent.objects.create(task=task, actor=_who(actor), action="prefill", note=note)
        _audit_record(town, actor, "task.prefill", person_id=task.person_id, purpose="業務配分（申請内容の引継ぎ）",
                      task=task.application_id, **detail)
    return task


NHI_REQUESTED = "assignments.nhi_requested"  # an online 国保 application checked at the counter
