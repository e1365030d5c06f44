"""Resolve the town from the host (django-tenants) and answer unknown hosts without detail."""

from __future__ import annotations

from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware


class TownMiddleware(TenantMainMiddleware):
    def no_tenant_found(self, request, hostname):
        raise Http404("ページが見つかりません。")
