"""Headless Chromium under the Content-Security-Policy: the login page, a town's staff home, the
residents search (htmx), a person, and the console raise no CSP violation (``securitypolicyviolation``
events and console messages both watched)."""

from __future__ import annotations

import os

import pytest

from tests.residents.browser.test_accessibility import _records
from tests.residents.browser.test_move_in_flow import CHROMIUM, PASSWORD, launch, login, server  # noqa: F401

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _watched(browser, messages: list[str]):
    context = browser.new_context(locale="ja-JP")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.on("console", lambda m: messages.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    return page


def _violations(page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return [f"{page.url}: {v}" for v in page.evaluate("window.__cspViolations")]


def test_main_pages_raise_no_csp_violation(server):  # noqa: F811
    from django.contrib.auth import get_user_model
    from playwright.sync_api import sync_playwright

    from kyodo.identity.models import StaffMembership

    ids = _records()
    admin = get_user_model().objects.create_user(username="csp-browser-admin", password=PASSWORD)
    StaffMembership.objects.create(user=admin, municipality=None, role="prefecture_admin")
    console = server.replace("kouhoku.localhost", "localhost")
    found: list[str] = []
    messages: list[str] = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = _watched(browser, messages)
                response = page.goto(f"{server}/accounts/login/")
                assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
                found += _violations(page)

                clerk = _watched(browser, messages)
                login(clerk, server, "kouhoku-browser-clerk", PASSWORD, next_path="/")
                found += _violations(clerk)
                clerk.goto(f"{server}/residents/")
                clerk.locator("#q").press_sequentially("こうほく", delay=30)
                clerk.wait_for_selector("#results")
                found += _violations(clerk)
                clerk.goto(f"{server}/residents/persons/{ids['person']}/")
                assert clerk.query_selector("#person") is not None
                found += _violations(clerk)

                admin_page = _watched(browser, messages)
                admin_page.goto(f"{console}/accounts/login/?next=/console/")
                admin_page.fill("#id_username", "csp-browser-admin")
                admin_page.fill("#id_password", PASSWORD)
                admin_page.click("button[type=submit]")
                admin_page.wait_for_url(f"{console}/console/")
                found += _violations(admin_page)
                for path in ("/console/staff/", "/console/audit/"):
                    admin_page.goto(f"{console}{path}")
                    found += _violations(admin_page)
            finally:
                browser.close()
    finally:
        admin.delete()
    assert not found, "\n".join(found)
    assert not messages, "\n".join(messages)
