"""Headless Chromium + axe-core over the prefecture administrators' console (town list with figures,
the suspension confirmation, onboarding form, staff, backups, events, audit log): no serious or
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
         ("console-audit", "/console/audit/"))


def test_console_pages_have_no_serious_accessibility_violation(server):  # noqa: F811
    from django.contrib.auth import get_user_model
    from playwright.sync_api import sync_playwright

    from kyodo.identity.models import StaffMembership

    assert AXE.exists(), "axe.min.js is not vendored: run scripts/setup.sh"
    admin = get_user_model().objects.create_user(username="pref-browser-admin", password=PASSWORD,
                                                 last_name="佐賀", first_name="県子")
    StaffMembership.objects.create(user=admin, municipality=None, role="prefecture_admin")
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
                for name, path in PAGES:
                    response = page.goto(f"{base}{path}")
                    assert response is not None and response.status == 200, (path, response and response.status)
                    problems += _check(page, name)
                page.goto(f"{base}/console/")
                assert "江北町" in page.content()
            finally:
                browser.close()
    finally:
        admin.delete()
    assert problems == [], "\n".join(problems)
