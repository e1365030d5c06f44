"""Views shared by every host: health check, the town portal home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from kyodo import registry
from kyodo.identity.models import StaffRole


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def portal_home(request):
    """業務メニュー: the declared applications this town has enabled (kyodo.registry)."""
    town = request.tenant
    apps = [(app.code, app.label, f"/{app.code}/") for app in registry.enabled_for(town)
            if app.menu and app.urls]
    role_labels = dict(StaffRole.choices)
    roles = [role_labels[r] for r in sorted(request.town_roles)]
    return render(request, "portal/home.html", {"applications": apps, "roles": roles})
