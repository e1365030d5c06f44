"""Refuse, uniformly and with an audit record, any request to a town by someone who is not its staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.shortcuts import redirect, render

from kyodo.audit.services import platform_audit_record
from kyodo.tenancy.models import Application

from .oidc import session_check
from .permissions import town_roles

OPEN_PATHS = ("/accounts/login/", "/accounts/logout/", "/static/", "/healthz", "/oidc/")


class TownAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        town = getattr(request, "tenant", None)
        if request.user.is_authenticated and not request.path.startswith(OPEN_PATHS) and not session_check(request):
            # The identity provider no longer vouches for this SSO session (logged out, disabled, revoked).
            platform_audit_record(actor=request.user, action="identity.session_ended", target_type="host",
                                  target_id=request.get_host()[:64], outcome="refused",
                                  municipality_code=getattr(town, "code", "") or "")
            auth.logout(request)
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        if town is None or town.schema_name == "public" or request.path.startswith(OPEN_PATHS):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        roles = town_roles(user, town)  # one query per request, reused by the views
        if not roles:
            return _refuse(request, town, "not_member")
        if not town.is_active:
            return _refuse(request, town, "suspended")
        application = request.path.split("/")[1]
        if application in Application.values and not town.has_application(application):
            return _refuse(request, town, "application_not_enabled")
        request.town_roles = roles
        return self.get_response(request)


def _refuse(request, town, reason: str):
    platform_audit_record(
        actor=request.user, action="town.access_refused", municipality_code=town.code, target_type="host",
        target_id=request.get_host()[:64], outcome="refused", detail={"path": request.path[:200], "reason": reason},
    )
    # The same page and status whether the town is suspended, the user is not its staff or the
    # application is not enabled: nothing about the town's data or state is revealed to outsiders.
    return render(request, "core/refused.html", status=403)
