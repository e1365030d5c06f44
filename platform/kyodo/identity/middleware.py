"""Refuse, uniformly and with an audit record, any request to a town by someone who is not its staff."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from kyodo import registry
from kyodo.audit.services import platform_audit_record
from kyodo.observability import context
from kyodo.tenancy.models import MunicipalityStatus

from .oidc import session_check
from .permissions import town_roles
from .principal import staff_principal
from .views import silent_login, silent_login_possible

# Paths served without a town membership, matched against ``path_info`` (what the URL resolver routes),
# never ``path``, which carries the client-controlled SCRIPT_NAME. Exact paths match only themselves
# (``/graphql/`` does not open ``/graphql/anything``); prefixes end with "/" so they match whole segments.
# ``/graphql/`` authenticates its own callers (bearer tokens; kyodo.api.view) and answers in JSON.
# /healthz and /readyz never get here: kyodo.core.health answers them first.
OPEN_EXACT = frozenset({"/accounts/login/", "/accounts/logout/", "/graphql/"})
OPEN_PREFIXES = ("/static/", "/oidc/")
# What a suspended town's hosts still serve: assets, health, and ending a session. Everything else,
# the login page and the sign-in endpoints included, is the suspension notice.
SUSPENDED_OPEN_EXACT = frozenset({"/accounts/logout/", "/oidc/backchannel-logout/", "/graphql/"})
SUSPENDED_OPEN_PREFIXES = ("/static/",)


def is_open_path(path_info: str) -> bool:
    return path_info in OPEN_EXACT or path_info.startswith(OPEN_PREFIXES)


def _to_login(request):
    """Redirect to the login page, coming back to the page asked for (``next`` URL-encoded)."""
    return redirect_to_login(request.get_full_path())


def _sign_in(request):
    """An unauthenticated request for a town page: silent sign-in at the IdP (a member signed in at
    another town's host arrives without a click) unless tried just now from this browser; else the
    login page."""
    return silent_login(request) if silent_login_possible(request) else _to_login(request)


SESSION_STARTED = "kyodo_started"
SESSION_SEEN = "kyodo_seen"
# The last-seen time is written at most this often, so that a busy page does not save its session on
# every request; the idle limit is therefore kept to within this many seconds.
SEEN_GRANULARITY_SECONDS = 30


def session_lifetime_start(sender, request, user, **kwargs) -> None:
    """On sign-in (password, OIDC, a test's force_login): the session's limits start now, written with
    the login itself rather than by the next request."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_STARTED] = session[SESSION_SEEN] = int(time.time())


class SessionLifetimeMiddleware:
    """A signed-in session ends KYODO_SESSION_MAX_SECONDS after sign-in whatever happens (the cookie's
    age too), and sooner when no request came for KYODO_SESSION_IDLE_SECONDS: a counter terminal left
    signed in is signed out. The request then goes on as anonymous (to the login page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "_auth_user_id" in request.session:
            now = int(time.time())
            session = request.session
            started = session.get(SESSION_STARTED)
            seen = session.get(SESSION_SEEN)
            if not isinstance(started, int) or not isinstance(seen, int):
                session[SESSION_STARTED] = session[SESSION_SEEN] = now
            elif (now - started >= settings.KYODO_SESSION_MAX_SECONDS
                  or now - seen >= settings.KYODO_SESSION_IDLE_SECONDS):
                platform_audit_record(actor=user, action="identity.session_expired", target_type="host",
                                      target_id=request.get_host()[:64],
                                      detail={"reason": "max_age" if now - started >= settings.KYODO_SESSION_MAX_SECONDS
                                              else "idle"})
                auth.logout(request)
            elif now - seen >= SEEN_GRANULARITY_SECONDS:
                session[SESSION_SEEN] = now
        return self.get_response(request)


class TownAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        town = getattr(request, "tenant", None)
        open_path = is_open_path(request.path_info)
        if request.user.is_authenticated and not open_path and not session_check(request):
            # The identity provider no longer vouches for this SSO session (logged out, disabled, revoked).
            platform_audit_record(actor=request.user, action="identity.session_ended", target_type="host",
                                  target_id=request.get_host()[:64], outcome="refused",
                                  municipality_code=getattr(town, "code", "") or "")
            auth.logout(request)
            return _to_login(request)
        if town is None or town.schema_name == "public":
            return self.get_response(request)
        if town.status == MunicipalityStatus.SUSPENDED and not _open_while_suspended(request.path_info):
            return _suspended(request, town)
        if open_path:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return _sign_in(request)
        roles = town_roles(user, town)  # one query per request, reused by the views
        if not roles:
            return _refuse(request, town, "not_member")
        if not town.is_active:  # merged or closed
            return _refuse(request, town, town.status)
        application = request.path_info.split("/")[1]
        declared = registry.get(application)
        if declared is not None and declared.selectable and not town.has_application(application):
            return _refuse(request, town, "application_not_enabled")
        request.town_roles = roles
        # The caller, resolved once for this request: services and selectors take it (no role re-query).
        request.principal = staff_principal(user, town, roles)
        context.bind_principal(request.principal)  # for the log lines of this request
        return self.get_response(request)


def _open_while_suspended(path_info: str) -> bool:
    return path_info in SUSPENDED_OPEN_EXACT or path_info.startswith(SUSPENDED_OPEN_PREFIXES)


def _suspended(request, town):
    """一時停止中: the same notice for everyone, staff or not, signed in or not, and nothing else of
    the town (no name, no menu, no data). A signed-in caller's attempt is audited."""
    if request.user.is_authenticated:
        platform_audit_record(
            actor=request.user, action="town.access_refused", municipality_code=town.code, target_type="host",
            target_id=request.get_host()[:64], outcome="refused",
            detail={"path": request.path[:200], "reason": "suspended"},
        )
    # kyodo_town: None so that no header or menu shows the town (the context processor would).
    return render(request, "core/suspended.html", {"kyodo_town": None}, status=403)


def _refuse(request, town, reason: str):
    platform_audit_record(
        actor=request.user, action="town.access_refused", municipality_code=town.code, target_type="host",
        target_id=request.get_host()[:64], outcome="refused", detail={"path": request.path[:200], "reason": reason},
    )
    # The same page and status whether the town is suspended, the user is not its staff or the
    # application is not enabled: nothing about the town's data or state is revealed to outsiders.
    return render(request, "core/refused.html", status=403)
