# Kyodo deployment as code. Statically checked in CI (tests/infra); never applied from this repo's CI.
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
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
