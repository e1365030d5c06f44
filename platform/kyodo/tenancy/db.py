"""Typed access to django-tenants' schema switching on the default connection (one place)."""

from __future__ import annotations

from typing import Any, cast

from django.db import connection


def _tenant_connection() -> Any:
    return cast(Any, connection)


def current_schema() -> str:
    return _tenant_connection().schema_name


def use_public_schema() -> None:
    _tenant_connection().set_schema_to_public()


def ensure_public_schema() -> None:
    """Public-schema services call this first: a request, task or command before them may have left
    the connection in a town's schema (django-tenants does not reset it)."""
    if current_schema() != "public":
        use_public_schema()
