"""What Kyodo needs from its identity provider, as a small interface, and its implementations:
``KeycloakProvisioner`` (python-keycloak's admin API, idempotent), ``DevIdpProvisioner`` (the development
IdP of the demo and the tests, through its admin commands) and ``NullProvisioner`` (nothing to do: an IdP
administered by hand). Chosen by configuration (``KYODO_IDENTITY_PROVISIONER``)."""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TOWN_ROLES = ("counter_clerk", "approver", "section_chief", "auditor")


class IdentityProvisioner(abc.ABC):
    """Every method is idempotent: calling it again after a partial failure completes the work."""

    name = "abstract"
    #: KYODO_PUBLIC_URL_TEMPLATE: how a town host becomes the URL registered at the IdP
    url_template = "https://{host}"

    @classmethod
    def from_config(cls, identity: Any) -> IdentityProvisioner:
        """An instance configured from ``kyodo.config.IdentityConfig`` (settings.KYODO_IDENTITY)."""
        provisioner = cls()
        provisioner.url_template = identity.public_url_template
        return provisioner

    def portal_uris(self, hosts: Iterable[str]) -> tuple[list[str], list[str]]:
        """(redirect URIs, post-logout redirect URIs) of the portal client for these town hosts."""
        from kyodo.identity.conf import portal_uris

        return portal_uris(dict.fromkeys(hosts), url_template=self.url_template)

    @abc.abstractmethod
    def town_ensure(self, *, code: str, name: str, hosts: Sequence[str] = ()) -> None:
        """Onboarding: the town's groups (one per role), its client scope for vendors, and each of its
        hosts' redirect URI (``/oidc/callback/``) and post-logout URI (``/accounts/login/``) on the portal
        client (no host wildcards: every host is registered)."""

    @abc.abstractmethod
    def town_disable(self, *, code: str) -> None:
        """Offboarding: nobody's token names the town any more; the groups stay for the record."""

    @abc.abstractmethod
    def staff_invite(self, *, username: str, email: str, full_name: str, group_path: str) -> None:
        """Create (or find) the account, add it to the group, ask it to set a password."""

    @abc.abstractmethod
    def staff_disable(self, *, username: str) -> None:
        """Disable the account (its IdP sessions end; userinfo answers 401)."""

    @abc.abstractmethod
    def service_account_ensure(self, *, client_id: str, scopes: Iterable[str]) -> str | None:
        """A confidential client with client credentials and exactly these default scopes; its secret."""

    @abc.abstractmethod
    def service_account_disable(self, *, client_id: str) -> None:
        """Disable the vendor's client: no new tokens."""


class NullProvisioner(IdentityProvisioner):
    name = "null"

    def town_ensure(self, *, code: str, name: str, hosts: Sequence[str] = ()) -> None:
        redirect, logout = self.portal_uris(hosts)
        log.info("identity provisioner is null: create the groups of town %s and register %s by hand",
                 code, redirect + logout)

    def town_disable(self, *, code: str) -> None:
        log.info("identity provisioner is null: nothing to disable for town %s", code)

    def staff_invite(self, *, username: str, email: str, full_name: str, group_path: str) -> None:
        log.info("identity provisioner is null: invite %s to %s by hand", username, group_path)

    def staff_disable(self, *, username: str) -> None:
        log.info("identity provisioner is null: disable %s by hand", username)

    def service_account_ensure(self, *, client_id: str, scopes: Iterable[str]) -> str | None:
        return None

    def service_account_disable(self, *, client_id: str) -> None:
        return None


class KeycloakProvisioner(IdentityProvisioner):
    """Keycloak 26 through python-keycloak's KeycloakAdmin, authenticated as a confidential client of the
    realm with the realm-management roles manage-users, manage-clients and query-groups (client credentials)."""

    name = "keycloak"

    @classmethod
    def from_config(cls, identity: Any) -> KeycloakProvisioner:
        if not identity.keycloak_url or not identity.keycloak_admin_client_secret:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("KYODO_KEYCLOAK_URL and KYODO_KEYCLOAK_ADMIN_CLIENT_SECRET are required")
        return cls(server_url=identity.keycloak_url, realm=identity.keycloak_realm,
                   client_id=identity.keycloak_admin_client_id, client_secret=identity.keycloak_admin_client_secret,
                   portal_client_id=identity.oidc_client_id, public_url_template=identity.public_url_template)

    def __init__(self, *, server_url: str, realm: str, client_id: str, client_secret: str, portal_client_id: str,
                 verify: bool | str = True, public_url_template: str = "https://{host}") -> None:
        """``client_id``/``client_secret``: the admin client this provisioner signs in as;
        ``portal_client_id``: the portal's OIDC client (KYODO_OIDC_CLIENT_ID) whose URIs it maintains."""
        from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

        connection = KeycloakOpenIDConnection(server_url=server_url, realm_name=realm, user_realm_name=realm,
                                              client_id=client_id, client_secret_key=client_secret,
                                              grant_type="client_credentials", verify=verify)
        self.admin = KeycloakAdmin(connection=connection)
        self.portal_client_id = portal_client_id
        self.url_template = public_url_template

    # --- groups ------------------------------------------------------------------------------------
    def _group(self, path: str) -> dict | None:
        """The GroupRepresentation at ``path`` (attributes included), or None."""
        from keycloak.exceptions import KeycloakGetError

        try:
            group = self.admin.get_group_by_path(path)
        except KeycloakGetError as exc:
            if exc.response_code == 404:
                return None
            raise
        return group if isinstance(group, dict) and group.get("id") else None

    def _group_id(self, path: str) -> str | None:
        group = self._group(path)
        return group["id"] if group else None

    def _group_ensure(self, path: str, attributes: dict[str, list[str]] | None = None) -> str:
        group_id = self._group_id(path)
        return group_id if group_id is not None else self._group_create(path, attributes)

    def _group_create(self, path: str, attributes: dict[str, list[str]] | None = None) -> str:
        parent_path, _, name = path.rpartition("/")
        parent_id = self._group_ensure(parent_path) if parent_path else None
        payload: dict = {"name": name}
        if attributes:
            payload["attributes"] = attributes
        group_id = self.admin.create_group(payload, parent=parent_id, skip_exists=True) or self._group_id(path)
        if group_id is None:
            raise RuntimeError(f"Keycloak did not create group {path}")
        return group_id

    def _client_scope_ensure(self, name: str, description: str) -> str:
        scope = self.admin.get_client_scope_by_name(name)
        if scope:
            return scope["id"]
        return self.admin.create_client_scope({
            "name": name, "description": description, "protocol": "openid-connect",
            "attributes": {"include.in.token.scope": "true", "display.on.consent.screen": "false"},
        })

    def town_ensure(self, *, code: str, name: str, hosts: Sequence[str] = ()) -> None:
        wanted = {"municipality_code": [code], "name": [name]}
        group = self._group(f"/towns/{code}")
        if group is None:
            self._group_create(f"/towns/{code}", wanted)
        elif {k: v for k, v in (group.get("attributes") or {}).items() if k in wanted or k == "disabled"} != wanted:
            # re-onboarding a town that was offboarded, or renamed: enable it again
            attributes = {k: v for k, v in (group.get("attributes") or {}).items() if k != "disabled"}
            self.admin.update_group(group["id"], {**group, "attributes": {**attributes, **wanted}})
        for role in TOWN_ROLES:
            self._group_ensure(f"/towns/{code}/{role}")
        self._client_scope_ensure(f"town-{code}", f"{name}（{code}）のデータ")
        if hosts:
            self._portal_uris_ensure(hosts)

    def _portal_uris_ensure(self, hosts: Sequence[str]) -> None:
        """Add the hosts' redirect and post-logout URIs to the portal client; PUT only when one is missing.
        Keycloak keeps post-logout URIs in the client attribute ``post.logout.redirect.uris``, joined by ``##``."""
        redirect, logout = self.portal_uris(hosts)
        internal_id = self.admin.get_client_id(self.portal_client_id)
        if internal_id is None:
            raise RuntimeError(f"Keycloak has no client {self.portal_client_id} "
                               "(KYODO_OIDC_CLIENT_ID; import infra/keycloak/kyodo-realm.json)")
        client = self.admin.get_client(internal_id)
        redirect_uris = list(client.get("redirectUris") or [])
        attributes = dict(client.get("attributes") or {})
        logout_uris = [u for u in (attributes.get("post.logout.redirect.uris") or "").split("##") if u]
        new_redirect = [u for u in redirect if u not in redirect_uris]
        new_logout = [u for u in logout if u not in logout_uris]
        if not new_redirect and not new_logout:
            return
        attributes["post.logout.redirect.uris"] = "##".join(logout_uris + new_logout)
        self.admin.update_client(internal_id, {**client, "redirectUris": redirect_uris + new_redirect,
                                               "attributes": attributes})

    def town_disable(self, *, code: str) -> None:
        group = self._group(f"/towns/{code}")
        if group is None:
            return
        if (group.get("attributes") or {}).get("disabled") != ["true"]:
            attributes = {**(group.get("attributes") or {}), "disabled": ["true"]}
            self.admin.update_group(group["id"], {**group, "attributes": attributes})
        for role in TOWN_ROLES:
            role_id = self._group_id(f"/towns/{code}/{role}")
            if role_id is None:
                continue
            for member in self.admin.get_group_members(role_id):
                self.admin.group_user_remove(member["id"], role_id)

    # --- staff ---------------------------------------------------------------------------------------
    def staff_invite(self, *, username: str, email: str, full_name: str, group_path: str) -> None:
        user_id = self.admin.get_user_id(username)
        if user_id is None:
            family, _, given = full_name.partition(" ")
            user_id = self.admin.create_user({
                "username": username, "email": email, "enabled": True, "emailVerified": False,
                "firstName": given or family, "lastName": family if given else "",
            }, exist_ok=False)
            self.admin.send_update_account(user_id=user_id, payload=["UPDATE_PASSWORD", "VERIFY_EMAIL"],
                                           client_id=self.portal_client_id)
        self.admin.group_user_add(user_id, self._group_ensure(group_path))

    def staff_disable(self, *, username: str) -> None:
        user_id = self.admin.get_user_id(username)
        if user_id is None:
            return
        self.admin.update_user(user_id, {"enabled": False})
        self.admin.user_logout(user_id)

    # --- vendors ---------------------------------------------------------------------------------------
    def service_account_ensure(self, *, client_id: str, scopes: Iterable[str]) -> str | None:
        scope_ids = {scope: self._client_scope_ensure(scope, scope) for scope in scopes}
        internal_id = self.admin.get_client_id(client_id)
        if internal_id is None:
            internal_id = self.admin.create_client({
                "clientId": client_id, "enabled": True, "protocol": "openid-connect", "publicClient": False,
                "serviceAccountsEnabled": True, "standardFlowEnabled": False, "directAccessGrantsEnabled": False,
                "implicitFlowEnabled": False, "clientAuthenticatorType": "client-secret",
            })
        for scope_id in scope_ids.values():
            self.admin.add_client_default_client_scope(internal_id, scope_id, {})
        return self.admin.get_client_secrets(internal_id).get("value")

    def service_account_disable(self, *, client_id: str) -> None:
        internal_id = self.admin.get_client_id(client_id)
        if internal_id is not None:
            self.admin.update_client(internal_id, {"enabled": False})


class DevIdpProvisioner(IdentityProvisioner):
    """The development IdP (``integrations/keycloak/devidp``) administered the way ``KeycloakProvisioner``
    administers Keycloak: each call runs one of its admin commands
    (``python -m integrations.keycloak.devidp --state-dir DIR <command>``) on its state directory
    (``KYODO_DEVIDP_STATE_DIR``). The IdP reads its database on every request, so a running IdP sees the
    change at once (no restart). Used by ``kyodo demo`` and the tests; never in production."""

    name = "devidp"

    def __init__(self, *, state_dir: str | Path, public_url_template: str = "http://{host}") -> None:
        self.state_dir = Path(state_dir)
        self.url_template = public_url_template

    @classmethod
    def from_config(cls, identity: Any) -> DevIdpProvisioner:
        if not identity.devidp_state_dir:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("KYODO_DEVIDP_STATE_DIR is required for KYODO_IDENTITY_PROVISIONER=devidp")
        return cls(state_dir=identity.devidp_state_dir, public_url_template=identity.public_url_template)

    def _run(self, *args: str) -> str:
        from .devidp import run_idp_command

        output = run_idp_command(self.state_dir, *args)
        log.info("devidp %s: %s", args[0], output.strip())
        return output

    def town_ensure(self, *, code: str, name: str, hosts: Sequence[str] = ()) -> None:
        redirect, logout = self.portal_uris(hosts)
        args = ["town-ensure", "--code", code, "--name", name]
        for uri in redirect:
            args += ["--redirect-uri", uri]
        for uri in logout:
            args += ["--logout-uri", uri]
        self._run(*args)

    def town_disable(self, *, code: str) -> None:
        self._run("town-disable", "--code", code)

    def staff_invite(self, *, username: str, email: str, full_name: str, group_path: str) -> None:
        self._run("user-invite", username, "--email", email, "--full-name", full_name, "--group", group_path)

    def staff_disable(self, *, username: str) -> None:
        self._run("user-disable", username)

    def service_account_ensure(self, *, client_id: str, scopes: Iterable[str]) -> str | None:
        log.info("development IdP: vendor clients come from its realm file, %s is not created", client_id)
        return None

    def service_account_disable(self, *, client_id: str) -> None:
        log.info("development IdP: vendor clients come from its realm file, %s is not disabled", client_id)
