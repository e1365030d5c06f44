"""Every input path answers a bad value with 400 and a message naming the parameter, never 500:
NUL in any query or form key or value, in the path or in an uploaded file's name; text that is not
UTF-8; more data or fields than Django's DATA_UPLOAD_MAX_* limits; ids that are digits to Python but not
ASCII (``"²".isdigit()`` is True, ``int("１２")`` is 12).

The URL list is not written here: every pattern of the town and public urlconfs is enumerated through
the resolver (so a new page or a newly mounted application is covered the day it lands), each int
converter filled with 1 and each str converter with a plausible value. Town pages are requested by
town A's clerk on town A's host -- holding every town role here, so that no page refuses before it
reads its input -- and console pages by the prefecture administrator on the public host."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, StringConverter

from ..conftest import TOWN_A, logged_in_client

pytestmark = pytest.mark.django_db

HOST_A = TOWN_A["hosts"][0]
PUBLIC_HOST = "localhost"

# A plausible value per str-converter name, so the view gets past its own lookup; any other name gets "x".
PLAUSIBLE = {"kind": "relocation", "code": TOWN_A["code"]}
# Parameters that carry ids somewhere; every name a view reads from request.GET/POST is added to them.
ID_NAMES = {"id", "pk", "person", "person_id", "person_ids", "household", "household_id", "attempt", "change",
            "request", "measure", "page"}
BAD_DIGITS = ("²", "１２")
_READS = re.compile(r"""request\.(?:GET|POST)\.(?:get|getlist)\(\s*["']([^"']+)["']""")
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _route(prefix: str, pattern: URLPattern) -> str:
    route = prefix + str(pattern.pattern)
    assert "^" not in route and "(?P" not in route, f"regex route {route!r}: teach this test to fill it"
    return route


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield _route(prefix, entry), entry


def _fill(route: str, converters: dict, str_value: str | None = None) -> str:
    def value(match: re.Match) -> str:
        name = match["name"]
        converter = converters.get(name)
        if isinstance(converter, IntConverter):
            return "1"
        if isinstance(converter, StringConverter):
            return str_value if str_value is not None else PLAUSIBLE.get(name, "x")
        raise AssertionError(f"{route}: converter {type(converter).__name__} of {name!r} needs a value here")

    return "/" + _CONVERTER.sub(value, route)


def _converters(pattern: URLPattern) -> dict:
    return dict(getattr(pattern.pattern, "converters", {}))


def _names_read(callback, *, whole_module: bool) -> set[str]:
    view = inspect.unwrap(getattr(callback, "view_class", callback))
    try:
        source = Path(inspect.getsourcefile(view) or "").read_text() if whole_module else inspect.getsource(view)
    except (OSError, TypeError):
        return set()
    return set(_READS.findall(source))


def _cases():
    for urlconf, who in (("kyodo.urls_town", "town"), ("kyodo.urls_public", "console")):
        for route, pattern in _walk(get_resolver(urlconf).url_patterns):
            yield pytest.param(who, route, pattern, id=f"{who}:/{route}")


CASES = list(_cases())


def test_the_enumeration_finds_the_pages():
    """The list cannot silently go empty: the residents pages (wherever they are mounted) and the
    console are in it."""
    routes = {(who, route) for who, route, _ in (c.values for c in CASES)}
    assert any(who == "town" and "persons/<int:pk>/" in route for who, route in routes)
    assert any(who == "town" and route.endswith("audit/") for who, route in routes)
    assert ("console", "console/") in routes


@pytest.fixture
def client_for(clerk_a, town_a, pref_admin):
    from kyodo.identity.models import StaffMembership
    from kyodo.identity.permissions import TOWN_ROLES

    for role in TOWN_ROLES:
        StaffMembership.objects.get_or_create(user=clerk_a, municipality=town_a, role=role)

    def make(who: str) -> Client:
        client = logged_in_client(clerk_a, HOST_A) if who == "town" else logged_in_client(pref_admin, PUBLIC_HOST)
        client.raise_request_exception = False  # a 500 must show as a status, not stop the loop
        return client

    return make


def _bad_request(response, name: str) -> bool:
    return response.status_code == 400 and f"'{name}'" in response.content.decode()


@pytest.mark.parametrize(("who", "route", "pattern"), CASES)
def test_nul_is_refused_with_400(client_for, who, route, pattern):
    path = _fill(route, _converters(pattern))
    client = client_for(who)
    get = client.get(path + "?q=%00&x=%00")
    assert _bad_request(get, "q"), (path, get.status_code)
    post = client.post(path, {"q": "山田\x00", "x": "a\x00b"})
    assert _bad_request(post, "q"), (path, post.status_code)
    key = client.post(path, {"ok": "1", "bad\x00key": "v"})
    assert key.status_code == 400, (path, key.status_code)
    if any(isinstance(c, StringConverter) for c in _converters(pattern).values()):
        in_path = client.get(_fill(route, _converters(pattern), str_value="a%00b"))
        assert in_path.status_code == 400, (path, in_path.status_code)


@pytest.mark.parametrize(("who", "route", "pattern"), CASES)
def test_non_ascii_digits_are_never_a_server_error(client_for, who, route, pattern):
    path = _fill(route, _converters(pattern))
    names = ID_NAMES | _names_read(pattern.callback, whole_module=True)
    failures = []
    for digits in BAD_DIGITS:
        data = {name: digits for name in sorted(names)}
        client = client_for(who)  # fresh per request: a POST may log out or change what the next one sees
        for method in ("get", "post"):
            response = getattr(client, method)(path, data)
            if response.status_code == 500:
                failures.append((method, path, digits, "all"))
    for name in sorted(_names_read(pattern.callback, whole_module=False)):
        for method in ("get", "post"):
            response = getattr(client_for(who), method)(path, {name: "²"})
            if response.status_code == 500:
                failures.append((method, path, "²", name))
    assert not failures


def test_a_nul_in_an_upload_is_refused_or_never_arrives(client_a):
    """A NUL in the form field of a file is refused. In the file's own name Django already removes it
    (``MultiPartParser.sanitize_file_name`` drops non-printable characters), which is checked here too so
    that the middleware's own file-name check is known to be the second line, not the only one."""
    from django.test import RequestFactory

    upload = SimpleUploadedFile("住民.csv", b"a,b\n", content_type="text/csv")
    response = client_a.post("/residents/", {"fi\x00le": upload})
    assert response.status_code == 400 and "'fi\\0le'" in response.content.decode()
    request = RequestFactory().post("/residents/", {"file": SimpleUploadedFile("住民\x00.csv", b"a,b\n")})
    assert request.FILES["file"].name == "住民.csv"
    assert client_a.post("/residents/", {"file": SimpleUploadedFile("住民\x00.csv", b"a")}).status_code != 500


def test_text_that_is_not_utf8_is_refused(client_a):
    response = client_a.get("/residents/?q=%FF%FE")
    assert _bad_request(response, "q") and "UTF-8" in response.content.decode()
    response = client_a.post("/residents/", b"q=%82%A0", content_type="application/x-www-form-urlencoded")
    assert _bad_request(response, "q")


def test_more_than_the_upload_limits_is_a_400(client_a, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    many = "&".join(f"f{i}=1" for i in range(11))
    assert client_a.get(f"/residents/?{many}").status_code == 400
    assert client_a.post("/residents/", {f"f{i}": "1" for i in range(11)}).status_code == 400
    big = client_a.post("/residents/", {"q": "あ" * 1000})
    assert big.status_code == 400 and "上限" in big.content.decode()


def test_ascii_int_accepts_only_ascii_digits():
    from django.core.exceptions import ValidationError

    from kyodo.core.input import ascii_int

    assert ascii_int("0", field="id") == 0 and ascii_int("123456789012345678", field="id") == 123456789012345678
    for bad in ("²", "１２", "٣", "-1", "+1", " 1", "1 ", "1\n", "", "1e3", "1234567890123456789", None, "0x1"):
        with pytest.raises(ValidationError) as error:
            ascii_int(bad, field="person")
        assert "'person'" in error.value.messages[0]
