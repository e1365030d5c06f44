"""Signing-key rotation at the IdP: Kyodo, holding only the old key, accepts the first token signed with
the new one by re-fetching the JWKS (the old key stays published for tokens already issued)."""

from __future__ import annotations

import pytest
import requests
from django.test import Client

from integrations.keycloak.devidp import PORTAL_CLIENT_ID, run_idp_command, stop_dev_idp
from kyodo.identity.conf import oidc_django_settings
from kyodo.identity.oidc import JWKS

from .conftest import PORTAL_SECRET, free_port, sso_login, start_idp

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_login_still_works_after_the_idp_rotates_its_signing_key(settings, tmp_path):
    port = free_port()
    idp = start_idp(tmp_path / "idp", port)
    try:
        for key, value in oidc_django_settings(issuer=idp.issuer, client_id=PORTAL_CLIENT_ID,
                                               client_secret=PORTAL_SECRET, recheck_seconds=0).items():
            setattr(settings, key, value)
        JWKS.clear()
        first = Client(HTTP_HOST="takeo.test")
        sso_login(first, idp, "sso-rotate")
        assert first.get("/").status_code == 200
        old_kids = {k["kid"] for k in requests.get(f"{idp.issuer}/protocol/openid-connect/certs", timeout=10).json()["keys"]}
        stop_dev_idp(idp.process)
        run_idp_command(idp.dir, "rotate-key")
        idp = start_idp(tmp_path / "idp", port)
        kids = {k["kid"] for k in requests.get(f"{idp.issuer}/protocol/openid-connect/certs", timeout=10).json()["keys"]}
        assert len(kids) == 2 and old_kids < kids
        second = Client(HTTP_HOST="takeo.test")
        assert sso_login(second, idp, "sso-rotate")["Location"] == "/"
        assert second.get("/").status_code == 200
    finally:
        stop_dev_idp(idp.process)
        JWKS.clear()
