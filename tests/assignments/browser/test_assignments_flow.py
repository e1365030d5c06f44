"""Headless Chromium through 業務配分: a manager makes the day's plan and sees each office's figures, a clerk
takes a block at 本庁, turns a 転居 application's draft into the registry's 仮登録 and completes it, and the
dashboard counts it — then axe-core finds no serious or critical violation on the pages (WCAG 2.1 AA).
Screenshots go to var/screenshots/ for review."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.residents.browser.test_accessibility import axe_violations
from tests.residents.browser.test_move_in_flow import CHROMIUM, launch, login, runserver

HOST = "ureshino.localhost"
CODE = "412091"
PASSWORD = "browser-test-password-3"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]


@pytest.fixture
def server(committed):
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import StaffMembership
    from tenants.assignments import intake
    from tenants.assignments.models import CalendarDay, Office
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import ON_REGISTER, PersonVersion

    town = committed.provision(code=CODE, name="嬉野市", name_kana="ウレシノシ", hosts=[HOST],
                               applications=["residents", "assignments"])
    users = {}
    for username, role in (("ureshino-b-clerk", "counter_clerk"), ("ureshino-b-approver", "approver")):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        StaffMembership.objects.create(user=user, municipality=town, role=role)
        users[role] = user
    residents_demo_populate(town=town, scale=0.005, seed=8)
    today = timezone.localdate()
    with tenant_context(town):
        for code, name, staff, counter in (("honcho", "本庁", 3, 600), ("shiota", "塩田支所", 1, 200)):
            office = Office.objects.create(code=code, name=name, kind="main" if code == "honcho" else "branch",
                                           opens_at=dt.time(8, 30), closes_at=dt.time(17, 15))
            CalendarDay.objects.create(office=office, day=today, staff_on_duty=staff, fixed_minutes=60,
                                       counter_minutes=counter)
        version = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER).order_by("person_id").first()
        record = {"application_id": "PT-BROWSER-1", "kind": "relocation",
                  "received_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(timespec="seconds"),
                  "applicant": {"atena_number": version.person.atena_number, "name": "申請者",
                                "birth_date": version.birth_date.isoformat()},
                  "details": {"effective_on": (today - dt.timedelta(days=2)).isoformat(),
                              "address": "佐賀県嬉野市嬉野町大字下宿甲1番地", "postal_code": "843-0301"}}
        intake.application_receive(actor=users["approver"], town=town, record=record)
    try:
        with runserver(HOST, KYODO_CELERY_QUEUE=f"kyodo-assignments-browser-{os.getpid()}") as base:
            yield base, town, today
    finally:
        for user in users.values():
            user.delete()


def _login(page, base, username, next_path="/assignments/"):
    login(page, base, username, PASSWORD, next_path)


def _axe(page, name: str) -> list[str]:
    return axe_violations(page, f"assignments-{name}")


def test_plan_block_provisional_entry_and_dashboard(server, monkeypatch):
    from django_tenants.utils import tenant_context
    from playwright.sync_api import sync_playwright

    from tenants.assignments.models import Task
    from tenants.residents.models import Change

    base, town, today = server
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            manager = browser.new_context(locale="ja-JP").new_page()
            _login(manager, base, "ureshino-b-approver")
            assert "配分待ちのタスク: 1 件" in manager.inner_text("#pending")
            manager.click("#plan-make")
            manager.wait_for_load_state()
            assert "1 件を配分しました" in manager.inner_text(".messages")
            explanation = manager.inner_text("#plan-explanation")
            assert "(465分 − 60分) × 3人 = 1215分" in explanation and "配分 1件 30分" in explanation
            problems += _axe(manager, "plan")

            clerk = browser.new_context(locale="ja-JP").new_page()
            _login(clerk, base, "ureshino-b-clerk")
            clerk.click("text=本庁")
            clerk.fill("#minutes", "60")
            clerk.click("#block-take")
            clerk.wait_for_load_state()
            assert "60分の枠で 1 件を受け取りました。" in clerk.inner_text(".messages")
            problems += _axe(clerk, "office")
            clerk.click("button[id^=prefill-]")
            clerk.wait_for_load_state()
            assert "仮登録を作成しました" in clerk.inner_text(".messages"), clerk.inner_text("main")
            with tenant_context(town):
                task = Task.objects.get(application_id="PT-BROWSER-1")
                change = Change.objects.get(pk=task.change_id)
            assert change.kind == "relocation" and change.payload["address"] == "佐賀県嬉野市嬉野町大字下宿甲1番地"
            clerk.click("button[id^=done-]")
            clerk.wait_for_load_state()

            manager.goto(f"{base}/assignments/dashboard/")
            assert manager.inner_text("#board-completed") == "1 件"
            assert "0.8 時間" in manager.inner_text("#board-saved")  # 45 minutes
            problems += _axe(manager, "dashboard")
            manager.goto(f"{base}/assignments/intake/")
            problems += _axe(manager, "intake")
        finally:
            browser.close()
            from django.db import connections

            connections.close_all()
    assert problems == []
