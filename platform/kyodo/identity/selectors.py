"""Reads for identity: vendor tokens resolved to what they may reach (a user's roles in a town are
read by ``kyodo.identity.permissions.town_roles``)."""

from __future__ import annotations

import requests

from .conf import oidc_setting
from .models import ServiceAccount
from .principal import VendorPrincipal


class ServiceTokenInvalid(Exception):
    """The bearer token is not an active vendor token (answer 401, say nothing more)."""


def service_token_principal(token: str) -> VendorPrincipal:
    """Validate a vendor's bearer token by RFC 7662 introspection at the realm (works for Keycloak's JWT
    access tokens and the development IdP's opaque ones alike), then intersect its scopes with our
    ServiceAccount record: a scope the IdP grants but our contract does not is ignored, and vice versa."""
    if not token or not oidc_setting("KYODO_OIDC_ISSUER"):
        raise ServiceTokenInvalid("no token or no identity provider configured")
    response = requests.post(oidc_setting("KYODO_OIDC_INTROSPECTION_ENDPOINT"), data={"token": token}, timeout=10,
                             auth=(oidc_setting("OIDC_RP_CLIENT_ID"), oidc_setting("OIDC_RP_CLIENT_SECRET")))
    if response.status_code != 200:
        raise ServiceTokenInvalid(f"introspection answered {response.status_code}")
    data = response.json()
    if not data.get("active"):
        raise ServiceTokenInvalid("token not active")
    client_id = data.get("client_id") or data.get("azp") or ""
    account = ServiceAccount.objects.filter(client_id=client_id, active=True).first()
    if account is None:
        raise ServiceTokenInvalid("no active service account for this client")
    scopes = set(str(data.get("scope", "")).split())
    towns = {s.removeprefix("town-") for s in scopes if s.startswith("town-")} & set(account.municipality_codes)
    datasets = {s.removeprefix("dataset-") for s in scopes if s.startswith("dataset-")} & set(account.datasets)
    return VendorPrincipal(client_id=client_id, vendor_name=account.vendor_name,
                            municipality_codes=frozenset(towns), datasets=frozenset(datasets))
