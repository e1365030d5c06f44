"""GraphiQL at GET /graphql/ (Accept: text/html): rendered for the town's staff (session) and for anyone
in debug mode, from local static files only; outside debug mode a vendor token, anonymous callers and
staff of another town get the API's JSON refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.conftest import TAKEO
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


def _get(client, **extra):
    return client.get("/graphql/", HTTP_ACCEPT="text/html,application/xhtml+xml", HTTP_HOST=TAKEO, **extra)


def test_the_page_renders_for_a_staff_session_from_local_files_only(client_a, settings, town_a):
    settings.DEBUG = False
    response = _get(client_a)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    names = {re.sub(r"\.[0-9a-f]{12}(?=\.)", "", u.rsplit("/", 1)[-1]) for u in urls}  # hashed or not
    assert names >= {"react.production.min.js", "react-dom.production.min.js",
                                                     "graphiql.min.js", "graphiql.min.css", "graphiql.js"}
    assert all(u.startswith(settings.STATIC_URL) for u in urls), urls  # no CDN, nothing off this host
    assert "//" not in "".join(u.removeprefix(settings.STATIC_URL) for u in urls)
    assert town_a.name in html
    token = re.search(r'data-csrf-token="([^"]+)"', html)[1]
    assert token and 'data-endpoint="/graphql/"' in html
    # The fetcher's request: the session with that CSRF token gets through the pipeline.
    client_a.handler.enforce_csrf_checks = True
    answer = client_a.post("/graphql/", data='{"query": "{ municipality { code } }"}', content_type="application/json",
                           HTTP_HOST=TAKEO, HTTP_X_CSRFTOKEN=token)
    assert answer.status_code == 200, answer.content
    assert answer.json()["data"] == {"municipality": {"code": "412066"}}
    # Without the token (a page of another site posting with the member's cookie): refused.
    forged = client_a.post("/graphql/", data='{"query": "{ municipality { code } }"}',
                           content_type="application/json", HTTP_HOST=TAKEO)
    assert forged.status_code == 403 and forged.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "data" not in forged.json()


def test_vendors_anonymous_callers_and_other_towns_staff_get_the_json_refusal(vendor_api, client, clerk_b, settings):
    settings.DEBUG = False
    anonymous = _get(client)
    assert anonymous.status_code == 401 and anonymous["Content-Type"].startswith("application/json")
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    vendor = _get(client, HTTP_AUTHORIZATION=f"Bearer {vendor_api.token}")
    assert vendor.status_code == 403 and vendor.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = _get(logged_in_client(clerk_b, TAKEO))
    assert other.status_code == 403 and other.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert b"/graphiql.min" not in anonymous.content + vendor.content + other.content


def test_anyone_gets_the_page_in_debug_mode(vendor_api, client, clerk_b, settings):
    settings.DEBUG = True
    assert b"/graphiql.min" in _get(client).content
    assert b"/graphiql.min" in _get(client, HTTP_AUTHORIZATION=f"Bearer {vendor_api.token}").content
    assert b"/graphiql.min" in _get(logged_in_client(clerk_b, TAKEO)).content


def test_vendored_files_name_no_missing_source_maps(tmp_path):
    """The hashed static storage (kyodo demo, production) refuses a file naming a map that is not there."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "platform" / "kyodo" / "core" / "frontend" / "build.py"
    spec = importlib.util.spec_from_file_location("frontend_build", path)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    css, js = tmp_path / "a.min.css", tmp_path / "a.min.js"
    css.write_bytes(b".a{color:red}\n/*# sourceMappingURL=a.min.css.map*/")
    js.write_bytes(b"var a=1;\n//# sourceMappingURL=a.min.js.map\n")
    assert build.vendored(css) == b".a{color:red}\n" and build.vendored(js) == b"var a=1;\n"
    assert build.vendored(tmp_path / "a.min.js") != js.read_bytes()
