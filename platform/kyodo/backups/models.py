"""Backup bookkeeping in the public schema: runs, per-store results and restore drills."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    RUNNING = "running", "実行中"
    SUCCEEDED = "succeeded", "成功"
    INCOMPLETE = "incomplete", "不完全（一部のストア未書込）"
    FAILED = "failed", "失敗"


class BackupRun(models.Model):
    """One backup of one town. At most one ``running`` row per town (partial unique index), so two
    backups of the same town never overlap; different towns never wait for each other."""

    backup_id = models.CharField(max_length=64, unique=True)
    municipality = models.ForeignKey("tenancy.Municipality", null=True, on_delete=models.SET_NULL,
                                     related_name="backup_runs")
    town_code = models.CharField(max_length=6, db_index=True)
    schema_name = models.CharField(max_length=63)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    scheduled_for = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    dump_bytes = models.BigIntegerField(default=0)
    stored_bytes = models.BigIntegerField(default=0)
    chunk_count = models.PositiveIntegerField(default=0)
    stores = models.JSONField(default=list, blank=True)  # store names the manifest was written to
    retain_until = models.DateTimeField(null=True, blank=True)
    # The PostgreSQL session that runs the backup: a "running" row whose session is gone is stale.
    db_backend_pid = models.IntegerField(null=True, blank=True)
    db_backend_start = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["town_code"], condition=Q(status="running"),
                                    name="backup_one_running_per_town"),
        ]

    def __str__(self) -> str:
        return f"{self.town_code} {self.backup_id} {self.status}"


class BackupStoreResult(models.Model):
    """What one store received for one run."""

    run = models.ForeignKey(BackupRun, on_delete=models.CASCADE, related_name="store_results")
    store = models.CharField(max_length=20)
    ok = models.BooleanField(default=False)
    objects_written = models.PositiveIntegerField(default=0)
    bytes_written = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["store"]
        constraints = [models.UniqueConstraint(fields=["run", "store"], name="backup_store_result_unique")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.store} {'ok' if self.ok else 'failed'}"


class DrillRun(models.Model):
    """リストア訓練: a backup restored into a scratch schema and compared table by table."""

    municipality = models.ForeignKey("tenancy.Municipality", null=True, on_delete=models.SET_NULL,
                                     related_name="backup_drills")
    town_code = models.CharField(max_length=6, db_index=True)
    backup_id = models.CharField(max_length=64, blank=True)
    stores = models.JSONField(default=list, blank=True)
    ok = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    tables_compared = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"drill {self.town_code} {self.backup_id} {'ok' if self.ok else 'failed'}"
