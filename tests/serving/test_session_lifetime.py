"""Sessions of counter terminals: signed out after KYODO_SESSION_IDLE_SECONDS without a request, and
KYODO_SESSION_MAX_SECONDS after signing in whatever the activity; the cookie lives no longer either."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.middleware import SESSION_SEEN, SESSION_STARTED

from ..conftest import TOWN_A, logged_in_client

pytestmark = pytest.mark.django_db

HOST = TOWN_A["hosts"][0]


def _shift(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"started": SESSION_STARTED, "seen": SESSION_SEEN}[key]] = now - ago
    session.save()


def test_an_active_session_stays_signed_in(clerk_a):
    client = logged_in_client(clerk_a, HOST)
    assert client.get("/").status_code == 200
    _shift(client, started=600, seen=settings.KYODO_SESSION_IDLE_SECONDS - 60)
    assert client.get("/").status_code == 200
    # The request counted as activity.
    assert int(time.time()) - client.session[SESSION_SEEN] < 5


def test_an_idle_session_is_signed_out(clerk_a):
    client = logged_in_client(clerk_a, HOST)
    assert client.get("/").status_code == 200
    _shift(client, started=settings.KYODO_SESSION_IDLE_SECONDS + 10, seen=settings.KYODO_SESSION_IDLE_SECONDS + 1)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    entry = PlatformAuditEntry.objects.filter(action="identity.session_expired").latest("seq")
    assert (entry.actor_username, entry.detail["reason"]) == ("clerk-a", "idle")


def test_a_session_ends_at_the_absolute_limit_even_when_active(clerk_a):
    client = logged_in_client(clerk_a, HOST)
    assert client.get("/").status_code == 200
    _shift(client, started=settings.KYODO_SESSION_MAX_SECONDS + 1, seen=1)
    response = client.get("/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    entry = PlatformAuditEntry.objects.filter(action="identity.session_expired").latest("seq")
    assert entry.detail["reason"] == "max_age"


def test_the_cookie_lives_no_longer_than_the_absolute_limit():
    assert settings.SESSION_COOKIE_AGE == settings.KYODO_SESSION_MAX_SECONDS
    assert settings.KYODO_SESSION_IDLE_SECONDS <= settings.KYODO_SESSION_MAX_SECONDS
