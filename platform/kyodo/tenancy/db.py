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
