"""Tenancy (public schema): municipalities (towns) and the hosts they are served on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from .codes import validate_municipality_code


class MunicipalityStatus(models.TextChoices):
    ACTIVE = "active", "稼働中"
    SUSPENDED = "suspended", "一時停止"
    MERGED = "merged", "合併済"
    CLOSED = "closed", "廃止"


class Municipality(TenantMixin):
    """地方公共団体 (a town or city of the consortium); one PostgreSQL schema each."""

    code = models.CharField("団体コード", max_length=6, unique=True, validators=[validate_municipality_code])
    name = models.CharField("名称", max_length=50)
    name_kana = models.CharField("名称カナ", max_length=100)
    prefecture = models.CharField("都道府県", max_length=10)
    status = models.CharField(
        "状態", max_length=10, choices=MunicipalityStatus.choices, default=MunicipalityStatus.ACTIVE
    )
    # 業務アプリケーション the town uses: codes of declared applications (kyodo.registry).
    enabled_applications = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Who suspended or resumed the town last, and why (required; also in the platform audit chain).
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_reason = models.CharField("状態変更の理由", max_length=200, blank=True)

    # Schemas are created by kyodo.tenancy.services.municipality_provision (from the template), never on save.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["code"]
        verbose_name = "団体"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_active(self) -> bool:
        return self.status == MunicipalityStatus.ACTIVE

    @property
    def enabled_application_labels(self) -> list[str]:
        from kyodo import registry

        return [app.label for app in registry.selectable() if app.code in self.enabled_applications]

    def has_application(self, application: str) -> bool:
        return application in self.enabled_applications


class TownHost(DomainMixin):
    """A host name a town's portal is served on (e.g. takeo.localhost)."""

    class Meta:
        verbose_name = "ホスト名"


class MunicipalityStatistics(models.Model):
    """Per-town figures refreshed by a Celery task (consortium dashboards)."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="statistics")
    table_count = models.PositiveIntegerField(default=0)
    # {label: number} from each application's declared statistics (kyodo.registry), e.g. {"住民数": 480}.
    figures = models.JSONField(default=dict, blank=True)
    schema_bytes = models.BigIntegerField(default=0)
    # The event relay at refresh time (kyodo.tenantlog consumer_lag, summed over consumers):
    # {"pending": n, "lag_seconds": s, "parked": n, "failing": n}; the console reads it, not each schema.
    events = models.JSONField(default=dict, blank=True)
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.table_count} tables"


class TaskFailure(models.Model):
    """A Celery task that raised (recorded by a ``task_failure`` signal handler), for the console's
    failures column. Carries the town's code when the task named a ``schema_name``."""

    task = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    town_code = models.CharField(max_length=6, blank=True, db_index=True)
    error = models.TextField(blank=True)
    failed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.town_code or '-'} {self.task} {self.failed_at:%Y-%m-%d %H:%M}"
