"""Template context shared by the console and the town portal."""

from __future__ import annotations

from django.urls import get_script_prefix

from kyodo import registry
from kyodo.core import display
from kyodo.identity.models import StaffRole
from kyodo.tenancy.db import current_schema


def kyodo(request):
    tenant = getattr(request, "tenant", None)
    is_town = tenant is not None and getattr(tenant, "schema_name", "public") != "public"
    # The site's root: "/" or the path prefix of a prefix mount (FORCE_SCRIPT_NAME), for links to "/".
    return {"kyodo_town": tenant if is_town else None, "kyodo_schema": current_schema(),
            "kyodo_root": get_script_prefix()}


def navigation(request):
    """The page header (docs/ui.md): who is signed in — 氏名（所属・役割）— and the menu of the application
    being shown, holding only the pages the caller's roles may open (the application's ``navigation``)."""
    principal = getattr(request, "principal", None)
    town = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"kyodo_staff": None, "kyodo_nav": [], "kyodo_app": None}
    labels = dict(StaffRole.choices)
    roles = sorted(getattr(request, "town_roles", None) or ())
    staff = {"name": display.staff_name(user),
             "affiliation": town.name if principal is not None and town is not None else "共同利用",
             "roles": "・".join(labels.get(str(r), str(r)) for r in roles)}
    app = registry.get(request.path_info.split("/")[1]) if principal is not None else None
    items = []
    if app is not None and app.navigation:
        items = registry.load_callable(app.navigation)(request)
    return {"kyodo_staff": staff, "kyodo_nav": items, "kyodo_app": app}
