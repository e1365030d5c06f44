"""Headless Chromium: a clerk serves a person under 支援措置 (標準仕様 1.6: 照会 is an alert) — the
search lists them without the address, their page shows the warning until a purpose is stated,
then the record behind a banner; the certificate is refused. Screenshots go to var/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_move_in_flow import CHROMIUM, ROOT, _login, launch, server  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]

ADDRESS = "佐賀県杵島郡江北町大字佐留志2000番地"


def _protected_person() -> int:
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from kyodo.tenancy.models import Municipality
    from tenants.residents import services
    from tests.residents.conftest import move_in_data, person_data

    town = Municipality.objects.get(code="414247")
    users = get_user_model().objects
    clerk, approver = users.get(username="kouhoku-browser-clerk"), users.get(username="kouhoku-browser-approver")
    with tenant_context(town):
        change = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                        effective_on="2024-04-01", data=move_in_data(
                                            [person_data(family_name="保護", family_name_kana="ホゴ",
                                                         given_name="静", given_name_kana="シズカ", sex="2",
                                                         hittousha="保護静")], address=ADDRESS))
        services.change_approve(actor=approver, town=town, change=change)
        change.refresh_from_db()
        person_id = change.person_ids[0]
        services.support_measure_create(actor=approver, town=town, person_id=person_id, starts_on="2024-05-01",
                                        aggressors=[{"name": "加害 太郎"}])
    return person_id


def test_a_clerk_serves_a_protected_person_behind_the_warning(server):  # noqa: F811
    from playwright.sync_api import sync_playwright

    person_id = _protected_person()
    shots = ROOT / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            clerk = browser.new_context(locale="ja-JP").new_page()
            _login(clerk, server, "kouhoku-browser-clerk")
            clerk.fill("#q", "ほご")
            clerk.press("#q", "Enter")
            listing = clerk.inner_text("#results")
            assert "保護 静" in listing and "支援措置により非表示" in listing and ADDRESS not in listing
            clerk.click("#results >> text=保護 静")
            clerk.wait_for_selector("#alert-gate")  # the click starts a navigation: wait for the warning page
            assert clerk.query_selector("#alert-gate"), clerk.inner_text("main")
            assert ADDRESS not in clerk.content()
            clerk.screenshot(path=str(shots / "support-measure-gate.png"), full_page=True)
            clerk.fill("#gate-purpose", "本人来庁・転居の相談")
            clerk.click("text=目的を記録して表示する")
            clerk.wait_for_url(f"{server}/residents/persons/{person_id}/")
            assert ADDRESS in clerk.inner_text("#address")
            assert "支援措置" in clerk.inner_text("#suppression-banner")
            clerk.screenshot(path=str(shots / "support-measure-record.png"), full_page=True)
            clerk.click("#issue-certificate")
            clerk.fill("#id_requester_name", "保護静")
            clerk.fill("#id_purpose", "就職のため")
            clerk.click("#issue")
            clerk.wait_for_load_state()
            assert "一時解除" in clerk.inner_text("main")

            approver = browser.new_context(locale="ja-JP").new_page()
            _login(approver, server, "kouhoku-browser-approver")
            approver.goto(f"{server}/residents/measures/")
            assert "保護 静" in approver.inner_text("#measures") and ADDRESS not in approver.content()
            approver.screenshot(path=str(shots / "support-measures-page.png"), full_page=True)
        finally:
            browser.close()
    assert Path(shots / "support-measure-gate.png").stat().st_size > 0
