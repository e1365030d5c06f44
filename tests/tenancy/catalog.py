"""Describe a schema from the PostgreSQL catalogs, with the schema name factored out, so that two
schemas can be compared for equality of tables, columns, indexes, constraints, sequences and rows."""

from __future__ import annotations

from django.db import connection


def _q(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def describe(schema: str) -> dict[str, object]:
    strip = lambda v: v.replace(f'"{schema}".', "").replace(f"{schema}.", "") if isinstance(v, str) else v  # noqa: E731
    tables = _q("SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", [schema])
    # Columns in their order (a dropped column leaves a gap in ordinal_position in a migrated schema
    # that a schema built from a script does not have: the order is what must agree).
    columns = _q(
        "SELECT table_name, column_name, row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position), "
        "data_type, is_nullable, column_default, character_maximum_length, numeric_precision, is_identity, "
        "identity_generation FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 3", [schema])
    indexes = _q("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2",
                 [schema])
    constraints = _q(
        "SELECT cl.relname, co.conname, co.contype, pg_get_constraintdef(co.oid) FROM pg_constraint co "
        "JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = co.connamespace "
        "WHERE n.nspname = %s ORDER BY 1, 2", [schema])
    sequences = _q(
        "SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences "
        "WHERE sequence_schema = %s ORDER BY 1", [schema])
    owned = _q(
        "SELECT s.relname, t.relname, a.attname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
        "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
        "JOIN pg_namespace n ON n.oid = s.relnamespace WHERE s.relkind = 'S' AND n.nspname = %s ORDER BY 1",
        [schema])
    triggers = _q(
        "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY 1, 2",
        [schema])
    migrations = _q(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name', [])
    rows = {}
    for (table,) in tables:
        if table == "django_migrations":
            continue
        rows[table] = _q(f'SELECT md5(string_agg(t::text, \'|\' ORDER BY t::text)), count(*) FROM "{schema}"."{table}" t', [])
    return {
        "tables": tables,
        "columns": [tuple(strip(v) for v in row) for row in columns],
        "indexes": [tuple(strip(v) for v in row) for row in indexes],
        "constraints": [tuple(strip(v) for v in row) for row in constraints],
        "sequences": sequences,
        "sequence_owners": owned,
        "triggers": [tuple(strip(v) for v in row) for row in triggers],
        "migrations": migrations,
        "rows": rows,
    }
