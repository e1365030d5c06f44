"""Claims and scopes of the development IdP, shaped like Keycloak's: ``groups`` as full group paths
(Keycloak's "Group Membership" mapper with full path on), ``preferred_username``, and per-client
default scopes (Keycloak's default client scopes, e.g. ``town-412066`` for a vendor), and ``prompt=none``
answered as Keycloak answers it (a code when the browser has a session here and the client needs no
consent; ``login_required`` / ``consent_required`` otherwise)."""

from __future__ import annotations

import json
import os
from contextvars import ContextVar
from pathlib import Path

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

BASE_SCOPES = {"openid": "OpenID Connect", "profile": "プロフィール", "email": "メールアドレス",
               "introspection": "トークン検証"}


def client_scopes() -> dict[str, list[str]]:
    path = Path(os.environ["KYODO_DEVIDP_STATE"]) / "client_scopes.json"
    return json.loads(path.read_text()) if path.exists() else {}


class RealmScopes(BaseScopes):
    def get_all_scopes(self):
        scopes = dict(BASE_SCOPES)
        for names in client_scopes().values():
            scopes.update({name: name for name in names})
        return scopes

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        extra = client_scopes().get(application.client_id, []) if application is not None else []
        return [*BASE_SCOPES, *extra]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        if application is not None and application.authorization_grant_type == "client-credentials":
            return list(client_scopes().get(application.client_id, []))
        return ["openid", "profile", "email"]


# The browser's user at the IdP during an authorization request (set by urls.AuthorizationView): oauthlib
# asks the validator about "the session user" for prompt=none but hands it only its own request object.
SESSION_USER: ContextVar = ContextVar("devidp_session_user", default=None)


class KeycloakShapedValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "openid", "preferred_username": "openid"}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "preferred_username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "email_verified": bool(user.email),
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }

    # OpenID Connect Core 1.0 §3.1.2.1, prompt=none (django-oauth-toolkit leaves these two to subclasses).
    def validate_silent_login(self, request) -> bool:
        user = SESSION_USER.get()
        return bool(user is not None and user.is_authenticated and user.is_active)

    def validate_silent_authorization(self, request) -> bool:
        # Keycloak: a client with "Consent required" off (every Kyodo client) needs no consent.
        return bool(getattr(request.client, "skip_authorization", False))
