# PostgreSQL 16: one schema per town (django-tenants). The master password is generated and kept
# by RDS in Secrets Manager; it never appears in this repository or in Terraform state as a literal.
data "aws_caller_identity" "current" {}

# Customer-managed key for the database's storage and Performance Insights and the broker's data at rest.
resource "aws_kms_key" "data" {
  description             = "Kyodo ${var.environment}: database and broker data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_db_parameter_group" "kyodo" {
  name   = "kyodo-${var.environment}-pg16"
  family = "postgres16"

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}

resource "aws_db_instance" "kyodo" {
  identifier                          = "kyodo-${var.environment}"
  engine                              = "postgres"
  engine_version                      = "16"
  instance_class                      = var.db_instance_class
  allocated_storage                   = 200
  max_allocated_storage               = 2000
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.data.arn
  db_name                             = "kyodo"
  username                            = "kyodo"
  manage_master_user_password         = true
  iam_database_authentication_enabled = true
  db_subnet_group_name                = var.db_subnet_group
  vpc_security_group_ids              = var.db_security_group_ids
  parameter_group_name                = aws_db_parameter_group.kyodo.name
  multi_az                            = true
  publicly_accessible                 = false
  deletion_protection                 = true
  backup_retention_period             = 35
  copy_tags_to_snapshot               = true
  auto_minor_version_upgrade          = true
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = aws_kms_key.data.arn
  monitoring_interval                 = 60
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "kyodo-${var.environment}-final"
}

# Celery broker.
resource "aws_elasticache_replication_group" "broker" {
  #checkov:skip=CKV_AWS_31:Transit encryption is on; a Redis AUTH token would be a secret in Terraform state, so access is limited to the app's security groups in private subnets instead
  replication_group_id       = "kyodo-${var.environment}-broker"
  description                = "Kyodo Celery broker"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  transit_encryption_enabled = true
  subnet_group_name          = var.db_subnet_group
  security_group_ids         = var.db_security_group_ids
}
