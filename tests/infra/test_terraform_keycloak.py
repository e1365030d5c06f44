"""The Keycloak realm in Terraform (infra/terraform/keycloak.tf), the realm export
(infra/keycloak/kyodo-realm.json, imported by infra/compose) and the app's identity mapping
(kyodo.identity) must describe the same realm: same clients, group path scheme, roles, groups claim,
client scopes and redirect URIs. Parsed with python-hcl2; nothing is applied."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest

from kyodo.identity.conf import OIDC_CALLBACK_PATH, POST_LOGOUT_PATH, portal_uris
from kyodo.identity.models import StaffRole
from kyodo.identity.oidc import _groups
from kyodo.identity.permissions import TOWN_ROLES
from kyodo.identity.services import PREFECTURE_ADMIN_GROUP, groups_to_grants, town_group_path

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
REALM_JSON = ROOT / "infra" / "keycloak" / "kyodo-realm.json"
SAGA_TFVARS = TF / "examples" / "saga.tfvars"


def _unquote(value):
    """python-hcl2 8 keeps HCL's quotes on labels and strings; drop them (and its block markers)."""
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _hcl(path: Path) -> dict:
    with path.open() as handle:
        return _unquote(hcl2.load(handle))


@pytest.fixture(scope="module")
def keycloak_tf() -> dict:
    return _hcl(TF / "keycloak.tf")


@pytest.fixture(scope="module")
def variables() -> dict:
    return {name: body for block in _hcl(TF / "variables.tf")["variable"] for name, body in block.items()}


@pytest.fixture(scope="module")
def tfvars() -> dict:
    return _hcl(SAGA_TFVARS)


@pytest.fixture(scope="module")
def realm() -> dict:
    return json.loads(REALM_JSON.read_text())


def _resources(tf: dict, kind: str) -> dict[str, dict]:
    return {name: body for block in tf["resource"] if kind in block for name, body in block[kind].items()}


def _locals(tf: dict) -> dict:
    return {k: v for block in tf["locals"] for k, v in block.items()}


def _json_client(realm: dict, client_id: str) -> dict:
    (client,) = [c for c in realm["clients"] if c["clientId"] == client_id]
    return client


def _json_group_paths(groups: list[dict], prefix: str = "") -> list[str]:
    paths = []
    for group in groups:
        path = f"{prefix}/{group['name']}"
        paths.append(path)
        paths.extend(_json_group_paths(group.get("subGroups", []), path))
    return paths


def test_provider_is_the_keycloak_provider_current_major():
    (terraform,) = _hcl(TF / "main.tf")["terraform"]
    providers = terraform["required_providers"][0]
    assert providers["keycloak"]["source"] == "keycloak/keycloak"
    assert providers["keycloak"]["version"].startswith("~> 5.")


def test_roles_are_the_apps_town_roles(variables, tfvars, realm):
    app_roles = {r.value for r in TOWN_ROLES}
    assert set(variables["town_roles"]["default"]) == app_roles
    assert set(tfvars["town_roles"]) == app_roles
    for town in realm["groups"][0]["subGroups"]:
        assert {g["name"] for g in town["subGroups"]} == app_roles, town["name"]


def test_terraform_group_tree_gives_paths_the_app_reads(keycloak_tf, tfvars):
    groups = _resources(keycloak_tf, "keycloak_group")
    assert groups["towns"]["name"] == "towns" and "parent_id" not in groups["towns"]
    assert groups["town"]["for_each"] == "${var.towns}" and groups["town"]["name"] == "${each.key}"
    assert groups["town"]["parent_id"] == "${keycloak_group.towns.id}"
    assert groups["town_role"]["parent_id"] == "${keycloak_group.town[each.value.code].id}"
    assert groups["town_role"]["name"] == "${each.value.role}"
    assert groups["town"]["attributes"] == {"municipality_code": "${each.key}", "name": "${each.value}"}
    assert groups["consortium"]["name"] + "/" + groups["prefecture_admin"]["name"] == PREFECTURE_ADMIN_GROUP[1:]
    assert groups["prefecture_admin"]["parent_id"] == "${keycloak_group.consortium.id}"
    # the paths those resources make for the Saga towns, read back by the app's own mapping
    paths = [f"/{groups['towns']['name']}/{code}/{role}" for code in tfvars["towns"] for role in tfvars["town_roles"]]
    assert paths == [town_group_path(code, role) for code in tfvars["towns"] for role in tfvars["town_roles"]]
    grants = groups_to_grants(paths + [PREFECTURE_ADMIN_GROUP])
    assert len(grants) == len(paths) + 1
    assert (None, StaffRole.PREFECTURE_ADMIN.value) in grants


def test_terraform_groups_match_the_realm_export(tfvars, realm):
    json_paths = set(_json_group_paths(realm["groups"]))
    tf_paths = {"/towns", "/consortium", PREFECTURE_ADMIN_GROUP}
    tf_paths |= {f"/towns/{code}" for code in tfvars["towns"]}
    tf_paths |= {town_group_path(code, role) for code in tfvars["towns"] for role in tfvars["town_roles"]}
    assert tf_paths == json_paths
    names = {t["name"]: t["attributes"] for t in realm["groups"][0]["subGroups"]}
    assert {code: attrs["name"][0] for code, attrs in names.items()} == tfvars["towns"]
    assert all(attrs["municipality_code"] == [code] for code, attrs in names.items())


def test_groups_claim_mapper_matches_the_app_and_the_export(keycloak_tf, realm):
    (mapper,) = _resources(keycloak_tf, "keycloak_openid_group_membership_protocol_mapper").values()
    claim = _locals(keycloak_tf)["groups_claim"]
    assert mapper["claim_name"] == "${local.groups_claim}"
    assert _groups({claim: ["/towns/412066/approver"]}) == ["/towns/412066/approver"]  # the claim the app reads
    assert mapper["full_path"] is True
    for flag in ("add_to_id_token", "add_to_access_token", "add_to_userinfo", "add_to_token_introspection"):
        assert mapper[flag] is True, flag
    scope = _resources(keycloak_tf, "keycloak_openid_client_scope")["kyodo_groups"]
    assert mapper["client_scope_id"] == "${keycloak_openid_client_scope.kyodo_groups.id}"
    (json_scope,) = [s for s in realm["clientScopes"] if s["name"] == scope["name"]]
    (json_mapper,) = json_scope["protocolMappers"]
    assert json_mapper["protocolMapper"] == "oidc-group-membership-mapper"
    config = json_mapper["config"]
    assert config["claim.name"] == claim and config["full.path"] == "true"
    for key in ("id.token.claim", "access.token.claim", "userinfo.token.claim", "introspection.token.claim"):
        assert config[key] == "true", key


def test_town_and_dataset_scopes_match_the_export(keycloak_tf, variables, tfvars, realm):
    scopes = _resources(keycloak_tf, "keycloak_openid_client_scope")
    assert scopes["town"]["name"] == "town-${each.key}" and scopes["town"]["for_each"] == "${var.towns}"
    assert scopes["dataset"]["name"] == "dataset-${each.key}"
    tf_names = {"kyodo-groups"} | {f"town-{c}" for c in tfvars["towns"]}
    tf_names |= {f"dataset-{d}" for d in variables["datasets"]["default"]}
    assert tf_names == {s["name"] for s in realm["clientScopes"]}


def test_clients_match_the_export(keycloak_tf, realm):
    clients = _resources(keycloak_tf, "keycloak_openid_client")
    fixed = {name: c for name, c in clients.items() if "for_each" not in c}
    assert {c["client_id"] for c in fixed.values()} == {c["clientId"] for c in realm["clients"]}
    for body in fixed.values():
        exported = _json_client(realm, body["client_id"])
        assert body["access_type"] == "CONFIDENTIAL" and exported["publicClient"] is False
        assert body["standard_flow_enabled"] == exported["standardFlowEnabled"], body["client_id"]
        assert body["service_accounts_enabled"] == exported["serviceAccountsEnabled"], body["client_id"]
        assert body["direct_access_grants_enabled"] is exported["directAccessGrantsEnabled"] is False
        assert body["implicit_flow_enabled"] is False
        assert "client_secret" not in body and body["client_secret_wo"].startswith("${var.")
    portal = fixed["portal"]
    assert portal["client_id"] == "kyodo-portal"  # KYODO_OIDC_CLIENT_ID's default
    exported = _json_client(realm, "kyodo-portal")
    assert portal["pkce_code_challenge_method"] == exported["attributes"]["pkce.code.challenge.method"] == "S256"
    assert portal["web_origins"] == exported["webOrigins"]
    assert portal["backchannel_logout_session_required"] is True
    assert exported["attributes"]["backchannel.logout.url"].endswith("/oidc/backchannel-logout/")
    assert portal["backchannel_logout_url"].endswith("/oidc/backchannel-logout/")
    defaults = _resources(keycloak_tf, "keycloak_openid_client_default_scopes")
    assert _locals(keycloak_tf)["portal_default_scopes"] == exported["defaultClientScopes"]
    assert defaults["portal"]["default_scopes"] == "${local.portal_default_scopes}"
    assert defaults["provisioner"]["default_scopes"] == _json_client(realm, "kyodo-provisioner")["defaultClientScopes"]


def test_provisioner_service_account_roles_match_the_export(keycloak_tf, realm):
    (account,) = [u for u in realm["users"] if u.get("serviceAccountClientId") == "kyodo-provisioner"]
    assert _locals(keycloak_tf)["provisioner_roles"] == account["clientRoles"]["realm-management"]
    role = _resources(keycloak_tf, "keycloak_openid_client_service_account_role")["provisioner"]
    assert role["for_each"] == "${toset(local.provisioner_roles)}"
    assert role["service_account_user_id"] == "${keycloak_openid_client.provisioner.service_account_user_id}"


def test_portal_redirect_uris_are_the_ones_the_app_registers(keycloak_tf, tfvars, realm):
    terraform_locals = _locals(keycloak_tf)
    assert terraform_locals["oidc_callback_path"] == OIDC_CALLBACK_PATH
    assert terraform_locals["post_logout_path"] == POST_LOGOUT_PATH
    portal = _resources(keycloak_tf, "keycloak_openid_client")["portal"]
    assert portal["valid_redirect_uris"] == "${[for base in local.portal_bases : \"${base}${local.oidc_callback_path}\"]}"
    assert portal["valid_post_logout_redirect_uris"] == (
        "${[for base in local.portal_bases : \"${base}${local.post_logout_path}\"]}")
    # What Terraform computes for the Saga example (hosts through the template, then the console), by the
    # app's own function, is what the realm export lists (with its console placeholder).
    hosts = [host for code in tfvars["towns"] for host in tfvars["town_hosts"][code]]
    redirect, logout = portal_uris(hosts, url_template="https://{host}")
    console = "${KYODO_CONSOLE_URL}"
    exported = _json_client(realm, "kyodo-portal")
    assert exported["redirectUris"] == redirect + [f"{console}{OIDC_CALLBACK_PATH}"]
    assert exported["attributes"]["post.logout.redirect.uris"].split("##") == logout + [f"{console}{POST_LOGOUT_PATH}"]
    assert "{host}" in terraform_locals["town_bases"] and "var.public_url_template" in terraform_locals["town_bases"]


def test_tfvars_towns_are_valid_codes(tfvars, variables):
    assert len(tfvars["towns"]) == 6
    assert set(tfvars["town_hosts"]) == set(tfvars["towns"])
    for code in tfvars["towns"]:
        assert len(code) == 6 and code.isdigit()
        digits = [int(c) for c in code[:5]]  # 全国地方公共団体コード check digit
        remainder = sum(d * w for d, w in zip(digits, (6, 5, 4, 3, 2), strict=True)) % 11
        assert int(code[5]) == (11 - remainder) % 10, code  # remainder 0 → 1, remainder 1 → 0


def test_client_secrets_never_reach_files_or_state(variables):
    for name in ("portal_client_secret", "provisioner_client_secret"):
        assert variables[name]["sensitive"] is True and variables[name]["ephemeral"] is True
        assert "default" not in variables[name]
    text = "\n".join(p.read_text() for p in TF.rglob("*.tf*"))
    assert "client_secret =" not in text and "client_secret  =" not in text
