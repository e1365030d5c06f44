"""The demo realm: the six Saga towns' staff and the prefecture administrator of kyodo/demo.py, as a
Keycloak realm representation, served by the development IdP for ``kyodo demo``."""

from __future__ import annotations

import os
from pathlib import Path

from . import PORTAL_CLIENT_ID, _write_private, start_dev_idp

ROLES = (("counter_clerk", "clerk"), ("approver", "approver"), ("section_chief", "chief"))
GROUPS = ("counter_clerk", "approver", "section_chief", "auditor", "tax_clerk", "tax_chief")


def demo_realm(*, password: str, web_port: int, client_secret: str, host_suffix: str = ".localhost",
               console_host: str = "localhost", vendor_secrets: dict[str, str] | None = None) -> dict:
    """``vendor_secrets``: client id → secret of the demo vendors (kyodo.demo.DEMO_VENDORS) to include."""
    from kyodo.demo import DEMO_VENDORS, SAGA_TOWNS, application_staff_roles

    hosts = [f"{town.slug}{host_suffix}" for town in SAGA_TOWNS] + [console_host, "127.0.0.1"]
    users = [{"username": "pref-admin", "enabled": True, "firstName": "共同利用担当", "lastName": "佐賀県",
              "credentials": [{"type": "password", "value": password}], "groups": ["/consortium/prefecture_admin"]}]
    for town in SAGA_TOWNS:
        for role, suffix in ROLES + tuple(application_staff_roles(town.applications)):
            users.append({"username": f"{town.slug}-{suffix}", "enabled": True, "lastName": town.name,
                          "firstName": suffix, "credentials": [{"type": "password", "value": password}],
                          "groups": [f"/towns/{town.code}/{role}"]})
    return {
        "realm": "kyodo",
        "groups": [{"name": "towns", "subGroups": [
            {"name": t.code, "attributes": {"name": [t.name]},
             "subGroups": [{"name": r} for r in GROUPS]}
            for t in SAGA_TOWNS]}, {"name": "consortium", "subGroups": [{"name": "prefecture_admin"}]}],
        "users": users,
        "clients": [{
            "clientId": PORTAL_CLIENT_ID, "secret": client_secret, "publicClient": False, "standardFlowEnabled": True,
            "redirectUris": [f"http://{h}:{web_port}/oidc/callback/" for h in hosts],
            "attributes": {"post.logout.redirect.uris": "##".join(f"http://{h}:{web_port}/accounts/login/" for h in hosts)},
        }] + [{
            "clientId": v.client_id, "name": v.name, "secret": (vendor_secrets or {})[v.client_id],
            "publicClient": False, "serviceAccountsEnabled": True, "standardFlowEnabled": False,
            "defaultClientScopes": v.scopes,
        } for v in DEMO_VENDORS if v.client_id in (vendor_secrets or {})],
    }


def start_demo_idp(state_dir: Path, *, password: str, web_port: int, port: int | None = None):
    """Start the development IdP for the demo (loopback, KYODO_DEVIDP_PORT or 8180); returns
    (environment for the web process and the worker, process). The environment holds KYODO_OIDC_*, and
    KYODO_IDENTITY_PROVISIONER=devidp with KYODO_DEVIDP_STATE_DIR and KYODO_PUBLIC_URL_TEMPLATE
    (``http://{host}:<web port>``), so a town onboarded from the console gets its groups and redirect URIs
    in this IdP, and staff invited from 「職員アカウント」 sign in with the demo password."""
    port = port or int(os.environ.get("KYODO_DEVIDP_PORT") or 8180)
    from kyodo.config import state_secret
    from kyodo.demo import DEMO_VENDORS, vendor_secret

    client_secret = state_secret(state_dir, "kyodo_oidc_client_secret", nbytes=32)
    realm = demo_realm(password=password, web_port=web_port, client_secret=client_secret,
                       vendor_secrets={v.client_id: vendor_secret(state_dir, v) for v in DEMO_VENDORS})
    (state_dir / "logs").mkdir(parents=True, exist_ok=True)
    idp_dir = state_dir / "devidp"
    env, proc = start_dev_idp(idp_dir, port, realm, log=state_dir / "logs" / "idp.log")
    _write_private(idp_dir / "invite_password", password)  # read by `user-invite` (DevIdpProvisioner)
    env.update({
        "KYODO_IDENTITY_PROVISIONER": "devidp",
        "KYODO_DEVIDP_STATE_DIR": str(idp_dir),
        "KYODO_PUBLIC_URL_TEMPLATE": os.environ.get("KYODO_PUBLIC_URL_TEMPLATE") or f"http://{{host}}:{web_port}",
    })
    return env, proc
