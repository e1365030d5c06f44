"""Headless Chromium through 法人住民税 as 税務課 uses it at the counter: search a corporation by name, open the
one-screen inquiry (profile, office, returns with their calculation, 調定 and 収納), enter a 確定申告 and see its
tax and 調定 on the same screen — then axe-core finds no serious or critical violation on the pages
(WCAG 2.1 AA). Screenshots go to var/screenshots/ for review."""

from __future__ import annotations

import os
from datetime import date

import pytest

from tests.residents.browser.test_accessibility import axe_violations
from tests.residents.browser.test_move_in_flow import CHROMIUM, launch, login, runserver
from tests.tax.hojin.conftest import corporation_data, final_return

HOST = "kohoku.localhost"
CODE = "414247"
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
    from tenants.tax.hojin import services

    town = committed.provision(code=CODE, name="江北町", name_kana="コウホクマチ", hosts=[HOST],
                               applications=["residents", "tax"])
    clerk = get_user_model().objects.create_user(username="kohoku-tax-clerk", password=PASSWORD)
    StaffMembership.objects.create(user=clerk, municipality=town, role="tax_clerk")
    with tenant_context(town):  # last year's return is on file already
        corporation = services.corporation_register(actor=clerk, town=town, data=corporation_data(
            name="株式会社江北陶業", kana="コウホクトウギョウ", head_office_address="佐賀県杵島郡江北町大字山口1番地",
            office_address="佐賀県杵島郡江北町大字山口1番地"))
        services.return_file(actor=clerk, town=town, corporation=corporation, data=final_return(
            period_start=date(2023, 4, 1), period_end=date(2024, 3, 31), filed_on=date(2024, 5, 20)))
    try:
        with runserver(HOST, KYODO_CELERY_QUEUE=f"kyodo-hojin-browser-{os.getpid()}") as base:
            yield base, town
    finally:
        clerk.delete()


def _axe(page, name: str) -> list[str]:
    return axe_violations(page, f"hojin-{name}")


def test_search_inquiry_and_a_return(server, monkeypatch):
    from django_tenants.utils import tenant_context
    from playwright.sync_api import sync_playwright

    from tenants.tax.models import Charge

    base, town = server
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(locale="ja-JP").new_page()
            login(page, base, "kohoku-tax-clerk", PASSWORD, "/tax/hojin/")
            page.fill("#id_q", "江北陶業")
            page.click("text=検索する")
            page.wait_for_load_state()
            problems += _axe(page, "search")
            page.click("#corporations a")
            page.wait_for_url(f"{base}/tax/hojin/*/")
            main = page.inner_text("main")
            assert "株式会社江北陶業" in main and "佐賀県杵島郡江北町大字山口1番地" in main
            assert "404,000円" in main and "確定申告" in main  # last year's return and its 調定
            problems += _axe(page, "inquiry")

            page.click("#return-new")
            page.wait_for_url(f"{base}/tax/hojin/*/returns/new/")
            page.fill("#id_period_start", "2024-04-01")
            page.fill("#id_period_end", "2025-03-31")
            page.fill("#id_employees", "60")  # over 50: the 均等割's second column
            page.fill("#id_corporate_tax", "2000000")
            page.fill("#id_filed_on", "2025-05-28")
            problems += _axe(page, "return-form")
            page.click("#return-submit")
            page.wait_for_url(f"{base}/tax/hojin/*/")
            # 3千万円・60人 → 150,000円; 2,000,000 × 6.0% = 120,000 → 270,000円
            assert "確定申告を受け付けました: 税額 270,000円" in page.inner_text(".messages")
            assert "270,000円" in page.inner_text("#charges")
            page.click("#returns details >> nth=0")
            assert "均等割 150,000円 × 12/12 = 150,000円" in page.inner_text("#returns")
            problems += _axe(page, "inquiry-after")
            with tenant_context(town):
                assert sorted(Charge.objects.values_list("amount", flat=True)) == [270_000, 404_000]
        finally:
            browser.close()
            from django.db import connections

            connections.close_all()
    assert problems == []
