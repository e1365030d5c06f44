"""Headless Chromium through the 個人住民税 year: the 税務課長 links the taxpayers of 1 January, imports the
所得資料 CSV, calculates the year and issues the notices; the taxpayer's page shows the 年税額 and 計算の過程,
the 納税通知書 PDF reads back with pypdf, 統合照会 shows the tax — and axe-core finds no serious or critical
violation on the 個人住民税 pages (WCAG 2.1 AA). Screenshots go to var/screenshots/ for review."""

from __future__ import annotations

import io
import os

import pytest

from tests.residents.browser.test_accessibility import SHOTS, axe_violations
from tests.residents.browser.test_move_in_flow import CHROMIUM, launch, login, runserver
from tests.residents.conftest import move_in_data, person_data

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
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import StaffMembership
    from tenants.residents import services as residents

    town = committed.provision(code=CODE, name="嬉野市", name_kana="ウレシノシ", hosts=[HOST],
                               applications=["residents", "tax"])
    users = {}
    for username, role in (("ureshino-clerk", "counter_clerk"), ("ureshino-approver", "approver"),
                           ("ureshino-tax-chief", "tax_chief")):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        StaffMembership.objects.create(user=user, municipality=town, role=role)
        users[role] = user
    with tenant_context(town):  # a resident since 2024: on the register on 1 January 2025
        change = residents.change_submit(
            actor=users["counter_clerk"], town=town, kind="move_in", notified_on="2024-04-05",
            effective_on="2024-04-01",
            data=move_in_data([person_data(family_name="嬉野", given_name="一郎", family_name_kana="ウレシノ",
                                           given_name_kana="イチロウ", honseki="佐賀県嬉野市嬉野町1番地",
                                           hittousha="嬉野一郎", resident_code="98765432101")],
                              address="佐賀県嬉野市嬉野町大字下宿甲100番地", district="嬉野", postal_code="843-0301"))
        residents.change_approve(actor=users["approver"], town=town, change=change)
        atena = change.versions.get().person.atena_number
    try:
        with runserver(HOST, KYODO_CELERY_QUEUE=f"kyodo-tax-browser-{os.getpid()}") as base:
            yield base, town, atena
    finally:
        for user in users.values():
            user.delete()


def _axe(page, name: str) -> list[str]:
    return axe_violations(page, f"juminzei-{name}")


def test_the_chief_computes_and_issues_the_year(server, monkeypatch, tmp_path):
    from django_tenants.utils import tenant_context
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    from tenants.tax.juminzei.models import Assessment

    base, town, atena = server
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    csv = tmp_path / "shotoku.csv"
    csv.write_text("宛名番号,種類,特別徴収義務者指定番号,特別徴収義務者名,給与収入,給与以外の所得,社会保険料控除,"
                   "その他の所得控除,配偶者・扶養親族,障害者控除,本人の区分\n"
                   f"{atena},申告,,,0,2003000,300000,0,,,\n", encoding="utf-8")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            chief = browser.new_context(locale="ja-JP").new_page()
            login(chief, base, "ureshino-tax-chief", PASSWORD, "/tax/juminzei/year/?year=2025")
            with chief.expect_navigation():  # the POST redirects to the same page: wait for it, not the old one
                chief.click("#link")
            assert "新たに 1人" in chief.inner_text(".messages")
            chief.goto(f"{base}/tax/juminzei/incomes/")
            problems += _axe(chief, "incomes")
            chief.fill("#id_fiscal_year", "2025")
            chief.set_input_files("#id_file", str(csv))
            chief.click("#import")
            chief.wait_for_url(f"{base}/tax/juminzei/year/?year=2025")
            with chief.expect_navigation():  # the POST redirects to the same page: wait for it, not the old one
                chief.click("#calculate")
            assert "税額を計算しました: 1人" in chief.inner_text(".messages")
            with chief.expect_navigation():  # the POST redirects to the same page: wait for it, not the old one
                chief.click("#issue")
            assert "通知書を 1件発付しました（調定 4件" in chief.inner_text(".messages")
            problems += _axe(chief, "year")

            chief.goto(f"{base}/tax/juminzei/?year=2025")
            problems += _axe(chief, "taxpayers")
            with chief.expect_navigation():
                chief.click("text=嬉野\u3000一郎")
            with tenant_context(town):
                assessment = Assessment.objects.get(is_current=True)
            assert chief.inner_text("#assessment-total") == f"{assessment.total:,}円"
            assert "課税総所得金額" in chief.inner_text("#explanation")
            problems += _axe(chief, "taxpayer")
            assert chief.get_attribute("#notice-pdf", "href") == f"/tax/juminzei/notices/{assessment.pk}.pdf"
            # Fetched by the page itself (its session, and the browser's host mapping of *.localhost).
            status, body = chief.evaluate("""async (url) => { const r = await fetch(url);
                return [r.status, Array.from(new Uint8Array(await r.arrayBuffer()))]; }""",
                                          f"/tax/juminzei/notices/{assessment.pk}.pdf")
            pdf = bytes(body)
            assert status == 200
            text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages)
            assert "納税通知書" in text and assessment.notice_no in text and "第4期" in text
            (SHOTS / "juminzei-notice.pdf").write_bytes(pdf)

            chief.goto(f"{base}/inquiry/persons/{assessment.person_id}/")
            body = chief.inner_text("main")
            assert "個人住民税" in body and f"{assessment.total:,}円" in body
        finally:
            browser.close()
            from django.db import connections

            connections.close_all()
    assert problems == []
