"""Reads for identity: vendor tokens resolved to what they may reach (a user's roles in a town are
read by ``kyodo.identity.permissions.town_roles``)."""

from __future__ import annotations

import requests

from .conf import oidc_setting
from .models import ExternalIdentity, ServiceAccount, StaffRole
from .permissions import is_prefecture_admin, town_roles
from .principal import Principal, StaffPrincipal, VendorPrincipal, staff_principal


class ServiceTokenInvalid(Exception):
    """The bearer token is not an active vendor token (answer 401, say nothing more)."""


def _introspect(token: str) -> dict:
    """RFC 7662 introspection at the realm: the token's claims if it is active, else ServiceTokenInvalid."""
    if not token or not oidc_setting("KYODO_OIDC_ISSUER") or len(token) > 8192 or not token.isascii():
        raise ServiceTokenInvalid("no token or no identity provider configured")
    try:
        response = requests.post(oidc_setting("KYODO_OIDC_INTROSPECTION_ENDPOINT"), data={"token": token}, timeout=10,
                                 auth=(oidc_setting("OIDC_RP_CLIENT_ID"), oidc_setting("OIDC_RP_CLIENT_SECRET")))
    except requests.RequestException as exc:
        raise ServiceTokenInvalid(f"introspection failed: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise ServiceTokenInvalid(f"introspection answered {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise ServiceTokenInvalid("introspection answered no JSON") from None
    if not isinstance(data, dict) or not data.get("active"):
        raise ServiceTokenInvalid("token not active")
    return data


def _vendor_principal(data: dict, account: ServiceAccount) -> VendorPrincipal:
    scopes = set(str(data.get("scope", "")).split())
    towns = {s.removeprefix("town-") for s in scopes if s.startswith("town-")} & set(account.municipality_codes)
    datasets = {s.removeprefix("dataset-") for s in scopes if s.startswith("dataset-")} & set(account.datasets)
    return VendorPrincipal(client_id=account.client_id, vendor_name=account.vendor_name,
                           municipality_codes=frozenset(towns), datasets=frozenset(datasets),
                           persisted_only=account.persisted_queries_only)


def service_token_principal(token: str) -> VendorPrincipal:
    """Validate a vendor's bearer token by RFC 7662 introspection at the realm (works for Keycloak's JWT
    access tokens and the development IdP's opaque ones alike), then intersect its scopes with our
    ServiceAccount record: a scope the IdP grants but our contract does not is ignored, and vice versa."""
    data = _introspect(token)
    client_id = data.get("client_id") or data.get("azp") or ""
    account = ServiceAccount.objects.filter(client_id=client_id, active=True).first()
    if account is None:
        raise ServiceTokenInvalid("no active service account for this client")
    return _vendor_principal(data, account)


def bearer_principal(token: str, town) -> Principal:
    """The caller of an API request with a bearer token: a vendor (client credentials of a service
    account), or a member of staff (an access token the realm issued to the portal client for them),
    with the roles they hold in ``town`` — or, on the console's host (``town`` None), 県管理者 when
    they are one. Raises ServiceTokenInvalid for anything else."""
    data = _introspect(token)
    client_id = str(data.get("client_id") or data.get("azp") or "")
    account = ServiceAccount.objects.filter(client_id=client_id, active=True).first()
    if account is not None:
        return _vendor_principal(data, account)
    if client_id != oidc_setting("OIDC_RP_CLIENT_ID"):
        raise ServiceTokenInvalid("token of an unknown client")
    issuer = oidc_setting("KYODO_OIDC_ISSUER")
    links = ExternalIdentity.objects.select_related("user").filter(issuer=issuer)
    link = links.filter(subject=str(data["sub"])).first() if data.get("sub") else None
    if link is None and data.get("username"):
        link = links.filter(user__username=str(data["username"])[:150]).first()
    if link is None or not link.user.is_active:
        raise ServiceTokenInvalid("no active user for this token")
    user = link.user
    if town is None:
        roles = {StaffRole.PREFECTURE_ADMIN.value} if is_prefecture_admin(user) else set()
        return StaffPrincipal(user_id=user.pk, username=user.get_username(), municipality_code="",
                              roles=frozenset(roles))
    return staff_principal(user, town, town_roles(user, town))
