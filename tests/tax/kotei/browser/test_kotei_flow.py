"""Headless Chromium through the 法務局 path: a 税務担当 takes in a 登記済通知 file (a 地目変更 and a 滅失), sees the
評価変更 作業 it made, adjusts the 評価額 of one and confirms the other, and sees the parcels changed; axe-core
finds no serious or critical violation on the 固定資産税 pages (WCAG 2.1 AA). Screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest

from tests.residents.browser.test_accessibility import axe_violations
from tests.residents.browser.test_move_in_flow import CHROMIUM, launch, login, runserver

HOST = "omachi.localhost"
CODE = "414239"
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
    from tenants.tax.kotei import services

    town = committed.provision(code=CODE, name="大町町", name_kana="オオマチチョウ", hosts=[HOST],
                               applications=["residents", "tax"])
    user = get_user_model().objects.create_user(username="omachi-tax-clerk", password=PASSWORD)
    StaffMembership.objects.create(user=user, municipality=town, role="tax_clerk")
    chief = get_user_model().objects.create_user(username="omachi-tax-chief", password=PASSWORD)
    StaffMembership.objects.create(user=chief, municipality=town, role="tax_chief")
    with tenant_context(town):
        for number, value in (("10番", 6_000_000), ("11番", 3_000_000)):
            services.parcel_create(actor=user, town=town, kind="land", location="大町町大字大町", number=number,
                                   category="03", area=Decimal("250.00"), value=value, housing_area=Decimal("250.00"),
                                   dwellings=1, valid_from=dt.date(2016, 4, 1),
                                   owners=[{"corporate_number": "1234567890123", "name": "大町開発株式会社"}])
        services.assessments_calculate(actor=chief, town=town, fiscal_year=2025)
    try:
        # The server's relay kicks go to a queue no worker reads (as tests/nhi/browser does): a session's test
        # worker on the default queue would otherwise hold the test database open past the test.
        with runserver(HOST, KYODO_CELERY_QUEUE=f"kyodo-kotei-browser-{os.getpid()}") as base:
            yield base, town
    finally:
        user.delete()
        chief.delete()


def _axe(page, name: str) -> list[str]:
    return axe_violations(page, f"kotei-{name}")


def test_a_notice_file_worked_through_to_the_parcels(server, monkeypatch, tmp_path):
    from django.db import connections
    from django_tenants.utils import tenant_context
    from playwright.sync_api import sync_playwright

    from tenants.tax.kotei.models import Parcel
    from tenants.tax.models import WorkItem

    base, town = server
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    notice = tmp_path / "tokisumi.csv"
    notice.write_text("501,20250610,05,1,大町町大字大町,10番,,02,,,,,\n"
                      "502,20250612,06,1,大町町大字大町,11番,,,,,,,\n", encoding="cp932")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(locale="ja-JP").new_page()
            login(page, base, "omachi-tax-clerk", PASSWORD, "/tax/")
            page.click("text=固定資産税の賦課")
            assert "大町開発株式会社" in page.inner_text("#kotei-assessments")
            assert page.inner_text("#kotei-taxpayers") == "1件"  # one 納税義務者: the corporation, 2 parcels
            problems += _axe(page, "assessments")
            page.click("text=登記済通知の取込")
            problems += _axe(page, "import")
            page.set_input_files("#id_file", str(notice))
            page.click("#notice-submit")
            created = page.inner_text("#notice-created")
            assert "2件の通知を取り込みました" in created and "地目変更 大町町大字大町 10番" in created, created
            problems += _axe(page, "imported")
            page.click("#to-work")
            with tenant_context(town):
                change = WorkItem.objects.get(tax="kotei", source_type="registry.category_change")
                loss = WorkItem.objects.get(tax="kotei", source_type="registry.loss")
            problems += _axe(page, "work")
            page.click(f"#work-{change.pk} summary:has-text('評価を修正して確定')")
            page.fill(f"#value-{change.pk}", "１２００")  # full-width: refused, by field
            page.click(f"#adjust-{change.pk}")
            assert "金額" in page.inner_text("main") and f"work-{change.pk}" in page.content()
            page.click(f"#work-{change.pk} summary:has-text('評価を修正して確定')")
            page.fill(f"#value-{change.pk}", "1200000")
            page.click(f"#adjust-{change.pk}")
            assert "評価を修正して確定" in page.inner_text("main")
            page.click(f"#confirm-{loss.pk}")
            page.wait_for_selector("#kotei-work-empty")
            with tenant_context(town):
                field = Parcel.objects.get(number="10番", status="active")
                lost = Parcel.objects.get(number="11番")
            assert (field.category, field.value) == ("02", 1_200_000) and lost.status == "lost"
            page.goto(f"{base}/tax/kotei/parcels/{field.pk}/")
            assert page.inner_text("#kotei-parcel-category") == "畑"
            assert page.inner_text("#kotei-parcel-value") == "1,200,000円"
            problems += _axe(page, "parcel")
            page.goto(f"{base}/tax/kotei/parcels/{lost.pk}/")
            assert "滅失・閉鎖" in page.inner_text("#kotei-parcel-status")
        finally:
            browser.close()
            # the queries above ran in playwright's context, on a connection of their own: close it, or the
            # test database cannot be dropped at the end of the session
            connections.close_all()
    assert problems == []
