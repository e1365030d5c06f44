# The six Saga towns of the 2009–10 shared deployment (seed 003), as in infra/keycloak/kyodo-realm.json.
#   terraform plan -var-file=examples/saga.tfvars
# Client secrets are never in a file: TF_VAR_portal_client_secret, TF_VAR_provisioner_client_secret and
# KEYCLOAK_CLIENT_SECRET come from the environment (docs/operations.md).
keycloak_url = "https://sso.kyodo.example"
console_url  = "https://console.kyodo.example"

towns = {
  "412066" = "武雄市"
  "412074" = "鹿島市"
  "412091" = "嬉野市"
  "414239" = "大町町"
  "414247" = "江北町"
  "414255" = "白石町"
}

town_hosts = {
  "412066" = ["takeo.kyodo.example"]
  "412074" = ["kashima.kyodo.example"]
  "412091" = ["ureshino.kyodo.example"]
  "414239" = ["omachi.kyodo.example"]
  "414247" = ["kouhoku.kyodo.example"]
  "414255" = ["shiroishi.kyodo.example"]
}

town_roles = ["counter_clerk", "approver", "section_chief", "auditor", "tax_clerk", "tax_chief"]
