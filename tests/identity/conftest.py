"""The SSO side of the isolation fixture: a real OpenID provider (django-oauth-toolkit, Keycloak-shaped
endpoints) started once per session on a loopback port, with SSO users for the two towns, and helpers
that walk the authorization-code flow over real HTTP (Django test client for Kyodo, requests for the IdP).

SSO users (password IDP_PASSWORD):
  sso-clerk-a   /towns/412066/counter_clerk      sso-clerk-b  /towns/412074/counter_clerk
  sso-admin     /consortium/prefecture_admin     sso-multi    A counter_clerk + B approver
  sso-revoke, sso-latency, sso-promote, sso-disable, sso-logout, sso-refresh, sso-rotate: A counter_clerk (mutated by one test each)
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests

from integrations.keycloak.devidp import PORTAL_CLIENT_ID, run_idp_command, start_dev_idp, stop_dev_idp

IDP_PASSWORD = "idp-test-password-1"
PORTAL_SECRET = "portal-test-secret-not-for-production"
VENDOR_SECRET = "vendor-test-secret-not-for-production"
HOSTS = ("takeo.test", "kashima.test", "localhost")
A, B = "/towns/412066", "/towns/412074"
SSO_USERS = {
    "sso-clerk-a": [f"{A}/counter_clerk"],
    "sso-clerk-b": [f"{B}/counter_clerk"],
    "sso-admin": ["/consortium/prefecture_admin"],
    "sso-multi": [f"{A}/counter_clerk", f"{B}/approver"],
    "sso-revoke": [f"{A}/counter_clerk"],
    "sso-promote": [f"{A}/counter_clerk"],
    "sso-disable": [f"{A}/counter_clerk"],
    "sso-logout": [f"{A}/counter_clerk"],
    "sso-refresh": [f"{A}/counter_clerk"],
    "sso-rotate": [f"{A}/counter_clerk"],
    "sso-latency": [f"{A}/counter_clerk"],
}


def free_port(*, exclude: tuple[int, ...] = ()) -> int:
    """A free loopback port in 8500-8599, or in KYODO_TEST_PORTS (``low-high``) when set."""
    low, high = (int(p) for p in os.environ.get("KYODO_TEST_PORTS", "8500-8599").split("-"))
    for port in range(low, high + 1):
        if port in exclude:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")


def test_realm() -> dict:
    groups = [{"name": "towns", "subGroups": [
        {"name": code, "subGroups": [{"name": r} for r in ("counter_clerk", "approver", "section_chief", "auditor")]}
        for code in ("412066", "412074")]}, {"name": "consortium", "subGroups": [{"name": "prefecture_admin"}]}]
    return {
        "realm": "kyodo", "groups": groups,
        "users": [{"username": u, "enabled": True, "firstName": u, "email": f"{u}@example.jp",
                   "credentials": [{"type": "password", "value": IDP_PASSWORD}], "groups": g}
                  for u, g in SSO_USERS.items()],
        "clients": [
            {"clientId": PORTAL_CLIENT_ID, "secret": PORTAL_SECRET, "publicClient": False,
             "standardFlowEnabled": True, "redirectUris": [f"http://{h}/oidc/callback/" for h in HOSTS],
             "attributes": {"post.logout.redirect.uris": "##".join(f"http://{h}/accounts/login/" for h in HOSTS)}},
            {"clientId": "vendor-acme", "secret": VENDOR_SECRET, "serviceAccountsEnabled": True,
             "standardFlowEnabled": False,
             "defaultClientScopes": ["town-412066", "town-412074", "dataset-residents", "dataset-tax",
                                     "dataset-tax:write"]},
            {"clientId": "vendor-unknown", "secret": VENDOR_SECRET, "serviceAccountsEnabled": True,
             "standardFlowEnabled": False, "defaultClientScopes": ["town-412066", "dataset-residents"]},
            # a town's 申請管理 system (online applications, 業務配分): writes only
            {"clientId": "intake-takeo", "secret": VENDOR_SECRET, "serviceAccountsEnabled": True,
             "standardFlowEnabled": False,
             "defaultClientScopes": ["town-412066", "town-412074", "dataset-assignments:write"]},
        ],
    }


class IdP:
    def __init__(self, directory: Path, env: dict[str, str], process) -> None:
        self.dir = directory
        self.env = env
        self.process = process
        self.issuer = env["KYODO_OIDC_ISSUER"]
        self.origin = "{0.scheme}://{0.netloc}".format(urlparse(self.issuer))

    def command(self, *args: str) -> str:
        return run_idp_command(self.dir, *args)

    def private_key_pem(self) -> str:
        return (self.dir / "keys" / "active.pem").read_text()


def start_idp(directory: Path, port: int) -> IdP:
    env, proc = start_dev_idp(directory, port, test_realm())
    return IdP(directory, env, proc)


@pytest.fixture(scope="session")
def idp(tmp_path_factory):
    server = start_idp(tmp_path_factory.mktemp("idp") / "state", free_port())
    yield server
    stop_dev_idp(server.process)


@pytest.fixture
def oidc_settings(settings, idp):
    """Kyodo configured for the IdP exactly as KYODO_OIDC_* would configure it; sessions re-checked on
    every request (KYODO_OIDC_RECHECK_SECONDS=0) so revocation tests see the next request."""
    from kyodo.identity.conf import oidc_django_settings
    from kyodo.identity.oidc import JWKS

    for key, value in oidc_django_settings(issuer=idp.issuer, client_id=PORTAL_CLIENT_ID,
                                           client_secret=PORTAL_SECRET, recheck_seconds=0).items():
        setattr(settings, key, value)
    JWKS.clear()
    yield settings
    JWKS.clear()


def idp_walk(browser: requests.Session, url: str, *, origin: str, username: str | None,
             password: str = IDP_PASSWORD) -> str:
    """Follow the IdP's redirects (signing in on its login form when asked) until it sends the browser
    back to a relying party; returns that URL."""
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and 'id="kc-form-login"' in response.text:
            assert username is not None, "the IdP asked for a password where an SSO session was expected"
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)[1]
            next_url = parse_qs(urlparse(response.url).query)["next"][0]
            response = browser.post(response.url, allow_redirects=False, timeout=10, headers={"Referer": response.url},
                                    data={"csrfmiddlewaretoken": token, "username": username,
                                          "password": password, "next": next_url})
        assert response.status_code == 302, response.text[:500]
        url = urljoin(response.url, response.headers["Location"])
        if not url.startswith(origin):
            return url
    raise AssertionError("too many redirects at the IdP")


def sso_login(client, idp: IdP, username: str | None, *, browser: requests.Session | None = None,
              next_url: str = "/"):
    """The whole authorization-code flow: Kyodo → IdP (login form) → Kyodo callback. Returns the
    callback's response (302 to ``next_url`` on success)."""
    browser = browser if browser is not None else requests.Session()
    start = client.get("/oidc/authenticate/", {"next": next_url})
    assert start.status_code == 302 and start["Location"].startswith(idp.issuer)
    back = idp_walk(browser, start["Location"], origin=idp.origin, username=username)
    parsed = urlparse(back)
    assert parsed.path == "/oidc/callback/", back
    return client.get(f"{parsed.path}?{parsed.query}")
