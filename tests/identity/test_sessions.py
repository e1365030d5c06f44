"""What happens to a running SSO session: group removed at the IdP (next request refused), role added
(takes effect), account disabled (session ends), access token revoked (refresh keeps the session),
RP-initiated logout (ends the IdP session too) and back-channel logout (ends sessions on every host)."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from django.test import Client
from jwcrypto.jwk import JWK

from integrations.keycloak.devidp import PORTAL_CLIENT_ID
from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.models import ExternalIdentity, OIDCSession, StaffMembership

from .conftest import PORTAL_SECRET, idp_walk, sso_login

pytestmark = pytest.mark.django_db


def _signed_in(idp, username, host="takeo.test", browser=None):
    client = Client(HTTP_HOST=host)
    assert sso_login(client, idp, username, browser=browser).status_code == 302
    assert client.get("/").status_code == 200
    return client


def test_group_removed_at_the_idp_refuses_the_next_request(oidc_settings, idp, town_a):
    client = _signed_in(idp, "sso-revoke")
    idp.command("user-groups", "sso-revoke", "--remove", "/towns/412066/counter_clerk")
    assert client.get("/").status_code == 403
    assert client.get("/residents/").status_code == 403
    user = ExternalIdentity.objects.get(user__username="sso-revoke").user
    assert not StaffMembership.objects.filter(user=user, active=True).exists()
    sync = PlatformAuditEntry.objects.filter(action="identity.membership_sync", actor_username="sso-revoke").last()
    assert sync.detail["removed"] and sync.detail["source"] == "session_check"


def test_group_removal_waits_for_the_recheck_interval(oidc_settings, idp, town_a):
    """With KYODO_OIDC_RECHECK_SECONDS=60 the revocation latency is up to a minute (documented)."""
    oidc_settings.KYODO_OIDC_RECHECK_SECONDS = 60
    client = _signed_in(idp, "sso-latency")
    idp.command("user-groups", "sso-latency", "--remove", "/towns/412066/counter_clerk")
    assert client.get("/").status_code == 200  # within the interval: not yet asked
    session = client.session
    session["oidc_checked_at"] = time.time() - 61
    session.save()
    assert client.get("/").status_code == 403


def test_role_added_at_the_idp_takes_effect(oidc_settings, idp):
    client = _signed_in(idp, "sso-promote")
    assert "審査・決裁者" not in client.get("/").content.decode()
    idp.command("user-groups", "sso-promote", "--add", "/towns/412066/approver")
    assert "審査・決裁者" in client.get("/").content.decode()


def test_disabled_account_ends_the_session(oidc_settings, idp):
    client = _signed_in(idp, "sso-disable")
    idp.command("user-disable", "sso-disable")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302
    assert PlatformAuditEntry.objects.filter(action="identity.session_ended", actor_username="sso-disable").exists()


def test_an_access_token_the_idp_no_longer_accepts_is_renewed_with_the_refresh_token(oidc_settings, idp):
    client = _signed_in(idp, "sso-refresh")
    session = client.session
    session["oidc_access_token"] = "expired-or-unknown-token"  # what an expired token looks like to userinfo
    session.save()
    assert client.get("/").status_code == 200
    renewed = client.session["oidc_access_token"]
    assert renewed != "expired-or-unknown-token"
    userinfo = requests.get(f"{idp.issuer}/protocol/openid-connect/userinfo", timeout=10,
                            headers={"Authorization": f"Bearer {renewed}"})
    assert userinfo.json()["preferred_username"] == "sso-refresh"


def test_revoked_refresh_token_ends_the_session(oidc_settings, idp):
    client = _signed_in(idp, "sso-refresh")
    session = client.session
    revoked = requests.post(f"{idp.issuer}/protocol/openid-connect/revoke", timeout=10,
                            data={"token": session["oidc_refresh_token"], "token_type_hint": "refresh_token"},
                            auth=(PORTAL_CLIENT_ID, PORTAL_SECRET))
    assert revoked.status_code == 200
    assert client.get("/").status_code == 302


def test_logout_ends_the_kyodo_and_the_idp_session(oidc_settings, idp):
    browser = requests.Session()
    client = _signed_in(idp, "sso-logout", browser=browser)
    access_token = client.session["oidc_access_token"]
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{idp.issuer}/protocol/openid-connect/logout?") and "id_token_hint=" in end_session
    back = idp_walk(browser, end_session, origin=idp.origin, username=None)
    assert back == "http://takeo.test/accounts/login/"
    assert client.get("/").status_code == 302
    # The IdP session is gone: a new login asks for the password again, and old tokens are dead.
    start = Client(HTTP_HOST="takeo.test").get("/oidc/authenticate/")
    assert 'id="kc-form-login"' in browser.get(start["Location"], timeout=10).text
    userinfo = requests.get(f"{idp.issuer}/protocol/openid-connect/userinfo", timeout=10,
                            headers={"Authorization": f"Bearer {access_token}"})
    assert userinfo.status_code == 401
    assert PlatformAuditEntry.objects.filter(action="identity.logout", actor_username="sso-logout").exists()


def _logout_token(idp, pem, subject):
    now = int(time.time())
    claims = {"iss": idp.issuer, "aud": PORTAL_CLIENT_ID, "iat": now, "exp": now + 120, "jti": f"j-{now}",
              "sub": subject, "events": {"http://schemas.openid.net/event/backchannel-logout": {}}}
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": JWK.from_pem(idp.private_key_pem().encode()).thumbprint()})


def test_backchannel_logout_ends_the_users_sessions_on_every_host(oidc_settings, idp):
    browser = requests.Session()
    at_a = _signed_in(idp, "sso-multi", browser=browser)
    at_b = _signed_in(idp, "sso-multi", host="kashima.test", browser=browser)
    link = ExternalIdentity.objects.get(user__username="sso-multi")
    assert OIDCSession.objects.filter(user=link.user).count() == 2
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    forged_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    forged = Client().post("/oidc/backchannel-logout/", {"logout_token": _logout_token(idp, forged_pem, link.subject)},
                           HTTP_HOST="localhost")
    assert forged.status_code == 400
    assert at_a.get("/").status_code == 200
    genuine = Client().post("/oidc/backchannel-logout/",
                            {"logout_token": _logout_token(idp, idp.private_key_pem(), link.subject)},
                            HTTP_HOST="localhost")
    assert genuine.status_code == 200
    assert at_a.get("/").status_code == 302 and at_b.get("/").status_code == 302
    assert not OIDCSession.objects.filter(user=link.user).exists()
