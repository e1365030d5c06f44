"""Django settings for OpenID Connect login, derived from the issuer. Keycloak's endpoints have a fixed
shape under the realm's issuer, so nothing is fetched at start-up (the development IdP has the same shape)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def oidc_django_settings(*, issuer: str | None, client_id: str, client_secret: str | None,
                         recheck_seconds: int = 60, silent_retry_seconds: int = 60) -> dict[str, Any]:
    if not issuer:
        return {"KYODO_OIDC_ISSUER": None, "KYODO_OIDC_RECHECK_SECONDS": recheck_seconds,
                "KYODO_OIDC_SILENT_RETRY_SECONDS": 0,
                "AUTHENTICATION_BACKENDS": ["django.contrib.auth.backends.ModelBackend"]}
    protocol = f"{issuer}/protocol/openid-connect"
    return {
        "KYODO_OIDC_ISSUER": issuer,
        "KYODO_OIDC_RECHECK_SECONDS": recheck_seconds,
        "KYODO_OIDC_SILENT_RETRY_SECONDS": max(0, silent_retry_seconds),
        "KYODO_OIDC_END_SESSION_ENDPOINT": f"{protocol}/logout",
        "KYODO_OIDC_INTROSPECTION_ENDPOINT": f"{protocol}/token/introspect",
        # Only the OIDC backend: with an issuer configured there is no password login at all.
        "AUTHENTICATION_BACKENDS": ["kyodo.identity.oidc.KyodoOIDCBackend"],
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": client_secret,
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_RP_SCOPES": "openid profile email",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{protocol}/auth",
        "OIDC_OP_TOKEN_ENDPOINT": f"{protocol}/token",
        "OIDC_OP_USER_ENDPOINT": f"{protocol}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{protocol}/certs",
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        "OIDC_STORE_ACCESS_TOKEN": True,
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_TIMEOUT": 10,
        "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/?error=oidc",
    }


def issuer_origin(issuer: str) -> str:
    """``scheme://host[:port]`` of the issuer: what a Content-Security-Policy source names."""
    from urllib.parse import urlsplit

    parts = urlsplit(issuer)
    return f"{parts.scheme}://{parts.netloc}"


def oidc_setting(name: str) -> Any:
    """One of the settings above; they are set from oidc_django_settings, so type checkers cannot see them."""
    from django.conf import settings

    return getattr(settings, name, None)


OIDC_CALLBACK_PATH = "/oidc/callback/"
POST_LOGOUT_PATH = "/accounts/login/"


def portal_uris(hosts: Iterable[str], *, url_template: str) -> tuple[list[str], list[str]]:
    """The portal client's URIs for these town hosts: (redirect URIs, post-logout redirect URIs).

    The one place the URL of a town host is built for the IdP. ``url_template`` is
    ``KYODO_PUBLIC_URL_TEMPLATE`` (``IdentityConfig.public_url_template``): ``https://{host}`` by default,
    ``http://{host}`` in debug mode, ``http://{host}:8000`` in the demo (its web port). Keycloak has no
    host wildcards, so every host is registered on its own."""
    if "{host}" not in url_template:
        raise ValueError("KYODO_PUBLIC_URL_TEMPLATE must contain {host}")
    bases = [url_template.format(host=host).rstrip("/") for host in hosts]
    return [f"{base}{OIDC_CALLBACK_PATH}" for base in bases], [f"{base}{POST_LOGOUT_PATH}" for base in bases]
