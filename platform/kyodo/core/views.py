"""Views shared by every host: health check, the town portal home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from kyodo.tenancy.models import Application


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def portal_home(request):
    """業務メニュー: only the applications this town has enabled are shown."""
    town = request.tenant
    apps = [(value, label) for value, label in Application.choices if town.has_application(value)]
    return render(request, "portal/home.html", {"applications": apps, "roles": sorted(request.town_roles)})
