"""Per-town tables (in every town's schema) shared by all town applications.

- ``AuditEntry`` / ``AuditHead``: the personal-data audit chains (個人情報アクセス記録), one chain per
  application per town (``<application>:<団体コード>``), hash-chained and append-only.
- ``OutboxEvent``: domain events written in the same transaction as the change they describe.
  ``position`` is the town's commit order (see kyodo.tenantlog.outbox); consumers read in that order.
- ``ConsumerState``, ``HandledEvent``, ``ParkedEvent``: the relay's per-consumer cursor, the record of
  every event a consumer handled (its idempotency key), and events set aside after repeated failures.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from kyodo.audit.chain import ChainHead, HashChainedEntry


class ActorKind(models.TextChoices):
    STAFF = "staff", "職員"
    VENDOR = "vendor", "ベンダー"
    SYSTEM = "system", "システム"


class AuditEntry(HashChainedEntry):
    """監査ログ (団体別): who (staff or vendor) read or changed which person's data, in which
    application, and why. ``scheme`` 1 rows were written before actor kind and application were
    hashed (moved here from the residents registry's own table) and verify with the old field set."""

    application = models.CharField(max_length=30, default="")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.STAFF)
    scheme = models.PositiveSmallIntegerField(default=2)

    HASHED_FIELDS_V2 = (*HashChainedEntry.HASHED_FIELDS, "application", "actor_kind")

    class Meta(HashChainedEntry.Meta):
        unique_together = [("chain", "seq")]
        indexes = [models.Index(fields=["chain", "target_id"], name="tenantlog_audit_target_idx")]

    def hashed_fields(self) -> tuple[str, ...]:
        return self.HASHED_FIELDS if self.scheme == 1 else self.HASHED_FIELDS_V2

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"


class AuditHead(ChainHead):
    def __str__(self) -> str:
        return f"{self.chain}@{self.last_seq}"


class OutboxCounter(models.Model):
    """The town's one outbox position counter, locked while an event is written (commit order)."""

    last_position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.last_position)


class OutboxEvent(models.Model):
    """イベント: one domain event in the town's outbox, with its envelope."""

    position = models.BigIntegerField(unique=True)
    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    application = models.CharField(max_length=30)
    event_type = models.CharField(max_length=80)
    aggregate_type = models.CharField(max_length=40, blank=True)
    aggregate_id = models.CharField(max_length=64, blank=True)
    schema_version = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.SYSTEM)
    actor_id = models.CharField(max_length=100, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["event_type", "position"], name="tenantlog_outbox_type_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} @{self.position}"


class ConsumerState(models.Model):
    """A consumer's cursor in this town: every event up to ``position`` was handled or parked."""

    consumer = models.CharField(max_length=80, unique=True)
    position = models.BigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.consumer}@{self.position}"


class HandledEvent(models.Model):
    """A consumer handled this event (written in the consumer's own transaction: exactly once)."""

    consumer = models.CharField(max_length=80)
    event_id = models.UUIDField()
    position = models.BigIntegerField()
    handled_at = models.DateTimeField()
    lag_ms = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="tenantlog_handled_once")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"


class ParkedEvent(models.Model):
    """保留: an event a consumer failed on too many times; shown in the console until replayed."""

    consumer = models.CharField(max_length=80)
    event_id = models.UUIDField()
    position = models.BigIntegerField()
    failures = models.PositiveIntegerField()
    last_error = models.TextField(blank=True)
    parked_at = models.DateTimeField()
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], condition=Q(replayed_at__isnull=True),
                                               name="tenantlog_parked_once")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id} (parked)"
