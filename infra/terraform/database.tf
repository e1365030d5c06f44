# PostgreSQL 16: one schema per town (django-tenants). The master password is generated and kept
# by RDS in Secrets Manager; it never appears in this repository or in Terraform state as a literal.
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
  monitoring_interval                 = 60
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "kyodo-${var.environment}-final"
}

# Celery broker.
resource "aws_elasticache_replication_group" "broker" {
  replication_group_id       = "kyodo-${var.environment}-broker"
  description                = "Kyodo Celery broker"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  subnet_group_name          = var.db_subnet_group
  security_group_ids         = var.db_security_group_ids
}
