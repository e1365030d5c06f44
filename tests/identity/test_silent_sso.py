"""Silent sign-in across town hosts (OIDC ``prompt=none``) over real HTTP against the development IdP: a
member signed in at one town's host is signed in at another's without a login form; a non-member gets
the refusal page without a click; without an IdP session the login page (no error); one attempt per
browser within KYODO_OIDC_SILENT_RETRY_SECONDS; ``next`` stays on the host."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client

from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.views import SILENT_COOKIE

from .conftest import idp_walk, sso_login

pytestmark = pytest.mark.django_db


def _signed_in_at_a(idp, username: str, at_a: Client | None = None) -> requests.Session:
    """A browser holding an IdP session: signed in (with the password) at 武雄市's host."""
    browser = requests.Session()
    assert sso_login(at_a or Client(HTTP_HOST="takeo.test"), idp, username, browser=browser).status_code == 302
    return browser


def _silent(client: Client, idp, browser: requests.Session, path: str, **extra):
    """Ask a town page unauthenticated: Kyodo must send the browser to the IdP with prompt=none; follow
    the IdP (which must not show its login form) back to the callback. Returns the callback's response."""
    start = client.get(path, **extra)
    assert start.status_code == 302 and start["Location"].startswith(f"{idp.issuer}/protocol/openid-connect/auth?")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["prompt"] == ["none"] and query["state"][0] and query["nonce"][0]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [f"http://{client.defaults['HTTP_HOST']}/oidc/callback/"]
    back = idp_walk(browser, start["Location"], origin=idp.origin, username=None)
    parsed = urlsplit(back)
    assert parsed.netloc == client.defaults["HTTP_HOST"] and parsed.path == "/oidc/callback/", back
    return client.get(f"{parsed.path}?{parsed.query}")


def test_a_member_of_both_towns_signed_in_at_one_is_signed_in_silently_at_the_other(oidc_settings, idp):
    at_a = Client(HTTP_HOST="takeo.test")
    browser = _signed_in_at_a(idp, "sso-multi", at_a)
    at_b = Client(HTTP_HOST="kashima.test")
    done = _silent(at_b, idp, browser, "/residents/?q=x")
    assert done.status_code == 302 and done["Location"] == "/residents/?q=x"  # the page asked for
    page = at_b.get("/")
    assert page.status_code == 200 and "鹿島市" in page.content.decode() and "審査・決裁者" in page.content.decode()
    assert at_b.get("/residents/").status_code == 200
    login = PlatformAuditEntry.objects.filter(action="identity.login", actor_username="sso-multi",
                                              target_id="kashima.test").latest("seq")
    assert login.detail == {"method": "oidc", "silent": True}
    # Sessions stay per host: each host signed in with its own session, set as host-only cookies.
    name = settings.SESSION_COOKIE_NAME
    assert at_a.cookies[name].value != at_b.cookies[name].value
    assert at_b.cookies[name]["domain"] == "" and at_b.cookies[SILENT_COOKIE]["domain"] == ""
    assert "審査・決裁者" not in at_a.get("/").content.decode()  # town A still shows A's role


def test_a_non_member_gets_the_refusal_page_without_a_login_form(oidc_settings, idp, town_b):
    browser = _signed_in_at_a(idp, "sso-clerk-a")
    at_b = Client(HTTP_HOST="kashima.test")
    done = _silent(at_b, idp, browser, "/residents/")
    assert done.status_code == 302 and done["Location"] == "/residents/"
    refused = at_b.get("/residents/")
    body = refused.content.decode()
    assert refused.status_code == 403 and "このページは利用できません" in body
    assert "鹿島市" not in body and 'id="sso-login"' not in body
    entry = PlatformAuditEntry.objects.filter(action="town.access_refused", municipality_code="412074",
                                              actor_username="sso-clerk-a").latest("seq")
    assert entry.detail == {"path": "/residents/", "reason": "not_member"}


def test_without_an_idp_session_the_login_page_is_shown_without_an_error(oidc_settings, idp):
    client = Client(HTTP_HOST="kashima.test")
    back = _silent(client, idp, requests.Session(), "/residents/")  # a browser never signed in at the IdP
    assert back.status_code == 302 and back["Location"] == "/accounts/login/?next=/residents/"
    page = client.get(back["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and 'id="sso-login"' in body
    assert "認証に失敗しました" not in body and 'class="errorlist"' not in body
    assert "/oidc/authenticate/?next=%2Fresidents%2F" in body  # the button comes back to the page asked for
    assert not client.session.get("oidc_states")  # the silent attempt's state was used up
    assert not PlatformAuditEntry.objects.filter(action="identity.login_failed").exists()


def test_a_second_silent_attempt_within_the_window_is_not_made(oidc_settings, idp):
    client = Client(HTTP_HOST="kashima.test")
    back = _silent(client, idp, requests.Session(), "/")
    assert back["Location"] == "/accounts/login/?next=/"
    marker = client.cookies[SILENT_COOKIE]
    assert marker["max-age"] == oidc_settings.KYODO_OIDC_SILENT_RETRY_SECONDS == 60
    assert marker["httponly"] and marker["samesite"] == "Lax"
    # Within the window: straight to the login page, the IdP is not asked again (no loop).
    again = client.get("/residents/")
    assert again.status_code == 302 and again["Location"] == "/accounts/login/?next=/residents/"
    # The window over (the browser dropped the marker): one silent attempt again.
    del client.cookies[SILENT_COOKIE]
    assert client.get("/residents/")["Location"].startswith(idp.issuer)
    # Silent sign-in off, htmx requests and POSTs go to the login page directly.
    del client.cookies[SILENT_COOKIE]
    assert client.get("/", HTTP_HX_REQUEST="true")["Location"].startswith("/accounts/login/")
    assert client.post("/residents/")["Location"].startswith("/accounts/login/")
    oidc_settings.KYODO_OIDC_SILENT_RETRY_SECONDS = 0
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_an_error_other_than_login_required_or_a_replayed_state_is_a_failed_login(oidc_settings, idp):
    client = Client(HTTP_HOST="kashima.test")
    start = client.get("/residents/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    denied = client.get("/oidc/callback/", {"error": "access_denied", "state": state})
    assert denied["Location"] == "/accounts/login/?error=oidc"
    # The state was dropped: the same silent state with login_required is no longer a silent fallback.
    replay = client.get("/oidc/callback/", {"error": "login_required", "state": state})
    assert replay["Location"] == "/accounts/login/?error=oidc"
    # A code with a state this session never issued is refused outright, silent or not.
    assert client.get("/oidc/callback/", {"code": "x", "state": "never-issued"}).status_code == 400


def test_a_crafted_next_to_another_host_is_ignored(oidc_settings, idp):
    browser = _signed_in_at_a(idp, "sso-multi")
    # A path that a browser would send for http://kashima.test//evil.example/residents/ ...
    at_b = Client(HTTP_HOST="kashima.test")
    done = _silent(at_b, idp, browser, "/", PATH_INFO="//evil.example/residents/")
    assert done.status_code == 302 and done["Location"] == "/"
    # ... and a ``next`` parameter on a town page: the page itself is where the member comes back to.
    at_b2 = Client(HTTP_HOST="kashima.test")
    done = _silent(at_b2, idp, browser, "/residents/", data={"next": "https://evil.example/"})
    assert done["Location"] == "/residents/?next=https%3A%2F%2Fevil.example%2F"
    assert at_b2.get("/").status_code == 200
    # The login button's own ``next`` (mozilla-django-oidc's check): another host falls back to "/".
    at_b3 = Client(HTTP_HOST="kashima.test")
    assert sso_login(at_b3, idp, None, browser=browser, next_url="https://evil.example/")["Location"] == "/"
