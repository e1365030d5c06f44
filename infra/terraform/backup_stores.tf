# Three independent object stores for the nightly 2-of-3 secret-shared backups. Object Lock in
# compliance mode: no one, the root account included, can overwrite or delete a backup object
# before its retention ends.
locals {
  backup_store_names = {
    a = "kyodo-${var.environment}-backup-a"
    b = "kyodo-${var.environment}-backup-b"
    c = "kyodo-${var.environment}-backup-c"
  }
}

module "store_a" {
  source         = "./modules/backup_store"
  providers      = { aws = aws.store_a }
  bucket_name    = local.backup_store_names.a
  retention_days = var.backup_retention_days
}

module "store_b" {
  source         = "./modules/backup_store"
  providers      = { aws = aws.store_b }
  bucket_name    = local.backup_store_names.b
  retention_days = var.backup_retention_days
}

module "store_c" {
  source         = "./modules/backup_store"
  providers      = { aws = aws.store_c }
  bucket_name    = local.backup_store_names.c
  retention_days = var.backup_retention_days
}
