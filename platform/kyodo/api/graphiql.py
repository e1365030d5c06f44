"""GraphiQL (the in-browser query editor) at GET ``/graphql/`` with ``Accept: text/html``: for staff
signed in to this town (session; on the console's host, 県管理者), and for anyone in debug mode.

The page loads React and GraphiQL from this host (vendored from npm by ``core/frontend/build.py``; no
CDN) and posts queries with the session's cookies and its CSRF token, so they go through the same
pipeline, limits and audit as any other request. Outside debug mode a bearer token (programs, not this
page) gets the JSON refusal, as does anyone else."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from kyodo.identity.permissions import is_prefecture_admin, town_roles

from .errors import ApiError


def _staff_here(request, town) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    from kyodo.identity.oidc import session_check

    if not session_check(request):  # the identity provider no longer vouches for this session
        return False
    return is_prefecture_admin(user) if town is None else bool(town_roles(user, town))


def graphiql_page(request, town):
    if settings.DEBUG:
        return _page(request, town)
    if request.META.get("HTTP_AUTHORIZATION"):
        raise ApiError("FORBIDDEN", "GraphiQL はログインした職員のための画面です。トークンでは使えません。",
                       "GraphiQL is for signed-in staff, not for bearer tokens.", status=403)
    if not _staff_here(request, town):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise ApiError("UNAUTHENTICATED", "GraphiQL を使うにはログインしてください。",
                           "Sign in to use GraphiQL.", status=401)
        raise ApiError("FORBIDDEN", "この団体の職員ではないため GraphiQL は使えません。",
                       "GraphiQL is for this town's staff.", status=403)
    return _page(request, town)


def _page(request, town):
    title = town.name if town is not None else "共同利用コンソール"
    response = render(request, "api/graphiql.html", {"endpoint": request.path, "title": title})
    response["Cache-Control"] = "no-store"
    return response
