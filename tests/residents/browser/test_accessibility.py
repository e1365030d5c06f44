"""Headless Chromium + axe-core (vendored from npm by scripts/setup.sh): every main residents page,
the error pages and the login page have no serious or critical accessibility violation (WCAG 2.1 AA,
JIS X 8341-3:2016). A 1280×800 screenshot of each page is saved under var/screenshots/ for review."""

from __future__ import annotations

import os
from urllib.parse import urljoin

import pytest

from .test_move_in_flow import CHROMIUM, PASSWORD, ROOT, _login, launch, server  # noqa: F401  (the fixture)
from .test_support_measure_warning import _protected_person

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]

AXE = ROOT / "platform" / "kyodo" / "core" / "static" / "kyodo" / "vendor" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"
BLOCKING = {"serious", "critical"}


def _records() -> dict[str, int]:
    """A resident (approved), one whose 方書 does not fit a certificate, and a pending 転入 entered by
    the clerk, beside the protected person; a section chief for the audit log."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import StaffMembership
    from kyodo.tenancy.models import Municipality
    from tenants.residents import services
    from tests.residents.conftest import move_in_data, person_data

    town = Municipality.objects.get(code="414247")
    users = get_user_model().objects
    clerk, approver = users.get(username="kouhoku-browser-clerk"), users.get(username="kouhoku-browser-approver")
    with tenant_context(town):
        done = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                      effective_on="2024-04-01", data=move_in_data(
                                          [person_data(family_name="江北", family_name_kana="コウホク",
                                                       given_name="一郎", given_name_kana="イチロウ",
                                                       resident_code="11111111119")],
                                          address="佐賀県杵島郡江北町大字山口1200番地"))
        services.change_approve(actor=approver, town=town, change=done)
        done.refresh_from_db()
        long = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                      effective_on="2024-04-01", data=move_in_data(
                                          [person_data(family_name="江北", family_name_kana="コウホク",
                                                       given_name="三郎", given_name_kana="サブロウ",
                                                       resident_code="33333333337")],
                                          address="佐賀県杵島郡江北町大字山口1400番地", katagaki="江北ハイツ" * 20))
        services.change_approve(actor=approver, town=town, change=long)
        long.refresh_from_db()
        pending = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-06",
                                         effective_on="2024-04-02", data=move_in_data(
                                             [person_data(family_name="江北", family_name_kana="コウホク",
                                                          given_name="次郎", given_name_kana="ジロウ",
                                                          resident_code="22222222228")],
                                             address="佐賀県杵島郡江北町大字山口1300番地"))
    chief = users.create_user(username="kouhoku-browser-chief", password=PASSWORD, last_name="江北", first_name="課長")
    StaffMembership.objects.create(user=chief, municipality=town, role="section_chief")
    return {"person": done.person_ids[0], "household": done.household_id, "long": long.person_ids[0],
            "pending": pending.pk}


def axe_violations(page, name: str, *, full_page: bool = True) -> list[str]:
    """axe-core over the page as shown (after a screenshot ``var/screenshots/<name>.png``); the serious and
    critical violations, described. The browser tests of every application use this."""
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
    # From the server, as a file: the Content-Security-Policy (script-src 'self') refuses an inline script.
    page.add_script_tag(url=urljoin(page.url, "/static/kyodo/vendor/axe.min.js"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            found.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} — {targets}")
    return found


def _check(page, name: str) -> list[str]:
    return axe_violations(page, name, full_page=False)


def _town_applications(change) -> list[str]:
    """Set 江北町's enabled applications to ``change(before)``, returning ``before``. In a thread of its
    own: Playwright's sync API runs an event loop in the test's thread, where Django refuses queries."""
    from concurrent.futures import ThreadPoolExecutor

    def run():
        from django.db import connection

        from kyodo.tenancy.models import Municipality

        try:
            towns = Municipality.objects.filter(code="414247")
            before = list(towns.get().enabled_applications)
            towns.update(enabled_applications=change(before))
            return before
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _inquiry_with_nhi(page, base: str, person_id: int) -> list[str]:
    """The 統合照会 page of a town that uses 国保 too (enabled for this page only)."""
    before = _town_applications(lambda apps: [*apps, "nhi"])
    try:
        page.goto(f"{base}/inquiry/persons/{person_id}/")
        assert page.query_selector("#inquiry-residents") and page.query_selector("#inquiry-nhi")
        return _check(page, "inquiry-nhi")
    finally:
        _town_applications(lambda apps: before)


def test_residents_pages_have_no_serious_accessibility_violation(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    assert AXE.exists(), "axe.min.js is not vendored: run scripts/setup.sh"
    protected = _protected_person()
    ids = _records()
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    viewport = {"width": 1280, "height": 800}
    with sync_playwright() as p:
        browser = launch(p)
        try:
            anonymous = browser.new_context(locale="ja-JP", viewport=viewport).new_page()
            anonymous.goto(f"{server}/accounts/login/")
            problems += _check(anonymous, "login")

            clerk = browser.new_context(locale="ja-JP", viewport=viewport).new_page()
            _login(clerk, server, "kouhoku-browser-clerk")
            # search as you type: the results come without pressing Enter (htmx, 300 ms after the last keystroke)
            clerk.locator("#q").press_sequentially("こうほく", delay=30)
            clerk.wait_for_selector("#results")
            assert clerk.url.endswith("q=%E3%81%93%E3%81%86%E3%81%BB%E3%81%8F") or "q=" in clerk.url
            problems += _check(clerk, "search-results")
            clerk.goto(f"{server}/residents/?q=ない人")
            problems += _check(clerk, "search-empty")
            clerk.goto(f"{server}/residents/persons/{ids['person']}/")
            problems += _check(clerk, "person")
            clerk.click("#person >> text=世帯番号")
            problems += _check(clerk, "household")
            for name, path in (("portal-home", "/"), ("issuance-list", "/residents/certificates/"),
                               ("inspection-list", "/residents/inspections/")):
                clerk.goto(f"{server}{path}")
                problems += _check(clerk, name)
            clerk.goto(f"{server}/residents/persons/{protected}/")
            assert clerk.query_selector("#alert-gate")
            problems += _check(clerk, "alert-gate")
            clerk.fill("#gate-purpose", "本人来庁・転居の相談")
            clerk.click("text=目的を記録して表示する")
            clerk.wait_for_selector("#suppression-banner")
            problems += _check(clerk, "person-protected")
            # 統合照会: the residents part alone, then with 国保 enabled, then a protected person's warning
            clerk.goto(f"{server}/inquiry/persons/{ids['person']}/")
            assert clerk.query_selector("#inquiry-residents") and not clerk.query_selector("#inquiry-nhi")
            problems += _check(clerk, "inquiry")
            problems += _inquiry_with_nhi(clerk, server, ids["person"])
            clerk.goto(f"{server}/inquiry/persons/{protected}/")
            assert clerk.query_selector("#alert-gate") and not clerk.query_selector("#inquiry-residents")
            problems += _check(clerk, "inquiry-alert-gate")
            clerk.fill("#gate-purpose", "本人来庁・各業務の確認")
            clerk.click("text=目的を記録して表示する")
            clerk.wait_for_selector("#inquiry-suppression-banner")
            problems += _check(clerk, "inquiry-protected")
            clerk.goto(f"{server}/residents/changes/new/move-in/")
            # a date is read back as it is typed (htmx), before the form is sent
            clerk.locator("#id_notified_on").press_sequentially("R6.4.5", delay=30)
            clerk.wait_for_selector("#id_notified_on-check >> text=令和6年4月5日")
            clerk.fill("#id_effective_on", "平成31年5月1日")
            clerk.click("#submit-move-in")
            clerk.wait_for_selector("#error-summary")
            problems += _check(clerk, "move-in-errors")
            clerk.goto(f"{server}/residents/changes/{ids['pending']}/")
            problems += _check(clerk, "change")
            clerk.goto(f"{server}/residents/persons/{ids['person']}/certificate/")
            problems += _check(clerk, "certificate-form")
            # the other change forms (転入 above): from the person's page and from the household's
            person, household = f"/residents/persons/{ids['person']}", f"/residents/households/{ids['household']}"
            for name, path in (("move-out-form", f"{person}/changes/move_out/"),
                               ("relocation-form", f"{person}/changes/relocation/"),
                               ("death-form", f"{person}/changes/death/"),
                               ("birth-form", f"{person}/changes/birth/"),
                               ("correction-form", f"{person}/correct/"),
                               ("clerical-correction-form", f"{person}/clerical-correction/"),
                               ("cancel-form", f"{person}/cancel/"),
                               ("head-change-form", f"{household}/changes/head_change/"),
                               ("household-split-form", f"{household}/changes/household_split/"),
                               ("household-transfer-form", f"{household}/changes/household_transfer/"),
                               ("special-move-in-form", "/residents/changes/new/special-move-in/"),
                               ("returning-find", "/residents/changes/new/move-in/returning/"),
                               ("inspection-form", "/residents/inspections/new/")):
                response = clerk.goto(f"{server}{path}")
                assert response.status == 200, (name, response.status)
                problems += _check(clerk, name)
            # 転出 sent with errors, after the inline checks of a date and a 続柄 answered
            clerk.goto(f"{server}{person}/changes/move_out/")
            clerk.locator("#id_notified_on").press_sequentially("R6.4.5", delay=20)
            clerk.wait_for_selector("#id_notified_on-check >> text=令和6年4月5日")
            clerk.fill("#id_effective_on", "平成31年5月1日")
            clerk.click("button:has-text(\"仮登録する\")")
            clerk.wait_for_selector(".kd-field--error")
            problems += _check(clerk, "move-out-errors")
            clerk.goto(f"{server}{household}/changes/head_change/")
            clerk.locator("input[name^=relationship_]").first.fill("")
            clerk.locator("input[name^=relationship_]").first.press_sequentially("孫", delay=20)
            clerk.wait_for_selector(".kd-field__check >> text=使えません")
            problems += _check(clerk, "head-change-code-check")
            # 閲覧申出 sent empty: the service's errors on the form
            clerk.goto(f"{server}/residents/inspections/new/")
            clerk.click("#submit-inspection")
            clerk.wait_for_load_state("networkidle")
            problems += _check(clerk, "inspection-form-errors")
            # a certificate whose 方書 does not fit: the page that asks to check it before handing it over
            clerk.goto(f"{server}/residents/persons/{ids['long']}/certificate/")
            clerk.fill("#id_requester_name", "江北三郎")
            clerk.fill("#id_purpose", "確認")
            clerk.click("#issue")
            clerk.wait_for_selector("#certificate-alert")
            problems += _check(clerk, "certificate-issued")
            response = clerk.goto(f"{server}/residents/measures/")
            assert response.status == 403
            problems += _check(clerk, "refused-403")
            response = clerk.goto(f"{server}/residents/persons/999999999/")
            assert response.status == 404
            problems += _check(clerk, "not-found-404")

            approver = browser.new_context(locale="ja-JP", viewport=viewport).new_page()
            _login(approver, server, "kouhoku-browser-approver")
            approver.goto(f"{server}/residents/changes/")
            assert approver.query_selector("#queue")
            problems += _check(approver, "approval-queue")
            approver.goto(f"{server}/residents/changes/{ids['pending']}/")
            problems += _check(approver, "change-decide")
            # with JavaScript the 差戻し confirmation opens as a modal dialog
            approver.click("text=差し戻す…")
            approver.wait_for_selector("dialog[open] #reject")
            problems += _check(approver, "reject-dialog")
            approver.keyboard.press("Escape")
            approver.goto(f"{server}/residents/measures/")
            problems += _check(approver, "measures")
            approver.goto(f"{server}/residents/alerts/")
            problems += _check(approver, "alerts")

            chief = browser.new_context(locale="ja-JP", viewport=viewport).new_page()
            _login(chief, server, "kouhoku-browser-chief")
            chief.goto(f"{server}/residents/audit/")
            assert chief.query_selector("#audit")
            problems += _check(chief, "audit-log")
            # filtered without a reload (htmx), the address bar kept
            chief.select_option("#f-action", "person.read")
            chief.wait_for_url("**action=person.read**")
            problems += _check(chief, "audit-log-filtered")
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
