"""The OpenID Connect login over real HTTP against the development IdP: PKCE and nonce, group → membership
mapping, the portal menu, and the refusals (another town's host, an application the town has not enabled)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client

from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.models import ExternalIdentity, StaffMembership

from .conftest import sso_login

pytestmark = pytest.mark.django_db


def test_authorization_request_uses_pkce_nonce_and_the_towns_own_redirect_uri(oidc_settings):
    response = Client(HTTP_HOST="takeo.test").get("/oidc/authenticate/", {"next": "/"})
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["nonce"][0] and query["state"][0]
    assert query["redirect_uri"] == ["http://takeo.test/oidc/callback/"]
    assert query["response_type"] == ["code"]


def test_login_maps_groups_to_membership_and_menu_shows_only_enabled_apps(oidc_settings, idp, town_a,
                                                                          sample_app):
    client = Client(HTTP_HOST="takeo.test")
    done = sso_login(client, idp, "sso-clerk-a")
    assert done.status_code == 302 and done["Location"] == "/"
    page = client.get("/")
    body = page.content.decode()
    assert page.status_code == 200 and "武雄市" in body and "窓口担当" in body
    assert [a for a in ("residents", "sample") if f'data-app="{a}"' in body] == ["residents"]
    link = ExternalIdentity.objects.get(issuer=idp.issuer, user__username="sso-clerk-a")
    assert list(StaffMembership.objects.filter(user=link.user, active=True)
                .values_list("municipality__code", "role")) == [("412066", "counter_clerk")]
    assert PlatformAuditEntry.objects.filter(action="identity.login", actor_username="sso-clerk-a").exists()


def test_login_page_offers_sso_instead_of_passwords(oidc_settings):
    body = Client(HTTP_HOST="takeo.test").get("/accounts/login/?next=/residents/").content.decode()
    assert 'id="sso-login"' in body and "/oidc/authenticate/?next=%2Fresidents%2F" in body
    assert 'name="password"' not in body


def test_town_a_user_at_town_b_host_is_refused_and_audited(oidc_settings, idp, town_b):
    browser = requests.Session()
    assert sso_login(Client(HTTP_HOST="takeo.test"), idp, "sso-clerk-a", browser=browser).status_code == 302
    at_b = Client(HTTP_HOST="kashima.test")
    # Single sign-on: the IdP session is reused, no password is asked at town B.
    assert sso_login(at_b, idp, None, browser=browser).status_code == 302
    for path in ("/", "/residents/", "/residents/persons/1/"):
        response = at_b.get(path)
        assert response.status_code == 403
        assert "鹿島市" not in response.content.decode()
    refused = PlatformAuditEntry.objects.filter(action="town.access_refused", municipality_code="412074",
                                                actor_username="sso-clerk-a")
    assert refused.count() == 3 and refused.first().detail["reason"] == "not_member"


def test_application_the_town_has_not_enabled_is_refused_and_audited(oidc_settings, idp, town_b, sample_app):
    client = Client(HTTP_HOST="kashima.test")
    sso_login(client, idp, "sso-clerk-b")
    menu = client.get("/").content.decode()
    assert 'data-app="residents"' in menu and 'data-app="sample"' not in menu
    response = client.get("/sample/")
    assert response.status_code == 403
    entry = PlatformAuditEntry.objects.filter(action="town.access_refused", actor_username="sso-clerk-b").last()
    assert entry.detail == {"path": "/sample/", "reason": "application_not_enabled"}


def test_user_of_two_towns_gets_each_towns_role(oidc_settings, idp):
    browser = requests.Session()
    at_a, at_b = Client(HTTP_HOST="takeo.test"), Client(HTTP_HOST="kashima.test")
    sso_login(at_a, idp, "sso-multi", browser=browser)
    sso_login(at_b, idp, None, browser=browser)
    assert "窓口担当" in at_a.get("/").content.decode()
    page_b = at_b.get("/").content.decode()
    assert "審査・決裁者" in page_b and "窓口担当" not in page_b


def test_prefecture_admin_reaches_the_console_but_no_town(oidc_settings, idp):
    browser = requests.Session()
    console = Client(HTTP_HOST="localhost")
    sso_login(console, idp, "sso-admin", browser=browser, next_url="/console/")
    assert console.get("/console/").status_code == 200
    town = Client(HTTP_HOST="takeo.test")
    sso_login(town, idp, None, browser=browser)
    assert town.get("/").status_code == 403
    assert town.get("/residents/").status_code == 403


def test_town_staff_do_not_reach_the_console(oidc_settings, idp):
    console = Client(HTTP_HOST="localhost")
    sso_login(console, idp, "sso-clerk-a", next_url="/console/")
    assert console.get("/console/").status_code == 403


def test_wrong_password_at_the_idp_gives_no_session(oidc_settings, idp):
    client = Client(HTTP_HOST="takeo.test")
    start = client.get("/oidc/authenticate/", {"next": "/"})
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=10)
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
    response = browser.post(login_page.url, data={"csrfmiddlewaretoken": token, "username": "sso-clerk-a",
                                                  "password": "wrong-password",
                                                  "next": parse_qs(urlparse(login_page.url).query)["next"][0]},
                            headers={"Referer": login_page.url}, allow_redirects=False, timeout=10)
    assert response.status_code == 200 and "正しくありません" in response.text
    assert client.get("/").status_code == 302


def test_callback_with_a_forged_code_or_state_logs_nobody_in(oidc_settings, idp):
    client = Client(HTTP_HOST="takeo.test")
    start = client.get("/oidc/authenticate/", {"next": "/"})
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    response = client.get("/oidc/callback/", {"code": "forged-code", "state": state})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?error=oidc"
    assert client.get("/").status_code == 302
    assert PlatformAuditEntry.objects.filter(action="identity.login_failed", outcome="refused").exists()
    # A state this session never issued is refused outright.
    assert client.get("/oidc/callback/", {"code": "x", "state": "never-issued"}).status_code == 400
