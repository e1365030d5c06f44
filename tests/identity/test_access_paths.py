"""TownAccessMiddleware decides on the path the URL resolver routes (``path_info``), not on ``path``
(which carries the client's SCRIPT_NAME): no prefix opens a town page to a stranger or a suspended town,
open paths are exact or whole-segment prefixes, and the login redirect's ``next`` is URL-encoded."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, RequestFactory

from kyodo.audit.models import PlatformAuditEntry

from ..conftest import TOWN_A, logged_in_client

pytestmark = pytest.mark.django_db

HOST_A = TOWN_A["hosts"][0]
PREFIXES = ["/prefix", "/static", "/oidc", "/healthz", "/accounts/login"]


@pytest.mark.parametrize("script_name", PREFIXES)
def test_a_script_name_does_not_let_a_stranger_into_a_town_page(clerk_b, script_name):
    response = logged_in_client(clerk_b, HOST_A).get("/residents/", SCRIPT_NAME=script_name)
    assert response.status_code == 403
    entry = PlatformAuditEntry.objects.filter(action="town.access_refused").latest("seq")
    assert (entry.actor_username, entry.municipality_code, entry.detail["reason"]) == (
        "clerk-b", TOWN_A["code"], "not_member")


@pytest.mark.parametrize("script_name", PREFIXES)
def test_a_script_name_does_not_open_a_suspended_town(clerk_a, town_a, pref_admin, script_name):
    from kyodo.tenancy.services import municipality_suspend

    municipality_suspend(actor=pref_admin, town=town_a, reason="点検")
    response = logged_in_client(clerk_a, HOST_A).get("/residents/", SCRIPT_NAME=script_name)
    assert response.status_code == 403


def test_the_middleware_reads_path_info(clerk_b, town_a):
    """The same through the middleware alone: a request whose ``path`` looks open but whose
    ``path_info`` is a town page is refused before the view runs."""
    from kyodo.identity.middleware import TownAccessMiddleware

    request = RequestFactory(HTTP_HOST=HOST_A).get("/residents/", SCRIPT_NAME="/static")
    assert request.path == "/static/residents/" and request.path_info == "/residents/"
    request.tenant, request.user, request.session = town_a, clerk_b, {}
    reached = []
    response = TownAccessMiddleware(lambda r: reached.append(r) or None)(request)
    assert response.status_code == 403 and not reached


@pytest.mark.parametrize("path", ["/healthzanything", "/healthz/x", "/oidcx", "/staticfiles/x",
                                  "/accounts/login/x", "/accounts/logoutx"])
def test_open_paths_are_exact_or_whole_segments(path):
    response = Client(HTTP_HOST=HOST_A).get(path)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/accounts/login/"


def test_open_paths_stay_open():
    client = Client(HTTP_HOST=HOST_A)
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert not client.get("/oidc/authenticate/").get("Location", "").startswith("/accounts/login/")


def test_the_login_redirect_encodes_next():
    response = Client(HTTP_HOST=HOST_A).get("/residents/", {"q": "山田&x=1", "next": "https://evil.test/"})
    assert response.status_code == 302
    location = response["Location"]
    query = urlsplit(location).query
    assert "&x=" not in query and "evil.test/&" not in query and "https://" not in query
    assert parse_qs(query) == {"next": ["/residents/?q=%E5%B1%B1%E7%94%B0%26x%3D1&next=https%3A%2F%2Fevil.test%2F"]}
