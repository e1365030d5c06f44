"""Onboarding a NEW town with the development IdP as provisioner (``KYODO_IDENTITY_PROVISIONER=devidp``, as in
``kyodo demo``): the IdP already running (started once per session, never restarted) gets the town's groups
and its host's redirect URI; staff invited into ``/towns/<code>/counter_clerk`` sign in at the new town's host
through the full OIDC flow and land on its portal; staff of another town are refused there.
Real processes (the IdP and its admin commands), real HTTP, the real provisioning service."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from django.test import Client

from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.models import StaffMembership
from kyodo.identity.services import staff_disable, staff_invite
from kyodo.tenancy.services import municipality_provision

from .conftest import IDP_PASSWORD, sso_login

pytestmark = pytest.mark.django_db

NEW_TOWN = {"code": "412091", "name": "嬉野市", "name_kana": "ウレシノシ", "hosts": ["ureshino.test"],
            "applications": ["residents"]}
# onboarded by the first test only, so the IdP of the session has never seen its host before
OTHER_NEW_TOWN = {"code": "412104", "name": "神埼市", "name_kana": "カンザキシ", "hosts": ["kanzaki.test"],
                  "applications": ["residents"]}
OTHER_CALLBACK = "http://kanzaki.test/oidc/callback/"


@pytest.fixture
def devidp_provisioner(settings, idp):
    """Kyodo configured as `kyodo demo` configures it: the devidp provisioner on the IdP's state dir, and an
    invitation password (the demo writes its demo password there)."""
    identity = settings.KYODO_IDENTITY
    settings.KYODO_IDENTITY = type(identity)(**{**identity.__dict__, "provisioner": "devidp",
                                                "devidp_state_dir": str(idp.dir),
                                                "public_url_template": "http://{host}"})
    (idp.dir / "invite_password").write_text(IDP_PASSWORD)
    yield settings
    (idp.dir / "invite_password").unlink()


def _onboard(django_capture_on_commit_callbacks, town=NEW_TOWN):
    with django_capture_on_commit_callbacks(execute=True):
        return municipality_provision(actor=None, **town)


def _authorization_for_new_host(idp) -> tuple[requests.Session, str]:
    """A browser with an IdP session (signed in through town A) and an authorization request that asks the
    IdP to send the code to the new town's host."""
    browser = requests.Session()
    assert sso_login(Client(HTTP_HOST="takeo.test"), idp, "sso-clerk-a", browser=browser).status_code == 302
    start = Client(HTTP_HOST="takeo.test").get("/oidc/authenticate/")
    url = urlparse(start["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    return browser, url._replace(query=urlencode({**query, "redirect_uri": OTHER_CALLBACK})).geturl()


def test_onboarding_registers_the_new_towns_groups_and_host_at_the_running_idp(
        oidc_settings, devidp_provisioner, idp, django_capture_on_commit_callbacks):
    browser, authorize = _authorization_for_new_host(idp)
    before = browser.get(authorize, allow_redirects=False, timeout=10)
    assert before.status_code == 400 and "Mismatching redirect URI" in before.text

    _onboard(django_capture_on_commit_callbacks, OTHER_NEW_TOWN)
    entry = PlatformAuditEntry.objects.get(action="identity.town_ensure", municipality_code="412104")
    assert entry.outcome == "ok" and entry.detail == {"provisioner": "devidp", "hosts": ["kanzaki.test"]}

    # the same authorization request is now accepted by the IdP process that was running all along
    after = browser.get(authorize, allow_redirects=False, timeout=10)
    assert after.status_code == 302 and after.headers["Location"].startswith(f"{OTHER_CALLBACK}?code=")

    # idempotent: ensuring again creates and adds nothing
    again = json.loads(idp.command("town-ensure", "--code", "412104", "--name", "神埼市",
                                   "--redirect-uri", OTHER_CALLBACK,
                                   "--logout-uri", "http://kanzaki.test/accounts/login/"))
    assert again == {"groups_created": [], "redirect_uris_added": [], "logout_uris_added": []}


def test_staff_invited_to_the_new_town_sign_in_at_its_host_and_others_are_refused(
        oidc_settings, devidp_provisioner, idp, django_capture_on_commit_callbacks):
    town = _onboard(django_capture_on_commit_callbacks)
    staff_invite(actor=None, town=town, username="sso-ureshino-clerk", email="clerk@ureshino.example.jp",
                 role="counter_clerk", full_name="嬉野 花子")

    at_new = Client(HTTP_HOST="ureshino.test")
    callback = sso_login(at_new, idp, "sso-ureshino-clerk")
    assert callback.status_code == 302 and callback["Location"] == "/"
    portal = at_new.get("/")
    assert portal.status_code == 200 and "嬉野市" in portal.content.decode()
    membership = StaffMembership.objects.get(user__username="sso-ureshino-clerk", active=True)
    assert (membership.municipality_id, membership.role) == (town.pk, "counter_clerk")
    assert PlatformAuditEntry.objects.filter(action="identity.staff_invite", municipality_code="412091",
                                             target_id="sso-ureshino-clerk").exists()

    # staff of town A reach the new host's callback (its redirect URI is registered) but not the town
    other = Client(HTTP_HOST="ureshino.test")
    assert sso_login(other, idp, "sso-clerk-a").status_code == 302
    refused = other.get("/")
    assert refused.status_code == 403 and "嬉野市" not in refused.content.decode()
    assert PlatformAuditEntry.objects.filter(action="town.access_refused", municipality_code="412091",
                                             actor_username="sso-clerk-a").exists()


def test_staff_disabled_through_the_provisioner_cannot_sign_in_at_the_idp(
        oidc_settings, devidp_provisioner, idp, django_capture_on_commit_callbacks):
    town = _onboard(django_capture_on_commit_callbacks)
    staff_invite(actor=None, town=town, username="sso-ureshino-leaver", email="leaver@ureshino.example.jp",
                 role="approver", full_name="嬉野 次郎")
    client = Client(HTTP_HOST="ureshino.test")
    assert sso_login(client, idp, "sso-ureshino-leaver").status_code == 302
    assert client.get("/").status_code == 200

    staff_disable(actor=None, username="sso-ureshino-leaver")
    assert client.get("/").status_code != 200
    # the account is disabled at the IdP itself: the correct password no longer signs in
    start = Client(HTTP_HOST="ureshino.test").get("/oidc/authenticate/")
    browser = requests.Session()
    login_page = browser.get(start["Location"], timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
    response = browser.post(login_page.url, data={"csrfmiddlewaretoken": token, "username": "sso-ureshino-leaver",
                                                  "password": IDP_PASSWORD,
                                                  "next": parse_qs(urlparse(login_page.url).query)["next"][0]},
                            headers={"Referer": login_page.url}, allow_redirects=False, timeout=10)
    assert response.status_code == 200 and 'id="kc-form-login"' in response.text
