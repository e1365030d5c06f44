"""A prefix mount (KYODO_SCRIPT_NAME → FORCE_SCRIPT_NAME, the proxy strips the prefix): every access
check still holds and every URL the portal makes carries the prefix."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from ..conftest import TOWN_A, TOWN_B, logged_in_client

pytestmark = pytest.mark.django_db

PREFIX = "/kyodo"
HOST_A, HOST_B = TOWN_A["hosts"][0], TOWN_B["hosts"][0]


@pytest.fixture(autouse=True)
def _mounted(settings):
    """FORCE_SCRIPT_NAME, and the script prefix the WSGI handler sets for each request from it (the test
    client does not; test_through_the_wsgi_handler goes through the real handler)."""
    from django.urls import set_script_prefix

    settings.FORCE_SCRIPT_NAME = PREFIX
    set_script_prefix(f"{PREFIX}/")
    yield
    set_script_prefix("/")


def test_through_the_wsgi_handler():
    """The real WSGI handler (what gunicorn calls): the proxy has stripped the prefix from PATH_INFO."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory
    from django.urls import set_script_prefix

    set_script_prefix("/")  # the handler must set it itself
    environ = RequestFactory()._base_environ(PATH_INFO="/residents/", HTTP_HOST=HOST_A, REQUEST_METHOD="GET")
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    # As the test client does: the per-test transaction must survive the request's start and end.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = WSGIHandler()(environ, start_response)
        body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert answer["status"].startswith("302")
    location = urlsplit(answer["headers"]["Location"])
    assert location.path == f"{PREFIX}/accounts/login/"
    assert parse_qs(location.query)["next"] == [f"{PREFIX}/residents/"]


def test_an_anonymous_request_goes_to_the_login_page_under_the_prefix():
    response = Client(HTTP_HOST=HOST_A).get("/residents/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == f"{PREFIX}/accounts/login/"
    assert parse_qs(location.query)["next"] == [f"{PREFIX}/residents/"]


def test_the_console_asks_for_a_login_under_the_prefix():
    response = Client(HTTP_HOST="localhost").get("/console/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == f"{PREFIX}/accounts/login/"
    response = Client(HTTP_HOST="localhost").get("/")
    assert response["Location"] == f"{PREFIX}/console/"


def test_staff_of_town_a_are_refused_on_town_b(clerk_a):
    assert logged_in_client(clerk_a, HOST_B).get("/residents/").status_code == 403
    assert logged_in_client(clerk_a, HOST_B).get("/").status_code == 403


def test_pages_link_under_the_prefix(clerk_a):
    client = logged_in_client(clerk_a, HOST_A)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{PREFIX}/"' in page  # the header's link home
    assert f'action="{PREFIX}/accounts/logout/"' in page
    assert f'href="{PREFIX}/residents/"' in page  # the 業務メニュー
    assert 'href="/residents/"' not in page and 'action="/accounts/logout/"' not in page


def test_logging_out_returns_to_the_login_page_under_the_prefix(clerk_a):
    response = logged_in_client(clerk_a, HOST_A).post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == f"{PREFIX}/accounts/login/"


def test_reversed_urls_carry_the_prefix():
    assert reverse("login") == f"{PREFIX}/accounts/login/"
