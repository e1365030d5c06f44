"""Bulk writes for set-based runs (一括処理) of any town application: rows sent with one binary ``COPY`` and the
rows they replace retired in one ``UPDATE``.

At 100,000 rows ``bulk_create`` spends most of its time adapting values one by one in Python; a binary COPY sends
each row as typed fields in one round trip. JSON columns are sent already in jsonb's binary wire form
(:func:`jsonb`) and declared ``bytea`` to the copy, so a value that recurs (an empty list, the same schedule) is
encoded once by the caller, not once per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection


def jsonb(value) -> bytes:
    """``value`` in jsonb's binary wire form: the format version 1, then the JSON text (what PostgreSQL's
    ``jsonb_recv`` reads)."""
    return b"\x01" + json.dumps(value, ensure_ascii=False).encode()


def copy_rows(model, columns: Sequence[str], types: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``model``'s table of the current schema with one
    ``COPY … FROM STDIN (FORMAT BINARY)``. ``types`` are the PostgreSQL type names of the columns as sent
    (``bytea`` for a jsonb column given as :func:`jsonb` bytes)."""
    if len(columns) != len(types):
        raise ValueError("one type per column")
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)


def retire_current(model, *, key: str, ids: Sequence[int], where: dict) -> int:
    """Mark not current (``is_current = false``) the current rows of ``model`` whose ``key`` column is in ``ids``
    and whose columns equal ``where``, in one statement: an array parameter, since an IN list of 100,000 values
    costs more to send and plan than the update itself. Returns the rows changed."""
    if not ids:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    conditions = "".join(f" AND {quote(column)} = %s" for column in where)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET is_current = false WHERE is_current{conditions} "
                       f"AND {quote(key)} = ANY(%s::bigint[])", [*where.values(), list(ids)])
        return cursor.rowcount
