"""Public-schema records of the API: trusted (persisted) queries and idempotency keys."""

from __future__ import annotations

from django.db import models


class PersistedQuery(models.Model):
    """登録済みクエリ: a query document a vendor registered in advance; the request names it by its
    SHA-256. When the vendor's account requires it, no other query is executed for that vendor."""

    client_id = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    document = models.TextField()
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client_id", "sha256"], name="api_persisted_unique")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.sha256[:12]}"


class IdempotencyKey(models.Model):
    """冪等キー: a mutation's result kept under the caller's key, so that a retried request (same
    caller, same key, same operation and variables) returns the first answer and does nothing again."""

    caller = models.CharField(max_length=160)        # principal kind and id
    town_code = models.CharField(max_length=6, blank=True)
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)   # SHA-256 of the mutation field and its arguments
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "town_code", "key"], name="api_idempotency_unique")]

    def __str__(self) -> str:
        return f"{self.caller}/{self.key}"
