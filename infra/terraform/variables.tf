variable "region" {
  description = "Region of the application and database"
  type        = string
  default     = "ap-northeast-1"
}

variable "environment" {
  description = "Environment name (prod, staging)"
  type        = string
  default     = "prod"
}

variable "backup_regions" {
  description = "Three regions, one per backup store (2-of-3 secret sharing)"
  type        = list(string)
  default     = ["ap-northeast-1", "ap-northeast-3", "ap-southeast-1"]
  validation {
    condition     = length(var.backup_regions) == 3 && length(distinct(var.backup_regions)) == 3
    error_message = "Exactly three distinct regions are needed for the backup stores."
  }
}

variable "backup_retention_days" {
  description = "Object Lock (compliance mode) retention of every backup object"
  type        = number
  default     = 400
}

variable "db_instance_class" {
  description = "PostgreSQL instance class (about 100-200 towns per database)"
  type        = string
  default     = "db.r6g.xlarge"
}

variable "db_subnet_group" {
  description = "Existing DB subnet group (private subnets)"
  type        = string
}

variable "db_security_group_ids" {
  description = "Security groups allowed to reach PostgreSQL and Redis (application only)"
  type        = list(string)
}

# --- Keycloak (keycloak.tf) -------------------------------------------------------------------------

variable "keycloak_url" {
  description = "Keycloak's base URL, e.g. https://sso.kyodo.example"
  type        = string
}

variable "keycloak_admin_realm" {
  description = "Realm of the client Terraform signs in with"
  type        = string
  default     = "master"
}

variable "keycloak_admin_client_id" {
  description = "Confidential client (service account with realm admin rights) Terraform uses; its secret is KEYCLOAK_CLIENT_SECRET"
  type        = string
  default     = "terraform"
}

variable "realm" {
  description = "The consortium realm (KYODO_OIDC_ISSUER ends in /realms/<realm>)"
  type        = string
  default     = "kyodo"
}

variable "towns" {
  description = "Member towns: 全国地方公共団体コード (6 digits) => name. Each gets /towns/<code>/<role> groups and a town-<code> client scope"
  type        = map(string)
  validation {
    condition     = alltrue([for code in keys(var.towns) : can(regex("^[0-9]{6}$", code))])
    error_message = "Town keys must be six-digit 団体コード (with the check digit), e.g. 412066."
  }
}

variable "town_hosts" {
  description = "Host names of each town's portal (団体コード => hosts); a town not listed gets t<code><town_host_suffix>, the app's default host"
  type        = map(list(string))
  default     = {}
}

variable "town_host_suffix" {
  description = "KYODO_TOWN_HOST_SUFFIX: suffix of the default town hosts"
  type        = string
  default     = ".kyodo.example"
}

variable "public_url_template" {
  description = "KYODO_PUBLIC_URL_TEMPLATE: how a host becomes the URL registered at the IdP (must contain {host})"
  type        = string
  default     = "https://{host}"
  validation {
    condition     = strcontains(var.public_url_template, "{host}")
    error_message = "public_url_template must contain {host}."
  }
}

variable "console_url" {
  description = "URL of the consortium console (KYODO_PUBLIC_HOST), which also receives back-channel logouts"
  type        = string
}

variable "town_roles" {
  description = "Town roles, one group each under /towns/<code>/ (kyodo.identity.permissions.TOWN_ROLES)"
  type        = list(string)
  default     = ["counter_clerk", "approver", "section_chief", "auditor", "tax_clerk", "tax_chief"]
}

variable "datasets" {
  description = "Datasets a vendor can be granted, one dataset-<name> client scope each"
  type        = list(string)
  default     = ["residents", "tax", "nhi", "cases", "assignments", "tax:write", "assignments:write"]
}

variable "vendor_clients" {
  description = "Vendor API clients managed here (client_id => towns and datasets); vendors onboarded through the app are created by its provisioner instead"
  type = map(object({
    name     = string
    towns    = list(string)
    datasets = list(string)
  }))
  default = {}
}

variable "portal_client_secret" {
  description = "Secret of kyodo-portal (the app's KYODO_OIDC_CLIENT_SECRET); written only, never stored in state"
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "provisioner_client_secret" {
  description = "Secret of kyodo-provisioner (the app's KYODO_KEYCLOAK_ADMIN_CLIENT_SECRET); written only"
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "client_secret_version" {
  description = "Increase to make Terraform send the client secrets again (rotation)"
  type        = number
  default     = 1
}
