"""Headless Chromium + axe-core over the prefecture administrators' console (town list with figures,
the suspension confirmation, onboarding form, staff, backups, events, audit log, データ移行（取込）: the
list, the upload form empty and with errors, a run in progress and a refused run): no serious or
critical accessibility violation. Screenshots at 1280×800 under var/screenshots/console-*.png."""

from __future__ import annotations

import os

import pytest

from .test_accessibility import AXE, SHOTS, _check
from .test_move_in_flow import CHROMIUM, PASSWORD, launch, server  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]

PAGES = (("console-towns", "/console/"), ("console-suspend", "/console/towns/414247/suspend/"),
         ("console-onboard", "/console/towns/new/"), ("console-staff", "/console/staff/"),
         ("console-backups", "/console/backups/"), ("console-events", "/console/events/"),
         ("console-audit", "/console/audit/"), ("console-imports", "/console/imports/"),
         ("console-import-form", "/console/imports/new/"))


def _import_runs():
    """A run in progress and a refused one with its issues, committed for the server to show."""
    from integrations.standard_spec.models import ImportFile, ImportRun, ImportStatus
    from kyodo.tenancy.models import Municipality

    town = Municipality.objects.get(code="414247")
    going = ImportRun.objects.create(town=town, layout="chukan-2.7", status=ImportStatus.CHECKING, progress=40,
                                     attempts=1, created_by_name="pref-browser-admin")
    report = "ファイル,行,項目,値,規則,内容,message\r\n" + "".join(
        f"persons.csv,{n},宛名番号,12345678{n},check_digit,宛名番号の検査数字が違います。,bad check digit\r\n"
        for n in range(2, 6))
    refused = ImportRun.objects.create(town=town, layout="chukan-2.7", status=ImportStatus.REFUSED, progress=100,
                                       attempts=1, issues_count=4, report=report, created_by_name="pref-browser-admin",
                                       counts={"households_read": 10, "persons_read": 24, "issues": 4})
    for run in (going, refused):
        for kind in ("households", "persons"):
            ImportFile.objects.create(run=run, kind=kind, name=f"{kind}.csv", sha256="0" * 64, size=1234,
                                      content=b"x")
    return going, refused


def test_console_pages_have_no_serious_accessibility_violation(server):  # noqa: F811
    from django.contrib.auth import get_user_model
    from playwright.sync_api import sync_playwright

    from integrations.standard_spec.models import ImportRun
    from kyodo.identity.models import StaffMembership

    assert AXE.exists(), "axe.min.js is not vendored: run scripts/setup.sh"
    admin = get_user_model().objects.create_user(username="pref-browser-admin", password=PASSWORD,
                                                 last_name="佐賀", first_name="県子")
    StaffMembership.objects.create(user=admin, municipality=None, role="prefecture_admin")
    runs = _import_runs()
    pages = (*PAGES, ("console-import-progress", f"/console/imports/{runs[0].pk}/"),
             ("console-import-refused", f"/console/imports/{runs[1].pk}/"))
    base = server.replace("kouhoku.localhost", "localhost")
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 800}).new_page()
                page.goto(f"{base}/accounts/login/?next=/console/")
                page.fill("#id_username", "pref-browser-admin")
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/console/")
                for name, path in pages:
                    response = page.goto(f"{base}{path}")
                    assert response is not None and response.status == 200, (path, response and response.status)
                    problems += _check(page, name)
                page.goto(f"{base}/console/imports/new/")
                page.click("#import-form button[type=submit]")
                page.wait_for_selector("#id_uploads-error")
                problems += _check(page, "console-import-form-errors")
                page.goto(f"{base}/console/")
                assert "江北町" in page.content()
            finally:
                browser.close()
    finally:
        ImportRun.objects.filter(pk__in=[r.pk for r in runs]).delete()
        admin.delete()
    assert problems == [], "\n".join(problems)
