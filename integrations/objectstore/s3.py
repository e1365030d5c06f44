"""S3-API object store (AWS S3, or any server speaking its API with Object Lock), through boto3."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from . import (
    ObjectExists,
    ObjectInfo,
    ObjectMissing,
    ObjectStore,
    StoreConfig,
    StoreUnavailable,
    register,
)

_MISSING = {"NoSuchKey", "404", "NotFound", "MethodNotAllowed"}  # MethodNotAllowed: a delete marker
_EXISTS = {"PreconditionFailed", "412", "ConditionalRequestConflict"}


@register("s3")
class S3ObjectStore(ObjectStore):
    def __init__(self, config: StoreConfig):
        super().__init__(config)
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=config.endpoint, region_name=config.region,
            aws_access_key_id=config.access_key_id, aws_secret_access_key=config.secret_access_key,
            config=Config(connect_timeout=config.timeout_seconds, read_timeout=config.timeout_seconds * 3,
                          retries={"max_attempts": 3, "mode": "standard"}, s3={"addressing_style": "path"}),
        )

    def _fail(self, key: str, exc: Exception):
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _MISSING or status == "404":
                return ObjectMissing(self.name, key, "object does not exist")
            if code in _EXISTS or status == "412":
                return ObjectExists(self.name, key, "object already exists; backups are never overwritten")
            return StoreUnavailable(self.name, key, f"{code or status}: {exc}")
        return StoreUnavailable(self.name, key, f"{type(exc).__name__}: {exc}")

    def put(self, key: str, data: bytes, *, retain_until: datetime | None) -> ObjectInfo:
        # Our own refusal first, so a server that ignores If-None-Match still cannot make us overwrite.
        if self.head(key) is not None:
            raise ObjectExists(self.name, key, "object already exists; backups are never overwritten")
        params: dict[str, Any] = {
            "Bucket": self.config.bucket, "Key": key, "Body": data, "IfNoneMatch": "*",
            # SHA-256 computed by botocore and checked by the server; S3 requires a checksum header
            # (x-amz-sdk-checksum-algorithm or Content-MD5) on every upload with Object Lock retention.
            "ChecksumAlgorithm": "SHA256",
        }
        if self.config.lock_mode and retain_until is not None:
            params["ObjectLockMode"] = self.config.lock_mode
            params["ObjectLockRetainUntilDate"] = retain_until
        try:
            response = self.client.put_object(**params)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(key, exc) from exc
        return ObjectInfo(key=key, size=len(data), retain_until=retain_until if self.config.lock_mode else None,
                          lock_mode=self.config.lock_mode, version_id=response.get("VersionId"))

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.config.bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(key, exc) from exc

    def head(self, key: str) -> ObjectInfo | None:
        try:
            response = self.client.head_object(Bucket=self.config.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            error = self._fail(key, exc)
            if isinstance(error, ObjectMissing):
                return None
            raise error from exc
        return ObjectInfo(key=key, size=response.get("ContentLength", 0),
                          retain_until=response.get("ObjectLockRetainUntilDate"),
                          lock_mode=response.get("ObjectLockMode"), version_id=response.get("VersionId"))

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.config.bucket,
                                                                               Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(prefix, exc) from exc
        return sorted(keys)

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.config.bucket)
            return
        except ClientError:
            pass
        except BotoCoreError as exc:
            raise self._fail("", exc) from exc
        params: dict = {"Bucket": self.config.bucket, "ObjectLockEnabledForBucket": bool(self.config.lock_mode)}
        if self.config.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.config.region}
        try:
            self.client.create_bucket(**params)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("", exc) from exc
