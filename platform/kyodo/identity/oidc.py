"""OpenID Connect relying party (mozilla-django-oidc, authorization code + PKCE + nonce) with the checks
Kyodo adds: issuer, audience/azp, signature against the realm's JWKS (re-fetched when an unknown key id
appears, i.e. after key rotation), expiry; linking to Django users by (issuer, sub); the session re-check
that turns a removed group or a disabled account into a refusal on the next request after
KYODO_OIDC_RECHECK_SECONDS; and back-channel logout tokens."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from kyodo.audit.services import platform_audit_record

from .conf import oidc_setting
from .models import ExternalIdentity

log = logging.getLogger(__name__)
LEEWAY_SECONDS = 30
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class TokenInvalid(SuspiciousOperation):
    """A token that must not be trusted (forged, expired, for another client or another issuer)."""


# --- signing keys -------------------------------------------------------------------------------------

class _JwksCache:
    """The realm's public keys by ``kid``; an unknown ``kid`` triggers one re-fetch (key rotation),
    at most once a second, so forged key ids cannot hammer the IdP."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str], jwt.PyJWK] = {}
        self._fetched: dict[str, float] = {}

    def _fetch(self, uri: str) -> None:
        response = requests.get(uri, timeout=10)
        response.raise_for_status()
        for data in response.json().get("keys", []):
            if data.get("use", "sig") == "sig" and data.get("kty") == "RSA" and data.get("kid"):
                self._keys[(uri, data["kid"])] = jwt.PyJWK(data, algorithm="RS256")
        self._fetched[uri] = time.monotonic()

    def key(self, uri: str, kid: str) -> jwt.PyJWK:
        with self._lock:
            if (uri, kid) not in self._keys and time.monotonic() - self._fetched.get(uri, -10.0) >= 1.0:
                self._fetch(uri)
            try:
                return self._keys[(uri, kid)]
            except KeyError:
                raise TokenInvalid(f"unknown signing key {kid!r}") from None

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._fetched.clear()


JWKS = _JwksCache()


def token_verify(token: str, *, audience: str | None = None, nonce: str | None = None,
                 require_nonce: bool = False) -> dict[str, Any]:
    """Verify a JWT issued by the realm: RS256 signature by a published key, ``iss``, ``aud`` (and ``azp``
    when there are several audiences), ``exp``/``iat``, and the login's ``nonce``. Raises TokenInvalid."""
    audience = audience or oidc_setting("OIDC_RP_CLIENT_ID")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"malformed token: {exc}") from None
    if header.get("alg") != "RS256":
        raise TokenInvalid(f"algorithm {header.get('alg')!r} is not accepted")
    key = JWKS.key(oidc_setting("OIDC_OP_JWKS_ENDPOINT"), str(header.get("kid", "")))
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=audience,
                            issuer=oidc_setting("KYODO_OIDC_ISSUER"), leeway=LEEWAY_SECONDS,
                            options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"token rejected: {exc}") from None
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != audience:
        raise TokenInvalid("azp does not name this client")
    if (nonce is not None or require_nonce) and claims.get("nonce") != nonce:
        raise TokenInvalid("nonce mismatch")
    return claims


# --- the Django authentication backend ------------------------------------------------------------------

def _user_for_claims(issuer: str, claims: dict[str, Any]):
    """The Django user of (issuer, sub): linked once, by username on first login, afterwards by subject."""
    User = get_user_model()
    subject = str(claims["sub"])
    link = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if link is not None:
        user = link.user
    else:
        username = str(claims.get("preferred_username") or subject)[:150]
        existing = User.objects.filter(username=username).first()
        if existing is not None and ExternalIdentity.objects.filter(user=existing, issuer=issuer).exists():
            existing = None  # the name belongs to another subject of this realm: never merge two people
            username = f"{username[:100]}.{subject[:40]}"
        user = existing if existing is not None else User.objects.create_user(username=username)
        link = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    changed = []
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name"), ("email", "email")):
        value = str(claims.get(claim) or "")[:150]
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    ExternalIdentity.objects.filter(pk=link.pk).update(last_login_at=timezone.now())
    return user


class KyodoOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow with Kyodo's token checks and group → membership mapping."""

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, KeyError) as exc:
            # A forged or replayed code, a token failing our checks, an unreachable IdP: nobody is
            # logged in, the failure is recorded, and the user sees the login page with an error.
            log.warning("OIDC login failed: %s", exc)
            platform_audit_record(actor=None, action="identity.login_failed", outcome="refused",
                                  target_type="host", target_id=request.get_host()[:64] if request else "",
                                  detail={"error": type(exc).__name__, "message": str(exc)[:200]})
            return None

    def verify_token(self, token, **kwargs):
        return token_verify(token, nonce=kwargs.get("nonce"), require_nonce=True)

    def get_token(self, payload):
        self._token_info = super().get_token(payload)
        return self._token_info

    def store_tokens(self, access_token, id_token):
        info = getattr(self, "_token_info", {})
        session = self.request.session
        session["oidc_access_token"] = access_token
        session["oidc_id_token"] = id_token
        session["oidc_refresh_token"] = info.get("refresh_token", "")
        session["oidc_checked_at"] = time.time()

    def get_or_create_user(self, access_token, id_token, payload):
        from .services import membership_sync_from_groups

        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload["sub"]):
            raise TokenInvalid("userinfo subject differs from the ID token's")
        issuer = oidc_setting("KYODO_OIDC_ISSUER")
        with transaction.atomic():
            user = _user_for_claims(issuer, userinfo)
            if not user.is_active:
                return None
            membership_sync_from_groups(user=user, groups=_groups(userinfo, payload), source="login")
        session = self.request.session
        session["oidc_subject"] = str(payload["sub"])
        session["oidc_sid"] = str(payload.get("sid") or "")
        return user


def _groups(*claim_sets: dict[str, Any]) -> list[str]:
    for claims in claim_sets:
        if "groups" in claims:
            return [str(g) for g in claims["groups"] or []]
    return []


# --- re-checking a running session ------------------------------------------------------------------------

def _userinfo(access_token: str) -> dict[str, Any] | None:
    response = requests.get(oidc_setting("OIDC_OP_USER_ENDPOINT"), timeout=10,
                            headers={"Authorization": f"Bearer {access_token}"})
    if response.status_code in (401, 403):
        return None
    response.raise_for_status()
    return response.json()


def _refresh(refresh_token: str) -> dict[str, Any] | None:
    if not refresh_token:
        return None
    response = requests.post(oidc_setting("OIDC_OP_TOKEN_ENDPOINT"), timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": oidc_setting("OIDC_RP_CLIENT_ID"), "client_secret": oidc_setting("OIDC_RP_CLIENT_SECRET"),
    })
    if response.status_code != 200:
        log.info("refresh refused by the identity provider: %s %s", response.status_code, response.text[:200])
        return None
    return response.json()


def session_check(request) -> bool:
    """False when the IdP no longer vouches for this session's user (token revoked, user disabled or
    logged out, subject changed). Otherwise re-maps the token's groups onto memberships, so that a removed
    group is refused on the first request after at most KYODO_OIDC_RECHECK_SECONDS."""
    from .services import membership_sync_from_groups

    session = request.session
    if "oidc_subject" not in session or not oidc_setting("KYODO_OIDC_ISSUER"):
        return True
    now = time.time()
    if now < float(session.get("oidc_checked_at", 0)) + oidc_setting("KYODO_OIDC_RECHECK_SECONDS"):
        return True
    try:
        claims = _userinfo(session.get("oidc_access_token", ""))
        if claims is None:
            tokens = _refresh(session.get("oidc_refresh_token", ""))
            if tokens is None:
                return False
            session["oidc_access_token"] = tokens["access_token"]
            session["oidc_refresh_token"] = tokens.get("refresh_token", session.get("oidc_refresh_token", ""))
            if tokens.get("id_token"):
                token_verify(tokens["id_token"])
                session["oidc_id_token"] = tokens["id_token"]
            claims = _userinfo(tokens["access_token"])
            if claims is None:
                return False
    except TokenInvalid:
        return False
    except requests.RequestException:
        # The IdP is unreachable: fail closed. Staff must sign in again once it is back.
        log.warning("identity provider unreachable during session check", exc_info=True)
        return False
    if str(claims.get("sub")) != session["oidc_subject"]:
        return False
    membership_sync_from_groups(user=request.user, groups=_groups(claims), source="session_check")
    session["oidc_checked_at"] = now
    return True


# --- back-channel logout ----------------------------------------------------------------------------------

def logout_token_verify(token: str) -> dict[str, Any]:
    """OpenID Connect Back-Channel Logout 1.0 §2.6: a signed JWT for this client with the logout event,
    a ``sub`` or ``sid``, and no ``nonce``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"malformed logout token: {exc}") from None
    if header.get("alg") != "RS256":
        raise TokenInvalid("algorithm not accepted")
    key = JWKS.key(oidc_setting("OIDC_OP_JWKS_ENDPOINT"), str(header.get("kid", "")))
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=oidc_setting("OIDC_RP_CLIENT_ID"),
                            issuer=oidc_setting("KYODO_OIDC_ISSUER"), leeway=LEEWAY_SECONDS,
                            options={"require": ["iat", "iss", "aud"]})
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"logout token rejected: {exc}") from None
    if BACKCHANNEL_EVENT not in (claims.get("events") or {}):
        raise TokenInvalid("not a logout token")
    if "nonce" in claims or not (claims.get("sub") or claims.get("sid")):
        raise TokenInvalid("logout token must name sub or sid and carry no nonce")
    return claims


def sessions_end(*, issuer: str, subject: str = "", sid: str = "") -> int:
    """End every Django session opened for this IdP session (``sid``) or, without one, this subject."""
    from importlib import import_module

    from .models import OIDCSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = OIDCSession.objects.filter(issuer=issuer)
    rows = rows.filter(sid=sid) if sid else rows.filter(subject=subject)
    ended = 0
    for row in list(rows):
        store(session_key=row.session_key).delete()
        row.delete()
        ended += 1
    platform_audit_record(actor=None, action="identity.backchannel_logout", target_type="subject",
                          target_id=(subject or sid)[:64], detail={"sessions": ended, "by": "sid" if sid else "sub"})
    return ended
