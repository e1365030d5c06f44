"""Views shared by every host: health check, the town portal home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from kyodo.identity.models import StaffRole
from kyodo.tenancy.models import Application


def _mounted(application: str, urlconf: str | None) -> bool:
    try:
        resolve(f"/{application}/", urlconf=urlconf)
    except Resolver404:
        return False
    return True


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def portal_home(request):
    """業務メニュー: only the applications this town has enabled are shown."""
    town = request.tenant
    urlconf = getattr(request, "urlconf", None)
    apps = [(value, label, _mounted(value, urlconf)) for value, label in Application.choices
            if town.has_application(value)]
    role_labels = dict(StaffRole.choices)
    roles = [role_labels[r] for r in sorted(request.town_roles)]
    return render(request, "portal/home.html", {"applications": apps, "roles": roles})
