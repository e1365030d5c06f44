"""Failed password logins (django-axes): after KYODO_LOGIN_FAILURE_LIMIT wrong passwords for one
username from one address, even the right password is refused until the cool-off; another user, or the
same user from another address, is not affected; a success resets the count."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from ..conftest import PASSWORD, TOWN_A

pytestmark = pytest.mark.django_db

HOST = TOWN_A["hosts"][0]


def _login(username: str, password: str, ip: str = "192.0.2.10"):
    client = Client(HTTP_HOST=HOST, REMOTE_ADDR=ip)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_the_limit_even_the_right_password_is_refused(clerk_a, clerk_b):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(1, limit + 1):
        client, response = _login("clerk-a", "wrong-password-0")
        # The form again with its error; the failure that reaches the limit gets the lockout page.
        assert response.status_code == (429 if attempt == limit else 200) and not _signed_in(client)
    client, response = _login("clerk-a", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)
    assert "ログインを一時的に止めています" in response.content.decode()
    # Another user from the same address, and the same user from another address, sign in as usual.
    other, response = _login("clerk-b", PASSWORD)
    assert response.status_code == 302 and _signed_in(other)
    elsewhere, response = _login("clerk-a", PASSWORD, ip="192.0.2.99")
    assert response.status_code == 302 and _signed_in(elsewhere)


def test_a_success_resets_the_count(clerk_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        _login("clerk-a", "wrong-password-0")
    client, response = _login("clerk-a", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
    for _ in range(limit - 1):
        _login("clerk-a", "wrong-password-0")
    client, response = _login("clerk-a", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_failures_are_counted_across_hosts(clerk_a):
    """The attempts live in the public schema: failing on the console host counts on the town host too."""
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        Client(HTTP_HOST="localhost", REMOTE_ADDR="192.0.2.10").post(
            "/accounts/login/", {"username": "clerk-a", "password": "wrong-password-0"})
    client, response = _login("clerk-a", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)


def test_the_cool_off_ends_the_lockout(clerk_a):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("clerk-a", "wrong-password-0")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time
                                 - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    client, response = _login("clerk-a", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
