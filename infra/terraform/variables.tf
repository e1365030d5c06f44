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
