terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "bucket_name" {
  type = string
}

variable "retention_days" {
  type = number
}

resource "aws_s3_bucket" "store" {
  #checkov:skip=CKV_AWS_144:No cross-region replication by design: each store holds one share of the 2-of-3 split; copying a store's objects next to another's would put two shares in one place
  #checkov:skip=CKV_AWS_18:Server access logs would need a log bucket per store with its own lock and retention; reads and writes of the backup objects are recorded as CloudTrail S3 data events of the account instead
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events: every backup is verified from its signed manifest by the restore drill (docs/backups.md), not from notifications
  bucket              = var.bucket_name
  object_lock_enabled = true
}

# The only way old backups go (docs/backups.md): current versions expire one day after their Object Lock
# retention, noncurrent versions and delete markers one day after that; the backup credentials cannot delete.
resource "aws_s3_bucket_lifecycle_configuration" "store" {
  bucket = aws_s3_bucket.store.id
  rule {
    id     = "expire-after-retention"
    status = "Enabled"
    filter {
      prefix = "kyodo/"
    }
    expiration {
      days = var.retention_days + 1
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }
  # whole bucket: failed multipart uploads and the delete markers left once the versions are gone
  rule {
    id     = "clean-up"
    status = "Enabled"
    filter {}
    expiration {
      expired_object_delete_marker = true
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  depends_on = [aws_s3_bucket_versioning.store]
}

resource "aws_s3_bucket_versioning" "store" {
  bucket = aws_s3_bucket.store.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_object_lock_configuration" "store" {
  bucket = aws_s3_bucket.store.id
  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.retention_days
    }
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "store" {
  bucket = aws_s3_bucket.store.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "store" {
  bucket                  = aws_s3_bucket.store.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

output "bucket" {
  value = aws_s3_bucket.store.bucket
}
