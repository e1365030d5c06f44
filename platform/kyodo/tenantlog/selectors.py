"""Reads of the per-town records for the console and the CLI (no personal data: counts and ids)."""

from __future__ import annotations

from dataclasses import dataclass

from django_tenants.utils import schema_context

from .models import OutboxEvent
from .relay import ConsumerLag, consumer_lag


@dataclass(frozen=True)
class TownRelayStatus:
    town: object
    consumers: list[ConsumerLag]
    events: int


def relay_status(town) -> TownRelayStatus:
    with schema_context(town.schema_name):
        return TownRelayStatus(town, consumer_lag(town), OutboxEvent.objects.count())


def relay_status_all() -> list[TownRelayStatus]:
    """Every town, one schema at a time (no query spans two towns)."""
    from kyodo.tenancy.selectors import municipalities_list

    return [relay_status(town) for town in municipalities_list()]


def events_after(position: int, *, limit: int, applications: list[str], types: list[str] | None = None,
                 ) -> tuple[list[tuple], int | None, bool]:
    """The change feed's read (in the caller's town schema): up to ``limit`` events after ``position``
    in commit order, of these applications and (when given) of these types — exact, or a prefix
    ending in ``.*``. Returns the rows (``Event.COLUMNS``), the last position read (None when none)
    and whether more follow. Positions become visible in increasing order (kyodo.tenantlog.outbox),
    so resuming after the last position read never skips an event."""
    from django.db.models import Q

    from .outbox import Event

    qs = OutboxEvent.objects.filter(position__gt=position, application__in=applications)
    if types:
        condition = Q()
        for pattern in types:
            condition |= Q(event_type__startswith=pattern[:-1]) if pattern.endswith(".*") else Q(event_type=pattern)
        qs = qs.filter(condition)
    rows = list(qs.order_by("position").values_list(*Event.COLUMNS)[: limit + 1])
    has_next = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][1] if rows else None), has_next
