"""Views shared by every host: the town portal home (health checks: kyodo.core.health)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import get_script_prefix

from kyodo import registry
from kyodo.identity.models import StaffRole


@login_required
def portal_home(request):
    """業務メニュー: the declared applications this town has enabled (kyodo.registry)."""
    town = request.tenant
    root = get_script_prefix()
    apps = [(app.code, app.label, f"{root}{app.code}/") for app in registry.enabled_for(town)
            if app.menu and app.urls]
    role_labels = dict(StaffRole.choices)
    roles = [role_labels[r] for r in sorted(request.town_roles)]
    return render(request, "portal/home.html", {"applications": apps, "roles": roles})
