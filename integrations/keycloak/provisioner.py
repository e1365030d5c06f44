"""What Kyodo needs from its identity provider, as a small interface, and its two implementations:
``KeycloakProvisioner`` (python-keycloak's admin API, idempotent) and ``NullProvisioner`` (nothing to
do: development with the embedded IdP, or an IdP administered by hand). Chosen by configuration."""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

TOWN_ROLES = ("counter_clerk", "approver", "section_chief", "auditor")


class IdentityProvisioner(abc.ABC):
    """Every method is idempotent: calling it again after a partial failure completes the work."""

    name = "abstract"

    @abc.abstractmethod
    def town_ensure(self, *, code: str, name: str) -> None:
        """Onboarding: the town's groups (one per role) and its client scope for vendors."""

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

    def town_ensure(self, *, code: str, name: str) -> None:
        log.info("identity provisioner is null: no groups created for town %s", code)

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
    PORTAL_CLIENT_ID = "kyodo-portal"

    def __init__(self, *, server_url: str, realm: str, client_id: str, client_secret: str,
                 verify: bool | str = True) -> None:
        from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

        connection = KeycloakOpenIDConnection(server_url=server_url, realm_name=realm, user_realm_name=realm,
                                              client_id=client_id, client_secret_key=client_secret,
                                              grant_type="client_credentials", verify=verify)
        self.admin = KeycloakAdmin(connection=connection)

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

    def town_ensure(self, *, code: str, name: str) -> None:
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
                                           client_id=self.PORTAL_CLIENT_ID)
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
