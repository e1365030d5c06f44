"""The migrated catalog keeps what Citus schema-based sharding needs (docs/scaling.md), checked on the test database
with its two towns (town A, town B) and the template schema:

- no foreign key between two schemas at all: none from a town table to another town's schema, none from a town
  table to a public table (tenant tables refer to shared rows by id only), none from public into a town;
- every sequence a town table owns or takes a default from is in that town's own schema;
- every trigger of a town table calls a function of its own schema, and no view or function of a town schema
  depends on another town schema.

Run against the real catalog (pg_constraint, pg_depend, pg_attrdef), so a migration that adds a cross-schema
foreign key or a shared sequence fails here."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_schemas(town_a, town_b):
    from django.conf import settings

    schemas = [town_a.schema_name, town_b.schema_name, settings.KYODO_TEMPLATE_SCHEMA]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas])
        assert sorted(r[0] for r in cursor.fetchall()) == sorted(schemas)  # all three are really there
    return schemas


def _rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _town_tables(schema):
    return _rows("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')", [schema])[0][0]


def test_no_foreign_key_crosses_a_schema(town_schemas):
    crossing = _rows("""
        SELECT n1.nspname, c1.relname, con.conname, n2.nspname, c2.relname
          FROM pg_constraint con
          JOIN pg_class c1 ON c1.oid = con.conrelid JOIN pg_namespace n1 ON n1.oid = c1.relnamespace
          JOIN pg_class c2 ON c2.oid = con.confrelid JOIN pg_namespace n2 ON n2.oid = c2.relnamespace
         WHERE con.contype = 'f' AND n1.oid <> n2.oid
           AND (n1.nspname = ANY(%s) OR n2.nspname = ANY(%s) OR n1.nspname = 'public')""",
                     [town_schemas, town_schemas])
    assert crossing == [], f"foreign keys across schemas: {crossing}"
    # the check is not empty: each town has tables and foreign keys inside its own schema
    inside = dict(_rows("""
        SELECT n.nspname, count(*) FROM pg_constraint con
          JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE con.contype = 'f' AND n.nspname = ANY(%s) GROUP BY 1""", [town_schemas]))
    assert all(inside.get(s, 0) > 0 and _town_tables(s) > 10 for s in town_schemas), inside


@pytest.mark.sql_schemas_allowed("makes a foreign key between two towns to see the check find it")
def test_the_query_above_sees_a_foreign_key_between_two_towns(town_schemas):
    """The same catalog query, on a foreign key made for the test (rolled back with it)."""
    a, b = town_schemas[0], town_schemas[1]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TABLE "{a}"."zz_fk_probe" (person_id bigint REFERENCES "{b}"."residents_person" (id))')
    found = _rows("""
        SELECT c1.relname FROM pg_constraint con
          JOIN pg_class c1 ON c1.oid = con.conrelid JOIN pg_class c2 ON c2.oid = con.confrelid
         WHERE con.contype = 'f' AND c1.relnamespace <> c2.relnamespace AND c1.relnamespace = %s::regnamespace""",
                  [a])
    assert found == [("zz_fk_probe",)]


def test_sequences_of_town_tables_live_in_the_town_schema(town_schemas):
    # sequences owned by a table (identity and serial columns): pg_depend 'a'/'i' from the sequence to the table
    owned = _rows("""
        SELECT tn.nspname, t.relname, sn.nspname, s.relname
          FROM pg_depend d
          JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
          JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
           AND (tn.nspname = ANY(%s) OR sn.nspname = ANY(%s))""", [town_schemas, town_schemas])
    assert [row for row in owned if row[0] != row[2]] == []
    assert {row[0] for row in owned} == set(town_schemas)  # every town has its own sequences
    # column defaults that use a sequence (nextval): the sequence is in the table's own schema
    defaults = _rows("""
        SELECT tn.nspname, t.relname, a.attname, sn.nspname, s.relname
          FROM pg_attrdef ad
          JOIN pg_class t ON t.oid = ad.adrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
          JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
                          AND d.refclassid = 'pg_class'::regclass
          JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
         WHERE tn.nspname = ANY(%s)""", [town_schemas])
    assert [row for row in defaults if row[0] != row[3]] == []
    # no town column default names another schema's object in its text either
    texts = _rows("""
        SELECT tn.nspname, t.relname, pg_get_expr(ad.adbin, ad.adrelid)
          FROM pg_attrdef ad JOIN pg_class t ON t.oid = ad.adrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE tn.nspname = ANY(%s) AND pg_get_expr(ad.adbin, ad.adrelid) ~ '(nextval|public\\.|town_|kyodo_template)'""",
                  [town_schemas])
    assert texts == []


def test_triggers_views_and_functions_of_a_town_stay_in_it(town_schemas):
    triggers = _rows("""
        SELECT tn.nspname, c.relname, t.tgname, fn.nspname, p.proname
          FROM pg_trigger t
          JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace
          JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = p.pronamespace
         WHERE NOT t.tgisinternal AND tn.nspname = ANY(%s)""", [town_schemas])
    assert triggers, "the towns' append-only and history triggers are expected"
    assert [row for row in triggers if row[0] != row[3]] == []
    # views (rewrite rules) and functions of a town that depend on a relation of another schema
    depends = _rows("""
        SELECT on_.nspname, d.classid::regclass::text, rn.nspname, r.relname
          FROM pg_depend d
          JOIN pg_class r ON r.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
          JOIN pg_namespace rn ON rn.oid = r.relnamespace
          JOIN LATERAL (
               SELECT n.nspname FROM pg_rewrite w JOIN pg_class v ON v.oid = w.ev_class
                 JOIN pg_namespace n ON n.oid = v.relnamespace
                WHERE d.classid = 'pg_rewrite'::regclass AND w.oid = d.objid
               UNION ALL
               SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE d.classid = 'pg_proc'::regclass AND p.oid = d.objid) on_ ON true
         WHERE on_.nspname = ANY(%s) AND rn.nspname <> on_.nspname AND rn.nspname <> 'pg_catalog'""",
                   [town_schemas])
    assert depends == []
    # function bodies are not tracked by pg_depend: no town function's source names another town schema
    others = _rows("""
        SELECT n.nspname, p.proname, other.name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          JOIN unnest(%s::text[]) AS other(name) ON other.name <> n.nspname
         WHERE n.nspname = ANY(%s) AND strpos(p.prosrc, other.name) > 0""", [town_schemas, town_schemas])
    assert others == []


def test_identity_columns_are_bigint_and_free_sequences_are_the_towns_own(town_schemas):
    """Citus makes a sequence unique across nodes by putting the node in its high bits, which needs bigint; and a
    sequence a town's trigger function takes values from (residents_protection_seq) must be in that town."""
    narrow = _rows("""
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY(%s) AND a.attidentity <> '' AND a.atttypid <> 'bigint'::regtype""", [town_schemas])
    assert narrow == []
    used = _rows(r"""
        SELECT n.nspname, p.proname, m[1]
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
               regexp_matches(p.prosrc, 'nextval\s*\(\s*''([^'']+)''', 'g') AS m
         WHERE n.nspname = ANY(%s)""", [town_schemas])
    assert {row[0] for row in used} == set(town_schemas), used  # each town's own protection counter
    for schema, function, name in used:
        assert "." not in name, f"{schema}.{function} names the sequence {name} with a schema"
        found = _rows("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = %s AND c.relname = %s AND c.relkind = 'S'", [schema, name])
        assert found == [(1,)], f"{schema}.{function} takes values from {name}, which is not in {schema}"
