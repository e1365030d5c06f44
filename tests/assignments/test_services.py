"""業務配分 in a town: the day's plan over the calendar and the pending tasks (stored with its explanation),
moving, blocks, finishing and returning, who may do each, the audit chain, 400s, and the isolation fixture."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kyodo.tenantlog.audit import verify
from tenants.assignments import services
from tenants.assignments.models import CalendarDay, Office, Plan, Task, TaskEvent
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 3)


@pytest.fixture
def town(town_a):
    from django_tenants.utils import tenant_context

    type(town_a).objects.filter(pk=town_a.pk).update(enabled_applications=[*town_a.enabled_applications,
                                                                           "assignments"])
    town_a.refresh_from_db()
    with tenant_context(town_a):
        # 本庁: (465 − 60) × 4 − 900 = 720; 山内: (465 − 60) × 2 − 210 × 1.5 = 495; 北方: (465 − 105) × 1 − 400 < 0
        for code, name, staff, fixed, counter, busy in (("honcho", "本庁", 4, 60, 900, "1.0"),
                                                          ("yamauchi", "山内支所", 2, 60, 210, "1.5"),
                                                          ("kitagata", "北方支所", 1, 105, 400, "1.0")):
            office = Office.objects.create(code=code, name=name, kind="main" if code == "honcho" else "branch",
                                           opens_at=dt.time(8, 30), closes_at=dt.time(17, 15))
            CalendarDay.objects.create(office=office, day=DAY, staff_on_duty=staff, fixed_minutes=fixed,
                                       counter_minutes=counter, busy=busy)
        yield town_a


@pytest.fixture
def tasks(town):
    now = timezone.now()
    return [Task.objects.create(application_id=f"APP-{i:03d}", kind="relocation", minutes=30,
                                received_at=now - dt.timedelta(minutes=100 - i), due_on=DAY + dt.timedelta(days=3),
                                summary="オンライン申請（転居）", person_id=1000 + i) for i in range(50)]


def test_the_plan_follows_idle_time_and_is_explained(town, tasks, approver_a):
    plan = services.plan_day(actor=approver_a, town=town, day=DAY)
    by_office = {o["code"]: o for o in plan.offices}
    assert by_office["honcho"]["idle_minutes"] == 720 and by_office["yamauchi"]["idle_minutes"] == 495
    assert by_office["kitagata"]["idle_minutes"] == 0 and by_office["kitagata"]["tasks"] == 0
    # 1,215 minutes of idle time hold 40 tasks of 30 minutes: 24 (720) and 16 (480); 10 wait for another day
    assert (by_office["honcho"]["tasks"], by_office["yamauchi"]["tasks"]) == (24, 16)
    assert (plan.assigned, plan.left_over) == (40, 10)
    assert "(465分 − 60分) × 4人 = 1620分" in by_office["honcho"]["explanation"]
    assert Task.objects.filter(status="assigned", office__code="honcho").count() == 24
    assert TaskEvent.objects.filter(action="assign").count() == 40
    again = services.plan_day(actor=approver_a, town=town, day=DAY)  # only the 10 still pending are planned
    assert again.assigned == 0 and Task.objects.filter(status="assigned").count() == 40
    assert verify(town, "assignments").ok


def test_a_day_without_calendar_rows_is_refused_by_field(town, tasks, approver_a):
    with pytest.raises(ValidationError) as excinfo:
        services.plan_day(actor=approver_a, town=town, day=DAY + dt.timedelta(days=1))
    assert "day" in excinfo.value.message_dict
    assert not Plan.objects.exists() and not Task.objects.exclude(status="received").exists()


def test_a_clerk_takes_a_block_and_finishes_or_returns(town, tasks, approver_a, clerk_a):
    services.plan_day(actor=approver_a, town=town, day=DAY)
    taken = services.block_take(actor=clerk_a, town=town, office_code="yamauchi", minutes=100)
    assert len(taken) == 3 and all(t.status == "in_progress" for t in taken)  # 3 × 30 ≤ 100
    assert [t.application_id for t in taken] == sorted(t.application_id for t in taken)  # oldest first
    done = services.task_finish(actor=clerk_a, town=town, task_id=taken[0].pk)
    assert done.status == "done"
    with pytest.raises(ValidationError):
        services.task_finish(actor=clerk_a, town=town, task_id=taken[1].pk, returned=True, note=" ")
    back = services.task_finish(actor=clerk_a, town=town, task_id=taken[1].pk, returned=True, note="添付書類の不足")
    assert back.status == "returned" and back.office is None
    assert list(TaskEvent.objects.filter(task=back).values_list("action", flat=True)) == ["assign", "take", "return"]


def test_only_managers_plan_and_move(town, tasks, clerk_a, approver_a):
    with pytest.raises(PermissionDenied):
        services.plan_day(actor=clerk_a, town=town, day=DAY)
    services.plan_day(actor=approver_a, town=town, day=DAY)
    task = Task.objects.filter(office__code="honcho").first()
    with pytest.raises(PermissionDenied):
        services.task_move(actor=clerk_a, town=town, task_id=task.pk, office_code="kitagata", note="応援")
    moved = services.task_move(actor=approver_a, town=town, task_id=task.pk, office_code="kitagata", note="応援")
    assert moved.office.code == "kitagata"
    assert TaskEvent.objects.filter(task=task, action="move", from_office="honcho", to_office="kitagata").exists()


def test_pages_show_the_plan_and_answer_bad_input_with_400(town, tasks, approver_a):
    client = logged_in_client(approver_a, "takeo.test")
    assert client.post("/assignments/plan/", {"day": DAY.isoformat()}).status_code == 302
    page = client.get(f"/assignments/?day={DAY.isoformat()}").content.decode()
    assert "配分 40 件" in page and "可能時間 720分" in page
    office = client.get("/assignments/offices/honcho/").content.decode()
    assert office.count("APP-") == 24
    for bad in ("/assignments/?day=２０２６-12-03", "/assignments/?day=2026-02-30", "/assignments/?day=%00"):
        assert client.get(bad).status_code == 400, bad
    assert client.get(f"/assignments/offices/{quote('本庁')}/").status_code == 400
    assert client.get("/assignments/offices/nowhere/").status_code == 404
    assert client.post("/assignments/offices/honcho/block/", {"minutes": "６０"}).status_code == 400
    assert client.post("/assignments/tasks/1%00/finish/", {"action": "done"}).status_code == 400
    assert client.post(f"/assignments/tasks/{tasks[0].pk}/finish/", {"action": "x"}).status_code == 400


def test_town_b_staff_reach_nothing_of_town_a(town, tasks, approver_a, clerk_b, town_b):
    services.plan_day(actor=approver_a, town=town, day=DAY)
    on_a = logged_in_client(clerk_b, "takeo.test")
    assert on_a.get("/assignments/").status_code == 403
    assert on_a.get("/assignments/offices/honcho/").status_code == 403
    assert on_a.post("/assignments/offices/honcho/block/", {"minutes": "60"}).status_code == 403
    assert on_a.get("/assignments/dashboard/?format=csv").status_code == 403
    assert on_a.get("/assignments/intake/").status_code == 403
    assert on_a.post("/assignments/plan/", {"day": DAY.isoformat()}).status_code == 403
    task = Task.objects.filter(status="assigned").first()
    assert on_a.post(f"/assignments/tasks/{task.pk}/move/", {"office": "kitagata", "note": "x"}).status_code == 403
    assert on_a.post(f"/assignments/tasks/{task.pk}/finish/", {"action": "done"}).status_code == 403
    assert not Task.objects.filter(status="in_progress").exists()
    from django_tenants.utils import tenant_context

    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications,
                                                                           "assignments"])
    with tenant_context(town_b):
        assert not Task.objects.exists() and not Office.objects.exists()  # town B's own schema is empty
        page = logged_in_client(clerk_b, "kashima.test").get("/assignments/")
    assert page.status_code == 200 and "本庁" not in page.content.decode() and "APP-" not in page.content.decode()


def test_the_dashboard_counts_what_was_done_and_the_hours_saved(town, tasks, approver_a, clerk_a):
    import csv
    import io
    import json

    services.plan_day(actor=approver_a, town=town, day=DAY)
    taken = services.block_take(actor=clerk_a, town=town, office_code="honcho", minutes=90)
    for t in taken[:2]:
        services.task_finish(actor=clerk_a, town=town, task_id=t.pk)
    services.task_finish(actor=clerk_a, town=town, task_id=taken[2].pk, returned=True, note="不備")
    client = logged_in_client(approver_a, "takeo.test")
    today = timezone.localdate().isoformat()
    page = client.get(f"/assignments/dashboard/?start={DAY.replace(day=1).isoformat()}&end={max(DAY, timezone.localdate()).isoformat()}")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and 'role="img"' in body
    assert "1.5 時間" in body  # 2 completed × 45 min (seed 000's 受付 15 + バックヤード 30)
    rows = list(csv.reader(io.StringIO(client.get(
        f"/assignments/dashboard/?start={DAY.replace(day=1)}&end={max(DAY, timezone.localdate())}&format=csv"
    ).content.decode("utf-8-sig"))))
    honcho = next(r for r in rows if r[0] == "本庁")
    assert honcho[1:4] == ["24", "2", "1"] and honcho[5:7] == ["720", "60"]  # 配分 完了 差戻し; 可能時間 処理時間
    data = json.loads(client.get(f"/assignments/dashboard/?end={today}&start={DAY.replace(day=1)}&format=json").content)
    assert data["town"] == "412066" and data["rows"][-1]["庁舎"] == "町全体"
    for bad in ("?format=xml", "?start=2026-12-31&end=2026-01-01", "?end=2026-13-01", "?start=%EF%BC%92"):
        assert client.get(f"/assignments/dashboard/{bad}").status_code == 400, bad


def test_overdue_and_soon_due_tasks_are_alerted_by_office(town, tasks, approver_a):
    from tenants.assignments import selectors

    services.plan_day(actor=approver_a, town=town, day=DAY)
    Task.objects.filter(application_id__in=["APP-000", "APP-001"]).update(due_on=timezone.localdate() - dt.timedelta(days=30))
    Task.objects.filter(application_id="APP-045").update(due_on=DAY)  # left over, not assigned
    alerts = selectors.sla_alerts(actor=approver_a, town=town, today=DAY)
    assert alerts.overdue == {"本庁": 2} or alerts.overdue == {"山内支所": 1, "本庁": 1}
    assert sum(alerts.overdue.values()) == 2 and alerts.due_soon == {"未配分": 1}
    page = logged_in_client(approver_a, "takeo.test").get(f"/assignments/?day={DAY}")
    assert "期限超過" in page.content.decode()
