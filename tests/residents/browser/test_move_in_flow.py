"""Headless Chromium: a clerk enters a 転入, another member of staff approves it, and a
住民票の写し is issued — against `manage.py runserver` on a loopback port and the test database."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
HOST = "kouhoku.localhost"
PASSWORD = "browser-test-password-1"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (scripts/setup.sh)"),
]


def _free_port() -> int:
    for port in range(8400, 8500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port in 8400-8499")


@contextlib.contextmanager
def runserver(host: str, **extra_env: str):
    """``manage.py runserver`` on a free loopback port against the test database; yields the base URL."""
    from tests.conftest import _test_database_url

    port = _free_port()
    env = dict(os.environ, DATABASE_URL=_test_database_url(), KYODO_DEBUG="1",
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]), **extra_env)
    proc = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("runserver exited") from None
                time.sleep(0.2)
        yield f"http://{host}:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def server(committed):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    town = committed.provision(code="414247", name="江北町", name_kana="コウホクマチ", hosts=[HOST],
                               applications=["residents"])
    for username, role in (("kouhoku-browser-clerk", "counter_clerk"), ("kouhoku-browser-approver", "approver")):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        StaffMembership.objects.create(user=user, municipality=town, role=role)
    try:
        with runserver(HOST) as base:
            yield base
    finally:
        # and the staff a test added for the town (the accessibility test's section chief, say)
        get_user_model().objects.filter(username__startswith="kouhoku-browser-").delete()


def launch(playwright):
    """Debian's Chromium, headless, with nothing reaching out of the machine."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"])


def login(page, base: str, username: str, password: str, next_path: str = "/residents/") -> None:
    """Sign in on the portal's login form and wait for ``next_path`` (every browser test signs in so)."""
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


def _login(page, base, username):
    login(page, base, username, PASSWORD)


def test_move_in_approval_and_certificate(server):
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    with sync_playwright() as p:
        browser = launch(p)
        try:
            clerk = browser.new_context(locale="ja-JP", accept_downloads=True).new_page()
            _login(clerk, server, "kouhoku-browser-clerk")
            clerk.click("text=転入届の入力")
            form = {
                "#id_notified_on": "令和6年4月5日", "#id_effective_on": "平成31年5月1日",
                "#id_address": "佐賀県杵島郡江北町大字山口1000番地", "#id_district": "山口",
                "#id_previous_address": "福岡県福岡市中央区天神1丁目1番1号", "#id_previous_town": "福岡市中央区",
                "#id_p0_family_name": "江北", "#id_p0_given_name": "花子", "#id_p0_family_name_kana": "こうほく",
                "#id_p0_given_name_kana": "はなこ", "#id_p0_birth_date": "昭和60年2月3日",
                "#id_p0_relationship": "世帯主", "#id_p0_resident_code": "98765432109",
            }
            for selector, value in form.items():
                clerk.fill(selector, value)
            clerk.select_option("#id_p0_sex", "2")
            clerk.click("#submit-move-in")
            # A 和暦 date that does not exist is refused on the field, and the form keeps what was typed.
            assert "存在しない和暦の日付です" in clerk.inner_text("body")
            assert clerk.input_value("#id_p0_family_name") == "江北"
            clerk.fill("#id_effective_on", "令和6年4月1日")
            clerk.click("#submit-move-in")
            clerk.wait_for_load_state()
            assert clerk.query_selector("#change-status"), clerk.inner_text("main")
            assert clerk.inner_text("#change-status") == "仮登録"
            change_url = clerk.url
            assert "決裁できません" in clerk.inner_text("body")

            approver = browser.new_context(locale="ja-JP").new_page()
            _login(approver, server, "kouhoku-browser-approver")
            approver.click("text=審査・決裁")
            assert "江北花子" in approver.inner_text("#queue")
            approver.goto(change_url)
            approver.click("#approve")
            approver.wait_for_url(f"{server}/residents/changes/")
            assert "審査待ちの異動はありません" in approver.inner_text("body")

            clerk.goto(f"{server}/residents/")
            clerk.fill("#q", "ｺｳﾎｸ")
            clerk.press("#q", "Enter")
            clerk.click("#results >> text=江北 花子")
            assert "佐賀県杵島郡江北町大字山口1000番地" in clerk.inner_text("#address")
            clerk.click("#issue-certificate")
            clerk.fill("#id_requester_name", "江北花子")
            clerk.fill("#id_purpose", "就職のため")
            with clerk.expect_download() as info:
                clerk.click("#issue")
            download = info.value
            assert download.suggested_filename.startswith("certificate-")
            pdf = Path(download.path()).read_bytes()
            text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages)
            text = text.replace(" ", "").replace("\u3000", "").replace("\n", "")
            assert "住民票の写し" in text and "江北花子" in text and "江北町長" in text
        finally:
            browser.close()
