"""Against a real Keycloak 26 (infra/compose/compose.yaml with kyodo-realm.json imported).
Skipped unless KEYCLOAK_URL is set; provisioning also needs KEYCLOAK_PROVISIONER_SECRET (the secret of
the realm's ``kyodo-provisioner`` client). Nothing here runs in this repository's CI."""

from __future__ import annotations

import os

import pytest
import requests

KEYCLOAK_URL = os.environ.get("KEYCLOAK_URL", "").rstrip("/")
REALM = os.environ.get("KEYCLOAK_REALM", "kyodo")
pytestmark = [pytest.mark.live, pytest.mark.skipif(not KEYCLOAK_URL, reason="KEYCLOAK_URL is not set")]


def test_realm_endpoints_have_the_shape_kyodo_derives_from_the_issuer():
    from kyodo.identity.conf import oidc_django_settings

    issuer = f"{KEYCLOAK_URL}/realms/{REALM}"
    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    derived = oidc_django_settings(issuer=issuer, client_id="kyodo-portal", client_secret="x")
    assert discovery["issuer"] == issuer
    assert discovery["authorization_endpoint"] == derived["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    assert discovery["token_endpoint"] == derived["OIDC_OP_TOKEN_ENDPOINT"]
    assert discovery["jwks_uri"] == derived["OIDC_OP_JWKS_ENDPOINT"]
    assert discovery["userinfo_endpoint"] == derived["OIDC_OP_USER_ENDPOINT"]
    assert discovery["end_session_endpoint"] == derived["KYODO_OIDC_END_SESSION_ENDPOINT"]
    assert discovery["introspection_endpoint"] == derived["KYODO_OIDC_INTROSPECTION_ENDPOINT"]
    assert "S256" in discovery["code_challenge_methods_supported"]
    keys = requests.get(discovery["jwks_uri"], timeout=10).json()["keys"]
    assert any(k["kty"] == "RSA" and k.get("use") == "sig" for k in keys)


@pytest.mark.skipif(not os.environ.get("KEYCLOAK_PROVISIONER_SECRET"), reason="KEYCLOAK_PROVISIONER_SECRET not set")
def test_provisioning_round_trip_is_idempotent():
    from integrations.keycloak import KeycloakProvisioner

    provisioner = KeycloakProvisioner(server_url=KEYCLOAK_URL, realm=REALM, client_id="kyodo-provisioner",
                                      client_secret=os.environ["KEYCLOAK_PROVISIONER_SECRET"],
                                      portal_client_id="kyodo-portal")
    code = "999997"  # not a real municipality code: never collides with a town of the consortium
    provisioner.town_ensure(code=code, name="試験町")
    provisioner.town_ensure(code=code, name="試験町")
    admin = provisioner.admin
    assert admin.get_group_by_path(f"/towns/{code}/counter_clerk")["name"] == "counter_clerk"
    assert admin.get_client_scope_by_name(f"town-{code}") is not None
    provisioner.town_disable(code=code)
    assert admin.get_group_by_path(f"/towns/{code}")["attributes"]["disabled"] == ["true"]
    admin.delete_group(admin.get_group_by_path(f"/towns/{code}")["id"])
    admin.delete_client_scope(admin.get_client_scope_by_name(f"town-{code}")["id"])
