"""The checker of tests/plugins/sql_schemas.py: which statements it flags, and that its psycopg hook sees real SQL —
ORM queries, raw cursors and COPY through psycopg's own cursor — with the search path django-tenants set."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.plugins.sql_schemas import analyse, parse_search_path, recording

A = "town_412066"
B = "town_412074"
IN_A = (A, "public")
PUBLIC = ("public",)


def _kinds(sql, path=IN_A, extra=frozenset()):
    return [p.kind for p in analyse(sql, path, extra)[2]]


@pytest.mark.parametrize("sql, path", [
    (f'SELECT * FROM "{B}"."residents_person" p JOIN residents_household h ON true', IN_A),
    (f'SELECT * FROM "{A}"."residents_person" JOIN {B}.residents_household ON true', PUBLIC),
    (f'INSERT INTO "residents_person" SELECT * FROM "{B}"."residents_person"', IN_A),
    (f'INSERT INTO "residents_person" ("id") SELECT "id" FROM "{B}"."residents_person"', IN_A),
    (f'SELECT 1 FROM "{B}"."residents_person" x, residents_household', IN_A),
    (f'COPY (SELECT * FROM "{B}"."t" JOIN residents_person ON true) TO STDOUT', IN_A),
    (f'UPDATE "{A}"."t" SET v = (SELECT v FROM "{B}"."t")', PUBLIC),
    (f"SELECT nextval('{B}.residents_person_id_seq') FROM residents_person", IN_A),
    (f'SELECT * FROM "kyodo_template"."residents_person", "{A}"."residents_person"', PUBLIC),
    ('SELECT * FROM "scratch"."t" JOIN residents_person ON true', IN_A),                # a schema made in the run
])
def test_two_town_schemas_are_flagged(sql, path):
    assert _kinds(sql, path, {"scratch"}) == ["two-towns"]


@pytest.mark.parametrize("sql, path", [
    ('SELECT "residents_person"."id" FROM "residents_person" WHERE "residents_person"."id" = %s', IN_A),
    ('SELECT * FROM "residents_person" JOIN "public"."tenancy_municipality" ON true', IN_A),   # own town + public
    ('SELECT * FROM "tenancy_municipality"', PUBLIC),
    (f'SELECT * FROM "{B}"."residents_person"', PUBLIC),                                    # public path, one town
    (f'SELECT count(*) FROM "{B}"."residents_person"', IN_A),                              # every name qualified
    (f"SELECT nspname FROM pg_namespace WHERE nspname IN ('{A}', '{B}')", IN_A),             # names as values
    (f'DROP SCHEMA IF EXISTS "{B}" CASCADE', PUBLIC),
    ('COPY "residents_person" ("a", "b") FROM STDIN (FORMAT BINARY)', IN_A),
    ("SELECT 1", (B, "public")),
])
def test_one_town_or_public_is_not_flagged(sql, path):
    assert _kinds(sql, path) == []


def test_advisory_locks_and_a_path_of_two_towns_are_flagged():
    assert _kinds("SELECT pg_advisory_xact_lock(42)") == ["advisory-lock"]
    assert _kinds("SELECT pg_try_advisory_lock(1, 2)", PUBLIC) == ["advisory-lock"]
    assert _kinds("SELECT 1", (A, B, "public")) == ["path-two-towns"]
    assert _kinds("SELECT 'pg_advisory_lock is a function'", PUBLIC) == ["advisory-lock"]  # conservative: text too


def test_search_path_values():
    assert parse_search_path('"town_412066","public"') == ("town_412066", "public")
    assert parse_search_path("town_412066, public") == ("town_412066", "public")
    assert parse_search_path("DEFAULT") == ("$user", "public")


def test_a_set_statement_changes_the_path_and_a_script_after_one_is_still_checked():
    from tests.plugins.sql_schemas import Recorder

    rec, conn = Recorder(), object.__new__(type("Conn", (), {}))
    rec.record(conn, f'SET search_path = "{A}","public"', "execute")
    assert rec.path_of(conn) == IN_A and rec.violations == []
    rec.record(conn, f'SET search_path = public; SELECT 1 FROM "{A}"."t" JOIN "{B}"."t" u ON true', "execute")
    assert [v["kind"] for v in rec.violations] == ["two-towns"]


# --- the hook on real connections --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_hook_sees_orm_raw_and_copy_statements_with_their_search_path(town_a, town_b):
    from tenants.residents.models import Person

    other = connection.ops.quote_name(town_b.schema_name)
    table = connection.ops.quote_name(Person._meta.db_table)
    with recording() as rec, schema_context(town_a.schema_name):
        Person.objects.filter(pk=-1).count()                     # the ORM, in town A: fine
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table} JOIN {other}.{table} b ON true WHERE false")  # Django
            raw = cursor.cursor                                  # psycopg's own cursor, below Django's wrapper
            raw.execute(f"SELECT count(*) FROM {other}.{table} x, {table} WHERE false")
            with raw.copy(f"COPY (SELECT 1 FROM {other}.{table} b JOIN {table} ON false) TO STDOUT") as copy:
                list(copy)
    assert rec.statements["execute"] >= 3 and rec.statements["copy"] == 1
    flagged = [v for v in rec.violations if v["kind"] == "two-towns"]
    assert len(flagged) == 3, flagged
    assert all(v["search_path"][0] == town_a.schema_name for v in flagged)
    assert {town_a.schema_name, town_b.schema_name} == set(flagged[0]["detail"].split(", "))
    assert not [v for v in rec.violations if "count(*) FROM" in v["sql"] and other not in v["sql"]]


@pytest.mark.django_db
def test_the_hook_follows_the_search_path_between_towns(town_a, town_b):
    from tenants.residents.models import Person

    other = connection.ops.quote_name(town_b.schema_name)
    with recording() as rec:
        with schema_context(town_b.schema_name):
            Person.objects.filter(pk=-1).count()
            with connection.cursor() as cursor:  # town B's own schema, named: one town
                cursor.execute(f'SELECT count(*) FROM {other}."residents_person" b JOIN "residents_person" ON false')
        with schema_context("public"):
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM {other}."residents_person" JOIN "tenancy_municipality" ON false')
    assert rec.violations == []
    assert any(other in sql for sql in rec.naming_town)
