"""Reads for the consortium console: the per-town overview and the platform audit log.

The overview reads only public-schema tables (cached statistics refreshed by a task, backup and
task records): a fixed number of queries however many towns there are, never one per town."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from kyodo.audit.models import PlatformAuditEntry
from kyodo.backups.models import BackupRun, DrillRun, RunStatus
from kyodo.backups.selectors import backup_status_by_town
from kyodo.tenancy.models import Municipality, MunicipalityStatistics, MunicipalityStatus, TaskFailure

FAILURE_WINDOW = dt.timedelta(days=7)  # failed backups, drills and tasks counted over this window
STATISTICS_STALE_AFTER = dt.timedelta(minutes=30)  # three missed refreshes (every 10 minutes)


@dataclass
class TownFailures:
    parked_events: int = 0
    failing_consumers: int = 0
    failed_backups: int = 0
    failed_drills: int = 0
    failed_tasks: int = 0

    @property
    def total(self) -> int:
        return (self.parked_events + self.failing_consumers + self.failed_backups + self.failed_drills
                + self.failed_tasks)

    def add(self, other: TownFailures) -> None:
        for name in ("parked_events", "failing_consumers", "failed_backups", "failed_drills", "failed_tasks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class TownOverview:
    town: Municipality
    statistics: MunicipalityStatistics | None
    figures: list[tuple[str, int | None]]  # (label, value) in the order of ConsoleOverview.labels; None: not counted
    last_backup: BackupRun | None
    last_drill: DrillRun | None
    failures: TownFailures
    stale: bool

    @property
    def event_lag_seconds(self) -> float | None:
        return None if self.statistics is None else self.statistics.events.get("lag_seconds")

    @property
    def events_pending(self) -> int | None:
        return None if self.statistics is None else self.statistics.events.get("pending")


@dataclass
class ConsoleOverview:
    labels: list[str]
    rows: list[TownOverview]
    totals: list[int]  # in the order of labels
    failures: TownFailures = field(default_factory=TownFailures)
    suspended: int = 0
    oldest_refresh: dt.datetime | None = None

    @property
    def labelled_totals(self) -> list[tuple[str, int]]:
        return list(zip(self.labels, self.totals, strict=True))


def _counts_by_town(queryset, since: dt.datetime, date_field: str) -> dict[str, int]:
    return dict(queryset.filter(**{f"{date_field}__gte": since}).values("town_code")
                .annotate(n=Count("id")).values_list("town_code", "n"))


def console_overview(now: dt.datetime | None = None) -> ConsoleOverview:
    """団体ごとの状況 and the consortium totals, from cached figures (their age is shown)."""
    now = now or timezone.now()
    since = now - FAILURE_WINDOW
    towns = list(Municipality.objects.exclude(schema_name="public").select_related("statistics")
                 .prefetch_related("domains").order_by("code"))
    backups = {status.town.code: status for status in backup_status_by_town(now)}
    failed_backups = _counts_by_town(
        BackupRun.objects.filter(status__in=[RunStatus.FAILED, RunStatus.INCOMPLETE]), since, "started_at")
    failed_drills = _counts_by_town(DrillRun.objects.filter(ok=False), since, "started_at")
    failed_tasks = _counts_by_town(TaskFailure.objects.all(), since, "failed_at")

    def statistics_of(town) -> MunicipalityStatistics | None:
        try:
            return town.statistics
        except MunicipalityStatistics.DoesNotExist:
            return None

    labels: list[str] = []
    for town in towns:
        stats = statistics_of(town)
        for label in (stats.figures if stats else {}):
            if label not in labels:
                labels.append(label)
    overview = ConsoleOverview(labels=labels, rows=[], totals=[0] * len(labels))
    for town in towns:
        stats = statistics_of(town)
        figures = [(label, stats.figures.get(label) if stats else None) for label in labels]
        for i, (_, value) in enumerate(figures):
            overview.totals[i] += value or 0
        events = stats.events if stats else {}
        failures = TownFailures(
            parked_events=int(events.get("parked", 0)), failing_consumers=int(events.get("failing", 0)),
            failed_backups=failed_backups.get(town.code, 0), failed_drills=failed_drills.get(town.code, 0),
            failed_tasks=failed_tasks.get(town.code, 0))
        overview.failures.add(failures)
        backup = backups.get(town.code)
        overview.rows.append(TownOverview(
            town=town, statistics=stats, figures=figures,
            last_backup=backup.last_run if backup else None, last_drill=backup.last_drill if backup else None,
            failures=failures, stale=stats is None or now - stats.refreshed_at > STATISTICS_STALE_AFTER))
        if town.status == MunicipalityStatus.SUSPENDED:
            overview.suspended += 1
        if stats and (overview.oldest_refresh is None or stats.refreshed_at < overview.oldest_refresh):
            overview.oldest_refresh = stats.refreshed_at
    return overview


# --- platform audit log ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    """Parsed, valid filters of the audit-log viewer (kyodo.console.forms.audit_filter_parse)."""

    town: str = ""
    user: str = ""
    action: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def platform_audit_search(filters: AuditFilter) -> QuerySet[PlatformAuditEntry]:
    """The platform audit entries matching ``filters``, newest first (dates are JST calendar days)."""
    entries = PlatformAuditEntry.objects.all()
    if filters.town:
        entries = entries.filter(municipality_code=filters.town)
    if filters.user:
        entries = entries.filter(actor_username=filters.user)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.outcome:
        entries = entries.filter(outcome=filters.outcome)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        entries = entries.filter(created_at__gte=dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz))
    if filters.date_to:
        entries = entries.filter(
            created_at__lt=dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return entries.order_by("-seq")

