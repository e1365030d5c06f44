"""Headless Chromium, keyboard only (WCAG 2.1.1): a clerk enters a 転入, an approver approves it and the
clerk issues a 住民票の写し — every control reached with Tab (or Shift+Tab), every action taken
with Enter or Space, text typed; no mouse click. A control that cannot be reached fails the test."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from .test_move_in_flow import CHROMIUM, PASSWORD, launch, server  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]

MAX_TABS = 150


def _focus(page, selector: str) -> None:
    """Tab through the page until ``selector`` has the focus (fails after MAX_TABS presses)."""
    for _ in range(MAX_TABS):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab on {page.url}")


def _type(page, selector: str, text: str) -> None:
    _focus(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _press(page, selector: str, key: str = "Enter") -> None:
    _focus(page, selector)
    page.keyboard.press(key)


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/residents/")
    _type(page, "#id_username", username)
    _type(page, "#id_password", PASSWORD)
    _press(page, "button[type=submit]")
    page.wait_for_url(f"{base}/residents/")


def test_move_in_approval_and_certificate_by_keyboard_only(server):  # noqa: F811
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    with sync_playwright() as p:
        browser = launch(p)
        try:
            clerk = browser.new_context(locale="ja-JP", accept_downloads=True).new_page()
            _login(clerk, server, "kouhoku-browser-clerk")
            _press(clerk, "a[href='/residents/changes/new/move-in/']")
            clerk.wait_for_url(f"{server}/residents/changes/new/move-in/")
            for selector, value in {
                "#id_notified_on": "令和6年4月5日", "#id_effective_on": "令和6年4月1日",
                "#id_address": "佐賀県杵島郡江北町大字山口1500番地", "#id_district": "山口",
                "#id_previous_address": "福岡県福岡市中央区天神2丁目2番2号", "#id_previous_town": "福岡市中央区",
                "#id_p0_family_name": "鍵盤", "#id_p0_given_name": "花子", "#id_p0_family_name_kana": "けんばん",
                "#id_p0_given_name_kana": "はなこ", "#id_p0_birth_date": "昭和60年2月3日",
                "#id_p0_relationship": "世帯主", "#id_p0_resident_code": "98765432109",
            }.items():
                _type(clerk, selector, value)
            _focus(clerk, "#id_p0_sex")
            clerk.keyboard.press("ArrowDown")
            clerk.keyboard.press("ArrowDown")  # — → 男 → 女
            assert clerk.input_value("#id_p0_sex") == "2"
            _press(clerk, "#submit-move-in")
            clerk.wait_for_selector("#change-status")
            assert clerk.inner_text("#change-status") == "仮登録"
            change_url = clerk.url

            approver = browser.new_context(locale="ja-JP").new_page()
            _login(approver, server, "kouhoku-browser-approver")
            approver.goto(change_url)
            _press(approver, "#approve")
            approver.wait_for_url(f"{server}/residents/changes/")

            clerk.goto(f"{server}/residents/")
            _type(clerk, "#q", "けんばん")
            clerk.keyboard.press("Enter")
            clerk.wait_for_selector("#results")
            _press(clerk, "#results a")
            clerk.wait_for_selector("#issue-certificate")
            _press(clerk, "#issue-certificate")
            clerk.wait_for_selector("#id_requester_name")
            _type(clerk, "#id_requester_name", "鍵盤花子")
            _type(clerk, "#id_purpose", "就職のため")
            with clerk.expect_download() as info:
                _press(clerk, "#issue")
            pdf = Path(info.value.path()).read_bytes()
            text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages)
            text = text.replace(" ", "").replace("\u3000", "").replace("\n", "")
            assert "住民票の写し" in text and "鍵盤花子" in text
        finally:
            browser.close()
