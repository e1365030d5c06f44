"""Reads for tenancy."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Municipality


def municipalities_list() -> QuerySet[Municipality]:
    return Municipality.objects.exclude(schema_name="public").select_related("statistics").prefetch_related("domains")


def municipality_get_by_code(code: str) -> Municipality | None:
    return Municipality.objects.filter(code=code).first()
