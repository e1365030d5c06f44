"""Import runs (取込) in the public schema: what was sent, how far it got, what was wrong. The
console lists them across towns; the files themselves are kept with the run until it is loaded, so a
worker that dies mid-run is replaced by one that starts the same run again."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    PENDING = "pending", "受付"
    CHECKING = "checking", "検査中"
    REFUSED = "refused", "誤りあり（未取込）"
    LOADING = "loading", "取込中"
    LOADED = "loaded", "取込済"
    FAILED = "failed", "失敗"


class ImportRun(models.Model):
    """取込の実行: one set of files of one layout for one town."""

    town = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    layout = models.CharField("レイアウト", max_length=40)
    form = models.CharField("形式", max_length=10, default="csv")
    encoding = models.CharField("文字コード", max_length=20, blank=True)  # declared; blank = detected
    load_valid_part = models.BooleanField("正しい行のみ取り込む", default=False)
    status = models.CharField("状態", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress = models.PositiveSmallIntegerField("進捗（%）", default=0)
    step = models.CharField("処理中の段階", max_length=100, blank=True)
    counts = models.JSONField("件数", default=dict)
    issues_count = models.PositiveIntegerField("誤りの件数", default=0)
    report = models.TextField("誤りの一覧（CSV）", blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.town_id}:{self.layout} #{self.pk} ({self.status})"


class ImportFile(models.Model):
    """One file of a run, with its SHA-256 (recorded in the audit chain)."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=30)          # the layout's file: households, persons, history, measures
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    content = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "kind"], name="standard_spec_file_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"
