"""Headless Chromium through the whole ワンスオンリー path: a clerk enters a 転入 family, another member of staff
approves it, the relay proposes the 国保 作業, and one confirmation enrols the family, issues their 資格確認書
(the PDF read back with pypdf) and levies the year — then axe-core finds no serious or critical violation on
any 国保 page (WCAG 2.1 AA). Screenshots go to var/screenshots/ for review."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.residents.browser.test_accessibility import axe_violations
from tests.residents.browser.test_move_in_flow import CHROMIUM, launch, login, runserver

HOST = "shiroishi.localhost"
CODE = "414255"
PASSWORD = "browser-test-password-2"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]


@pytest.fixture
def server(committed):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import StaffMembership
    from tenants.nhi import levy_services
    from tests.nhi.conftest import mitaka_toml_for

    town = committed.provision(code=CODE, name="白石町", name_kana="シロイシチョウ", hosts=[HOST],
                               applications=["residents", "nhi"])
    users = {}
    for username, role in (("shiroishi-clerk", "counter_clerk"), ("shiroishi-approver", "approver")):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        StaffMembership.objects.create(user=user, municipality=town, role=role)
        users[role] = user
    with tenant_context(town):  # the year's table, changed by two people as always (三鷹市's rates)
        row = levy_services.ratetable_propose(actor=users["counter_clerk"], town=town, fiscal_year=2025,
                                              text=mitaka_toml_for(town))
        levy_services.ratetable_decide(actor=users["approver"], town=town, table_id=row.pk, approve=True)
    try:
        # The server's relay kicks go to a queue no worker reads (a session's test worker may be running on
        # the default one): the test relays the event itself, in process.
        with runserver(HOST, KYODO_CELERY_QUEUE=f"kyodo-nhi-browser-{os.getpid()}") as base:
            yield base, town
    finally:
        for user in users.values():
            user.delete()


def _login(page, base, username, next_path="/residents/"):
    login(page, base, username, PASSWORD, next_path)


def _axe(page, name: str) -> list[str]:
    return axe_violations(page, f"nhi-{name}")


def _enter_move_in(clerk, base):
    clerk.click("text=転入届の入力")
    form = {
        "#id_notified_on": "令和7年4月3日", "#id_effective_on": "令和7年4月1日",
        "#id_address": "佐賀県杵島郡白石町大字福田1000番地", "#id_district": "福田",
        "#id_previous_address": "東京都三鷹市下連雀9丁目1番1号", "#id_previous_town": "三鷹市",
        "#id_p0_family_name": "白石", "#id_p0_given_name": "太郎", "#id_p0_family_name_kana": "しろいし",
        "#id_p0_given_name_kana": "たろう", "#id_p0_birth_date": "昭和58年1月15日",
        "#id_p0_relationship": "世帯主", "#id_p0_resident_code": "98765432109",
    }
    for selector, value in form.items():
        clerk.fill(selector, value)
    clerk.select_option("#id_p0_sex", "1")
    clerk.click("#submit-move-in")
    clerk.wait_for_load_state()
    assert clerk.inner_text("#change-status") == "仮登録", clerk.inner_text("main")
    return clerk.url


def test_move_in_to_nhi_enrolment_certificate_and_levy(server, monkeypatch):
    from django_tenants.utils import tenant_context
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from kyodo.tenantlog.relay import relay_town
    from tenants.nhi.models import Assessment, CardIssuance, Enrolment

    base, town = server
    # The relay and the checks run in this thread while playwright's sync API holds an event loop in it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            clerk = browser.new_context(locale="ja-JP", accept_downloads=True).new_page()
            _login(clerk, base, "shiroishi-clerk")
            change_url = _enter_move_in(clerk, base)
            approver = browser.new_context(locale="ja-JP").new_page()
            _login(approver, base, "shiroishi-approver")
            approver.goto(change_url)
            approver.click("#approve")
            approver.wait_for_url(f"{base}/residents/changes/")

            with tenant_context(town):
                report = relay_town(town)  # what the worker does: the event reaches 国保 once
            assert report.handled.get("nhi.enrol") == 1, report

            clerk.goto(f"{base}/nhi/")
            body = clerk.inner_text("main")
            assert "資格取得（転入）: 白石 太郎 取得日 2025-04-01" in body and "納付義務者の変更" in body
            problems += _axe(clerk, "workitems")
            select = clerk.query_selector("select[name^=card-]")
            assert select is not None and select.input_value() == "certificate"
            clerk.click("button[id^=confirm-household-]")
            clerk.wait_for_url(f"{base}/nhi/households/*/")
            messages = clerk.inner_text(".messages")
            assert "世帯の作業 2 件を確定しました。" in messages and "資格確認書 " in messages
            assert "2025年度の保険税を計算しました" in messages
            assert "被保険者（令和7年4月1日 取得）" in clerk.inner_text("#household-members")
            problems += _axe(clerk, "household")

            with tenant_context(town):
                enrolment = Enrolment.objects.get(is_current=True)
                card = CardIssuance.objects.get()
                assessment = Assessment.objects.get(is_current=True)
            assert (enrolment.acquired_on.isoformat(), enrolment.acquisition_reason) == ("2025-04-01", "move_in")
            assert assessment.fiscal_year == 2025 and assessment.total > 0
            assert f"{assessment.total:,}円" in clerk.inner_text("#household-levy")

            with clerk.expect_download() as info:
                clerk.click(f"text={card.serial}（PDF）")
            pdf = Path(info.value.path()).read_bytes()
            text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages)
            text = text.replace(" ", "").replace("\u3000", "").replace("\n", "")
            assert "資格確認書" in text and "白石太郎" in text and card.number in text

            clerk.click("text=計算の内訳")
            assert "年税額" in clerk.inner_text("main")
            problems += _axe(clerk, "levy-household")
            for name, path in (("person", f"/nhi/persons/{enrolment.person_id}/"), ("levy", "/nhi/levy/"),
                               ("tables", "/nhi/levy/tables/"), ("incomes", "/nhi/levy/incomes/"),
                               ("card-issue", f"/nhi/persons/{enrolment.person_id}/card/"),
                               ("acquire", f"/nhi/persons/{enrolment.person_id}/lose/")):
                clerk.goto(f"{base}{path}")
                problems += _axe(clerk, name)
            clerk.goto(f"{base}/inquiry/persons/{enrolment.person_id}/")
            assert card.serial in clerk.inner_text("main") and f"{assessment.total:,}円" in clerk.inner_text("main")
            problems += _axe(clerk, "inquiry")
        finally:
            browser.close()
            # Queries made while playwright's loop runs use their own connection (asgiref's context-local
            # connections): close it here, or the test database cannot be dropped at the end.
            from django.db import connections

            connections.close_all()
    assert problems == []
