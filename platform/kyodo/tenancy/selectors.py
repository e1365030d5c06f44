"""Reads for tenancy."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Municipality


def municipalities_list() -> QuerySet[Municipality]:
    return Municipality.objects.exclude(schema_name="public").select_related("statistics").prefetch_related("domains")


def municipality_choices() -> QuerySet[Municipality]:
    """Every town's code and name (for a filter's choices)."""
    return Municipality.objects.exclude(schema_name="public").order_by("code").only("code", "name")


def municipality_get_by_code(code: str) -> Municipality | None:
    return Municipality.objects.filter(code=code).first()


def municipality_for_command(code: str, *, option: str = "town"):
    """The town a ``kyodo`` command names, or None after telling the operator (on stderr, naming
    the option) that no such town is registered."""
    import sys

    town = municipality_get_by_code(code)
    if town is None:
        print(f"エラー [{option}]: 団体コード {code} の団体は登録されていません。", file=sys.stderr)
    return town
