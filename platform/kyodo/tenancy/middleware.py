"""Resolve the town from the host (django-tenants). The public host serves the consortium console;
an unknown host gets a plain 404 that says nothing about which towns exist."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseNotFound
from django.template.loader import render_to_string
from django_tenants.middleware.main import TenantMainMiddleware


class TownMiddleware(TenantMainMiddleware):
    def no_tenant_found(self, request, hostname):
        if hostname in settings.KYODO_PUBLIC_HOSTS:
            self.setup_url_routing(request=request, force_public=True)
            return None
        return HttpResponseNotFound(render_to_string("core/not_found.html"))
