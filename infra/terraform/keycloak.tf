# The kyodo realm as the app expects it (docs/identity.md): the portal client, the provisioning client,
# one group per town and role (/towns/<団体コード>/<role>), the prefecture administrators' group, the
# groups claim, and the town-/dataset- client scopes vendors' tokens carry. infra/keycloak/kyodo-realm.json
# is the same realm as an import file (used by infra/compose); tests/infra/test_terraform_keycloak.py keeps
# the two and the app's identity mapping in step.

locals {
  # Paths the app builds the portal client's URIs from (kyodo.identity.conf.portal_uris).
  oidc_callback_path = "/oidc/callback/"
  post_logout_path   = "/accounts/login/"
  # The claim membership_sync_from_groups reads.
  groups_claim = "groups"
  # realm-management roles of the provisioner's service account (docs/configuration.md).
  provisioner_roles = ["manage-users", "view-users", "query-groups", "manage-clients", "view-clients",
  "manage-identity-providers", "view-realm"]
  portal_default_scopes = ["web-origins", "acr", "basic", "profile", "email", "roles", "kyodo-groups"]

  town_hosts = { for code, name in var.towns : code => lookup(var.town_hosts, code, ["t${code}${var.town_host_suffix}"]) }
  town_bases = flatten([for code, hosts in local.town_hosts : [for host in hosts : trimsuffix(replace(var.public_url_template, "{host}", host), "/")]])
  portal_bases = concat(local.town_bases, [trimsuffix(var.console_url, "/")])

  town_role_groups = { for pair in setproduct(keys(var.towns), var.town_roles) : "${pair[0]}/${pair[1]}" => { code = pair[0], role = pair[1] } }
  vendor_scopes    = { for id, vendor in var.vendor_clients : id => concat([for code in vendor.towns : "town-${code}"], [for d in vendor.datasets : "dataset-${d}"]) }
}

resource "keycloak_realm" "kyodo" {
  realm                    = var.realm
  display_name             = "Kyodo 共同利用"
  enabled                  = true
  ssl_required             = "external"
  registration_allowed     = false
  login_with_email_allowed = true
  access_token_lifespan    = "5m"
  sso_session_idle_timeout = "30m"
  sso_session_max_lifespan = "10h"
  revoke_refresh_token     = true
  refresh_token_max_reuse  = 0
  organizations_enabled    = false

  internationalization {
    supported_locales = ["ja", "en"]
    default_locale    = "ja"
  }

  security_defenses {
    brute_force_detection {
      permanent_lockout  = false
      max_login_failures = 10
    }
  }
}

# --- groups: /towns/<code>/<role> and /consortium/prefecture_admin

resource "keycloak_group" "towns" {
  realm_id = keycloak_realm.kyodo.id
  name     = "towns"
}

resource "keycloak_group" "town" {
  for_each  = var.towns
  realm_id  = keycloak_realm.kyodo.id
  parent_id = keycloak_group.towns.id
  name      = each.key
  attributes = {
    municipality_code = each.key
    name              = each.value
  }
}

resource "keycloak_group" "town_role" {
  for_each  = local.town_role_groups
  realm_id  = keycloak_realm.kyodo.id
  parent_id = keycloak_group.town[each.value.code].id
  name      = each.value.role
}

resource "keycloak_group" "consortium" {
  realm_id = keycloak_realm.kyodo.id
  name     = "consortium"
}

resource "keycloak_group" "prefecture_admin" {
  realm_id  = keycloak_realm.kyodo.id
  parent_id = keycloak_group.consortium.id
  name      = "prefecture_admin"
}

# --- client scopes: the groups claim, and the towns and datasets a vendor token may carry

resource "keycloak_openid_client_scope" "kyodo_groups" {
  realm_id               = keycloak_realm.kyodo.id
  name                   = "kyodo-groups"
  description            = "Group paths as the groups claim (/towns/<code>/<role>)"
  include_in_token_scope = false
}

resource "keycloak_openid_group_membership_protocol_mapper" "groups" {
  realm_id                   = keycloak_realm.kyodo.id
  client_scope_id            = keycloak_openid_client_scope.kyodo_groups.id
  name                       = "groups"
  claim_name                 = local.groups_claim
  full_path                  = true
  add_to_id_token            = true
  add_to_access_token        = true
  add_to_userinfo            = true
  add_to_token_introspection = true
}

resource "keycloak_openid_client_scope" "town" {
  for_each               = var.towns
  realm_id               = keycloak_realm.kyodo.id
  name                   = "town-${each.key}"
  description            = "${each.value}（${each.key}）のデータ"
  include_in_token_scope = true
}

resource "keycloak_openid_client_scope" "dataset" {
  for_each               = toset(var.datasets)
  realm_id               = keycloak_realm.kyodo.id
  name                   = "dataset-${each.key}"
  description            = "dataset ${each.key}"
  include_in_token_scope = true
}

# --- kyodo-portal: staff sign-in for every town host and the console

resource "keycloak_openid_client" "portal" {
  realm_id                                   = keycloak_realm.kyodo.id
  client_id                                  = "kyodo-portal"
  name                                       = "Kyodo staff portal"
  enabled                                    = true
  access_type                                = "CONFIDENTIAL"
  client_secret_wo                           = var.portal_client_secret
  client_secret_wo_version                   = var.client_secret_version
  standard_flow_enabled                      = true
  implicit_flow_enabled                      = false
  direct_access_grants_enabled               = false
  service_accounts_enabled                   = false
  pkce_code_challenge_method                 = "S256"
  frontchannel_logout_enabled                = false
  consent_required                           = false
  valid_redirect_uris                        = [for base in local.portal_bases : "${base}${local.oidc_callback_path}"]
  valid_post_logout_redirect_uris            = [for base in local.portal_bases : "${base}${local.post_logout_path}"]
  web_origins                                = ["+"]
  backchannel_logout_url                     = "${trimsuffix(var.console_url, "/")}/oidc/backchannel-logout/"
  backchannel_logout_session_required        = true
  backchannel_logout_revoke_offline_sessions = true

  # Town hosts onboarded later are added by the app's provisioner (KYODO_IDENTITY_PROVISIONER=keycloak):
  # Terraform does not take them away again.
  lifecycle {
    ignore_changes = [valid_redirect_uris, valid_post_logout_redirect_uris]
  }
}

resource "keycloak_openid_client_default_scopes" "portal" {
  realm_id       = keycloak_realm.kyodo.id
  client_id      = keycloak_openid_client.portal.id
  default_scopes = local.portal_default_scopes
  depends_on     = [keycloak_openid_client_scope.kyodo_groups]
}

resource "keycloak_openid_client_optional_scopes" "portal" {
  realm_id        = keycloak_realm.kyodo.id
  client_id       = keycloak_openid_client.portal.id
  optional_scopes = ["offline_access"]
}

# --- kyodo-provisioner: the app's admin-API client (towns' groups and scopes, hosts, vendor clients)

resource "keycloak_openid_client" "provisioner" {
  realm_id                     = keycloak_realm.kyodo.id
  client_id                    = "kyodo-provisioner"
  name                         = "Kyodo provisioning (admin API)"
  enabled                      = true
  access_type                  = "CONFIDENTIAL"
  client_secret_wo             = var.provisioner_client_secret
  client_secret_wo_version     = var.client_secret_version
  standard_flow_enabled        = false
  implicit_flow_enabled        = false
  direct_access_grants_enabled = false
  service_accounts_enabled     = true
}

resource "keycloak_openid_client_default_scopes" "provisioner" {
  realm_id       = keycloak_realm.kyodo.id
  client_id      = keycloak_openid_client.provisioner.id
  default_scopes = ["basic", "roles"]
}

data "keycloak_openid_client" "realm_management" {
  realm_id  = keycloak_realm.kyodo.id
  client_id = "realm-management"
}

resource "keycloak_openid_client_service_account_role" "provisioner" {
  for_each                = toset(local.provisioner_roles)
  realm_id                = keycloak_realm.kyodo.id
  service_account_user_id = keycloak_openid_client.provisioner.service_account_user_id
  client_id               = data.keycloak_openid_client.realm_management.id
  role                    = each.key
}

# --- vendor API clients declared here (client credentials; scopes = contracted towns and datasets)

resource "keycloak_openid_client" "vendor" {
  for_each                     = var.vendor_clients
  realm_id                     = keycloak_realm.kyodo.id
  client_id                    = each.key
  name                         = each.value.name
  enabled                      = true
  access_type                  = "CONFIDENTIAL"
  standard_flow_enabled        = false
  implicit_flow_enabled        = false
  direct_access_grants_enabled = false
  service_accounts_enabled     = true
}

resource "keycloak_openid_client_default_scopes" "vendor" {
  for_each       = var.vendor_clients
  realm_id       = keycloak_realm.kyodo.id
  client_id      = keycloak_openid_client.vendor[each.key].id
  default_scopes = concat(["basic"], local.vendor_scopes[each.key])
  depends_on     = [keycloak_openid_client_scope.town, keycloak_openid_client_scope.dataset]
}
