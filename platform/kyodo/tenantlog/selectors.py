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
