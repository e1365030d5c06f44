# Kyodo deployment as code. Statically checked in CI (tests/infra); never applied from this repo's CI.
terraform {
  required_version = ">= 1.11" # write-only arguments (client secrets kept out of state)
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
    keycloak = {
      source  = "keycloak/keycloak"
      version = "~> 5.9"
    }
  }
}

provider "aws" {
  region = var.region
}

# The three backup stores must be independent: separate regions (and, in production, ideally
# separate providers/accounts). Each has its own provider alias.
provider "aws" {
  alias  = "store_a"
  region = var.backup_regions[0]
}

provider "aws" {
  alias  = "store_b"
  region = var.backup_regions[1]
}

provider "aws" {
  alias  = "store_c"
  region = var.backup_regions[2]
}

# Keycloak's admin API, as a confidential client with a service account in the master realm (or an admin
# user). Its secret comes from the environment (KEYCLOAK_CLIENT_SECRET), never from a file here.
provider "keycloak" {
  url       = var.keycloak_url
  realm     = var.keycloak_admin_realm
  client_id = var.keycloak_admin_client_id
}
