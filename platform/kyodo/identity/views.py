"""Sign-in and sign-out: OpenID Connect when KYODO_OIDC_ISSUER is set, Django passwords otherwise.
Thin views; token checks live in oidc.py, membership rules in services.py. Silent sign-in across town
hosts (``prompt=none``) is ``silent_login`` below, started by TownAccessMiddleware."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from mozilla_django_oidc import views as oidc_views

from kyodo.audit.services import platform_audit_record

from . import oidc
from .conf import oidc_setting
from .models import OIDCSession

log = logging.getLogger(__name__)
# The loop guard of silent sign-in: set on this host when a prompt=none request is sent, for
# KYODO_OIDC_SILENT_RETRY_SECONDS. While it is present no other silent attempt is made from this browser.
SILENT_COOKIE = "kyodo_sso_silent"
# What the IdP answers to prompt=none when it cannot sign the user in without showing something
# (OpenID Connect Core 1.0 §3.1.2.6): the normal login page is shown instead, without an error.
SILENT_ERRORS = frozenset({"login_required", "interaction_required", "consent_required",
                           "account_selection_required"})


def _oidc_on() -> bool:
    return bool(oidc_setting("KYODO_OIDC_ISSUER"))


def _same_host_path(request, url: str) -> str:
    """``url`` when it stays on this host (a path, or a URL of this host and scheme), otherwise "/"."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return "/"


def login(request):
    """ログイン: the SSO button (OIDC), or the password form when no identity provider is configured."""
    if not _oidc_on():
        return auth_views.LoginView.as_view()(request)
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return render(request, "identity/login.html", {
        "start_url": f"{reverse('oidc_authentication_init')}?{urlencode({'next': next_url})}",
        "failed": request.GET.get("error") == "oidc",
    })


def logout(request):
    """ログアウト (POST): end the Django session and, for an SSO session, the Keycloak session too
    (RP-initiated logout with id_token_hint, returning to this host's login page)."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    id_token = request.session.get("oidc_id_token")
    user = request.user if request.user.is_authenticated else None
    if request.session.session_key:
        OIDCSession.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        platform_audit_record(actor=user, action="identity.logout", target_type="host",
                              target_id=request.get_host()[:64], detail={"sso": bool(id_token)})
    auth.logout(request)
    if _oidc_on() and id_token:
        params = {"id_token_hint": id_token, "client_id": oidc_setting("OIDC_RP_CLIENT_ID"),
                  "post_logout_redirect_uri": request.build_absolute_uri(reverse("login"))}
        return HttpResponseRedirect(f"{oidc_setting('KYODO_OIDC_END_SESSION_ENDPOINT')}?{urlencode(params)}")
    return HttpResponseRedirect(reverse(settings.LOGOUT_REDIRECT_URL))


def authenticate(request):
    if not _oidc_on():
        raise Http404
    return oidc_views.OIDCAuthenticationRequestView.as_view()(request)


class SilentAuthenticationRequestView(oidc_views.OIDCAuthenticationRequestView):
    """The same authorization request (state, nonce, PKCE, this host's redirect URI) with ``prompt=none``:
    the IdP answers at once, with a code if its SSO session signs the user in, or with an error."""

    def get_extra_params(self, request):
        return {**super().get_extra_params(request), "prompt": "none"}


def silent_login_possible(request) -> bool:
    """An unauthenticated GET of a town page may try silent sign-in: OIDC on, silent sign-in not turned
    off, not an htmx request (a cross-origin redirect cannot be followed there) and no attempt from this
    browser within KYODO_OIDC_SILENT_RETRY_SECONDS (the loop guard)."""
    return (_oidc_on() and bool(oidc_setting("KYODO_OIDC_SILENT_RETRY_SECONDS"))
            and request.method == "GET" and "HX-Request" not in request.headers
            and SILENT_COOKIE not in request.COOKIES)


def silent_login(request):
    """Redirect to the IdP with ``prompt=none``, coming back to the page asked for (this host only).
    The state is marked silent, so that the callback turns "not signed in at the IdP" into the login page."""
    next_url = _same_host_path(request, request.get_full_path())
    response = SilentAuthenticationRequestView.as_view()(request)
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    session = request.session
    session["oidc_states"][state]["silent"] = True
    session["oidc_login_next"] = next_url  # the page asked for, not a ``next`` parameter it may carry
    session.modified = True
    response.set_cookie(SILENT_COOKIE, "1", max_age=int(oidc_setting("KYODO_OIDC_SILENT_RETRY_SECONDS")),
                        httponly=True, samesite="Lax", secure=request.is_secure())
    add_never_cache_headers(response)
    return response


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    silent = False

    def get(self, request):
        states = request.session.get("oidc_states") or {}
        entry = states.get(request.GET.get("state", "")) if isinstance(states, dict) else None
        self.silent = isinstance(entry, dict) and bool(entry.get("silent"))
        if self.silent and request.GET.get("error") in SILENT_ERRORS:
            # Not signed in at the IdP (or it would have to ask something): the normal login page, no
            # error shown. The parent drops the state first, so it cannot be replayed.
            next_url = _same_host_path(request, request.session.get("oidc_login_next") or "/")
            super().get(request)
            log.info("silent sign-in not possible at %s: %s", request.get_host(), request.GET["error"])
            return redirect_to_login(next_url)
        return super().get(request)

    def login_success(self):
        response = super().login_success()
        session = self.request.session
        session.save()
        OIDCSession.objects.update_or_create(session_key=session.session_key, defaults={
            "user": self.user, "issuer": oidc_setting("KYODO_OIDC_ISSUER"), "subject": session.get("oidc_subject", ""),
            "sid": session.get("oidc_sid", ""), "host": self.request.get_host()[:253]})
        platform_audit_record(actor=self.user, action="identity.login", target_type="host",
                              target_id=self.request.get_host()[:64],
                              detail={"method": "oidc", "silent": self.silent})
        return response


def callback(request):
    if not _oidc_on():
        raise Http404
    return CallbackView.as_view()(request)


@csrf_exempt
@require_POST
def backchannel_logout(request):
    """OpenID Connect Back-Channel Logout: Keycloak POSTs a signed logout token when a session ends there."""
    if not _oidc_on():
        raise Http404
    try:
        claims = oidc.logout_token_verify(request.POST.get("logout_token", ""))
    except oidc.TokenInvalid:
        return HttpResponseBadRequest("invalid logout token", content_type="text/plain")
    oidc.sessions_end(issuer=oidc_setting("KYODO_OIDC_ISSUER"), subject=str(claims.get("sub") or ""),
                      sid=str(claims.get("sid") or ""))
    return HttpResponse(status=200, headers={"Cache-Control": "no-store"})


def staff_manage(request):
    """共同利用コンソール: invite staff into a town's role, or disable an account (県管理者 only)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from kyodo.console.views import prefecture_admin_required

    from .forms import StaffDisableForm, StaffInviteForm
    from .services import staff_disable, staff_invite

    @prefecture_admin_required
    def view(request):
        invite = StaffInviteForm(request.POST if request.POST.get("action") == "invite" else None, prefix="invite")
        disable = StaffDisableForm(request.POST if request.POST.get("action") == "disable" else None,
                                   prefix="disable")
        try:
            if invite.is_bound and invite.is_valid():
                data = invite.cleaned_data
                staff_invite(actor=request.user, town=data["town"], username=data["username"], email=data["email"],
                             role=data["role"], full_name=data["full_name"])
                messages.success(request, f"{data['username']} を{data['town'].name}に招待しました。")
                return redirect("console:staff")
            if disable.is_bound and disable.is_valid():
                staff_disable(actor=request.user, username=disable.cleaned_data["username"],
                              reason=disable.cleaned_data["reason"])
                messages.success(request, f"{disable.cleaned_data['username']} の利用を停止しました。")
                return redirect("console:staff")
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
        return render(request, "identity/staff.html", {"invite": invite, "disable": disable})

    return view(request)
