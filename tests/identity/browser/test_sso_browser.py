"""Single sign-on in headless Chromium: Kyodo (runserver on the test database) and the development IdP as
two real servers on loopback ports; takeo.localhost / kashima.localhost resolve to 127.0.0.1 in Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from integrations.keycloak.devidp import PORTAL_CLIENT_ID, start_dev_idp, stop_dev_idp

from ...conftest import ROOT, _test_database_url
from ..conftest import IDP_PASSWORD, PORTAL_SECRET, free_port

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")]
HOSTS = {"412066": "takeo.localhost", "412074": "kashima.localhost"}


def _realm(web_port: int) -> dict:
    hosts = [*HOSTS.values(), "localhost"]
    return {"realm": "kyodo", "users": [
        {"username": "browser-clerk-a", "enabled": True, "credentials": [{"type": "password", "value": IDP_PASSWORD}],
         "groups": ["/towns/412066/counter_clerk"]},
        {"username": "browser-multi", "enabled": True, "credentials": [{"type": "password", "value": IDP_PASSWORD}],
         "groups": ["/towns/412066/counter_clerk", "/towns/412074/approver"]}],
        "clients": [{"clientId": PORTAL_CLIENT_ID, "secret": PORTAL_SECRET,
                     "redirectUris": [f"http://{h}:{web_port}/oidc/callback/" for h in hosts],
                     "attributes": {"post.logout.redirect.uris":
                                    "##".join(f"http://{h}:{web_port}/accounts/login/" for h in hosts)}}]}


@pytest.fixture
def servers(committed, tmp_path):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import OIDCSession
    from kyodo.tenancy.models import Municipality, TownHost

    web_port = free_port()
    idp_env, idp = start_dev_idp(tmp_path / "idp", free_port(exclude=(web_port,)), _realm(web_port))
    hosts = [TownHost.objects.create(domain=host, tenant=Municipality.objects.get(code=code), is_primary=False)
             for code, host in HOSTS.items()]
    env = dict(os.environ, **idp_env, DATABASE_URL=_test_database_url(), KYODO_OIDC_RECHECK_SECONDS="0",
               KYODO_ALLOWED_HOSTS=".localhost,localhost,127.0.0.1",
               PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    log = (tmp_path / "web.log").open("wb")
    web = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{web_port}"],
                           env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{web_port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield web_port
    finally:
        web.terminate()
        web.wait(timeout=20)
        stop_dev_idp(idp)
        for host in hosts:
            host.delete()
        users = get_user_model().objects.filter(username__in=["browser-clerk-a", "browser-multi"])
        from importlib import import_module

        from django.conf import settings

        store = import_module(settings.SESSION_ENGINE).SessionStore
        for row in OIDCSession.objects.filter(user__in=users):
            store(session_key=row.session_key).delete()
        users.delete()


def test_staff_signs_in_once_sees_their_town_and_is_refused_at_another(servers):
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.skip("chromium missing")
    port = servers
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page()
        page.goto(f"http://takeo.localhost:{port}/")
        assert "/accounts/login/" in page.url, page.content()[:2000]
        page.click("#sso-login")
        page.fill("#username", "browser-clerk-a")
        page.fill("#password", IDP_PASSWORD)
        page.click("#kc-login")
        page.wait_for_url(f"http://takeo.localhost:{port}/")
        assert "武雄市" in page.inner_text("header") and "窓口担当" in page.content()
        assert page.locator("#applications li").count() == 1  # 住民記録, the one application town A enabled
        # Town B: silent sign-in (prompt=none) reuses the IdP session — no login page, no click — and
        # Kyodo refuses.
        page.goto(f"http://kashima.localhost:{port}/")
        page.wait_for_url(f"http://kashima.localhost:{port}/")
        assert page.locator("#sso-login").count() == 0
        assert "このページは利用できません" in page.content() and "鹿島市" not in page.content()
        # Logout at town A ends the IdP session: the next sign-in asks for the password again.
        page.goto(f"http://takeo.localhost:{port}/")
        page.click("header button")
        page.wait_for_url(f"http://takeo.localhost:{port}/accounts/login/")
        page.click("#sso-login")
        page.wait_for_selector("#kc-login")
        browser.close()


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update"])


def test_a_member_of_two_towns_opens_the_second_town_without_signing_in_again(servers):
    from playwright.sync_api import sync_playwright

    port = servers
    with sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page()
        seen: list[str] = []
        page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
        page.goto(f"http://takeo.localhost:{port}/")
        page.click("#sso-login")
        page.fill("#username", "browser-multi")
        page.fill("#password", IDP_PASSWORD)
        page.click("#kc-login")
        page.wait_for_url(f"http://takeo.localhost:{port}/")
        seen.clear()
        page.goto(f"http://kashima.localhost:{port}/")
        page.wait_for_url(f"http://kashima.localhost:{port}/")
        assert "鹿島市" in page.inner_text("header") and "審査・決裁者" in page.content()
        # Every page the browser showed on the way: none was a login page (Kyodo's or the IdP's).
        assert seen and not [u for u in seen if "/accounts/login/" in u or "login-actions" in u], seen
        browser.close()
