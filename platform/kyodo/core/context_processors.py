"""Template context shared by the console and the town portal."""

from __future__ import annotations

from kyodo.tenancy.db import current_schema


def kyodo(request):
    tenant = getattr(request, "tenant", None)
    is_town = tenant is not None and getattr(tenant, "schema_name", "public") != "public"
    return {"kyodo_town": tenant if is_town else None, "kyodo_schema": current_schema()}
