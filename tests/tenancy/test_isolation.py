"""The reusable two-town isolation fixture, and what the foundation guarantees with it:
town A's staff and code paths cannot read or write town B's rows by any route."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from kyodo.audit.models import PlatformAuditEntry
from tenants.reference.models import ReferenceCode

from ..conftest import TOWN_A, TOWN_B, logged_in_client

pytestmark = pytest.mark.django_db

HOST_A, HOST_B = TOWN_A["hosts"][0], TOWN_B["hosts"][0]


def test_town_staff_sees_own_portal_with_only_enabled_apps(client_a, sample_app):
    response = client_a.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "武雄市" in body
    assert 'data-app="residents"' in body
    assert 'data-app="sample"' not in body  # declared, but not enabled for town A
    assert "窓口担当" in body  # the user's role in this town


def test_town_a_staff_is_refused_at_town_b_and_it_is_audited(clerk_a):
    client = logged_in_client(clerk_a, HOST_B)
    response = client.get("/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "鹿島市" not in body and "kashima" not in body  # nothing of B on the page
    entry = PlatformAuditEntry.objects.filter(action="town.access_refused").latest("seq")
    assert entry.actor_username == "clerk-a"
    assert entry.municipality_code == TOWN_B["code"]
    assert entry.outcome == "refused"


def test_a_suspended_town_looks_the_same_to_its_staff_and_to_a_stranger(clerk_a, clerk_b, town_b, pref_admin):
    from kyodo.tenancy.services import municipality_suspend

    municipality_suspend(actor=pref_admin, town=town_b, reason="点検")
    stranger = logged_in_client(clerk_a, HOST_B).get("/")
    own_staff = logged_in_client(clerk_b, HOST_B).get("/")
    assert stranger.status_code == own_staff.status_code == 403
    main = lambda r: r.content.decode().split("<main>")[1].split("</main>")[0]  # noqa: E731
    assert main(stranger) == main(own_staff)  # only the signed-in user's own name differs
    assert "この団体は現在利用停止中です" in main(own_staff) and "鹿島" not in main(own_staff)


def test_anonymous_is_sent_to_login_and_unknown_host_is_a_plain_404(db):
    assert Client(HTTP_HOST=HOST_A).get("/").status_code == 302
    response = Client(HTTP_HOST="nowhere.test").get("/")
    assert response.status_code == 404
    assert b"town_" not in response.content and b"schema" not in response.content.lower()


def test_town_staff_cannot_reach_the_consortium_console(clerk_a):
    response = logged_in_client(clerk_a, "localhost").get("/console/")
    assert response.status_code == 403


def test_orm_in_town_a_never_sees_town_b_rows(town_a, town_b, in_town):
    with in_town(town_b):
        ReferenceCode.objects.create(code_type="relationship", code="B99", label="鹿島市だけの続柄")
    with in_town(town_a):
        assert not ReferenceCode.objects.filter(code="B99").exists()
        ReferenceCode.objects.filter(code_type="relationship").update(label_kana="変更")
    with in_town(town_b):
        assert ReferenceCode.objects.get(code="B99").label == "鹿島市だけの続柄"
        assert not ReferenceCode.objects.filter(label_kana="変更").exists()


def test_schema_search_path_of_town_a_excludes_town_b(town_a, town_b):
    with schema_context(town_a.schema_name):
        with connection.cursor() as cursor:
            cursor.execute("SHOW search_path")
            path = cursor.fetchone()[0]
    assert town_a.schema_name in path and town_b.schema_name not in path


def test_cache_keys_carry_the_town(town_a, town_b, in_town):
    with in_town(town_a):
        cache.set("summary", "A's figures")
    with in_town(town_b):
        assert cache.get("summary") is None
        cache.set("summary", "B's figures")
    with in_town(town_a):
        assert cache.get("summary") == "A's figures"
