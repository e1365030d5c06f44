"""The export's records formatted in SQL (the export's default path).

Every item's text is made by the query that reads the row — codes by ``CASE``, 和暦 by the layout's
年号コード as a ``CASE`` over the eras' first days, 西暦 by ``to_char``, numbers zero-padded, the
address items of a withheld row replaced. In CSV form the query runs as ``COPY … TO STDOUT (FORMAT
csv)``: with every empty cell sent as NULL, PostgreSQL quotes a cell exactly when Python's ``csv``
module does (QUOTE_MINIMAL: a comma, a double quote, CR or LF; quotes doubled), so Python only turns
each record's LF into CRLF and encodes a chunk at a time. In fixed-width form the cells come from a
server-side cursor and Python pads each to its 桁数 in bytes, as :func:`codec.write` does. No per-row
dict, no per-value formatter call.

What SQL cannot decide alone is computed once in Python and passed in: the 生年月日 kept vague
(不詳日, days kept as written) as one text per distinct (day, precision, wording, 外国人住民), formatted
by :func:`codec.format_value`; the persons covered by a 支援措置 and the rows that show a hidden
address (the protection module's own tests). The output is byte for byte the Python path's
(``KYODO_EXPORT=python``; ``tests/standard_spec/test_sql_export.py`` compares them)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import connection

from . import codec
from .layout import FileLayout, Item, Layout

FETCH = 10_000  # rows per round trip of the server-side cursor


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _wareki(layout: Layout, day: str) -> str:
    """``day`` (a date expression) as 年号コード + 年 2 + 月日, the era being the last of the layout's
    eras (in its order) that began on or before the day (``Layout.era_of``); a day before the first stops the query."""
    whens = []
    for era in reversed(layout.eras):
        year = f"(extract(year FROM {day})::int - {era.starts.year - 1})"
        whens.append(f"WHEN {day} >= DATE '{era.starts.isoformat()}' THEN {_quote(era.code)} || "
                     f"CASE WHEN {year} < 10 THEN '0' || {year} ELSE {year}::text END")
    # a day before the first era stops the export (as the codec's ValueError): an invalid date cast
    refuse = f"(('年号に当たらない日付 ' || {day})::date)::text"
    return f"(CASE {' '.join(whens)} ELSE {refuse} END || to_char({day}, 'MMDD'))"


def cell_sql(item: Item, source: str | None, layout: Layout, *, foreign: str) -> str:
    """One item's text (never NULL) from ``source`` (an SQL expression, or None: the record has no such
    value) as :func:`codec._formatter` makes it."""
    if source is None:
        return "''"
    kind = item.type
    if kind == "9":
        text = f"({source})::text"
        return (f"(CASE WHEN coalesce({text}, '') = '' THEN '' "
                f"ELSE lpad({text}, greatest({item.length}, length({text})), '0') END)")
    if kind == "C":
        table = layout.value_to_code(item.code)
        if table:
            cases = " ".join(f"WHEN {_quote(v)} THEN {_quote(k)}" for v, k in table.items())
            return f"coalesce(CASE ({source})::text {cases} ELSE ({source})::text END, '')"
        return f"coalesce(({source})::text, '')"
    if kind == "W":
        return f"coalesce({_wareki(layout, source)}, CASE WHEN {source} IS NULL THEN '' END)"
    if kind == "D":
        return f"coalesce(to_char({source}, 'YYYYMMDD'), '')"
    if kind == "B":
        # vb: the vague 生年月日 formatted in Python (joined by the caller); exact ones here
        return (f"(CASE WHEN {source} IS NULL THEN '' WHEN vb.text IS NOT NULL THEN vb.text "
                f"WHEN {foreign} THEN to_char({source}, 'YYYYMMDD') ELSE {_wareki(layout, source)} END)")
    return f"coalesce(({source})::text, '')"


def records(sql_from: str, params: dict[str, Any], sources: Mapping[str, str], file_layout: FileLayout, layout: Layout, *,
            form: str, encoding: str, label: str, key: str, foreign: str, order: str,
            withheld: str = "false", bom: bool = True) -> Iterator[bytes]:
    """The file's bytes in pieces of about 256 KiB, from ``sql_from`` (FROM … WHERE …, aliases as
    ``sources`` name them). ``sources``: field → SQL expression; ``withheld``: an SQL boolean, the
    row's address items blanked (住所 「（非表示）」); ``key``: the record's number, for a message
    (fixed width; in CSV form it is the record's first cell)."""
    from .residents import ADDRESS_ITEMS

    name = codec.encoding_name(encoding) or "utf-8"
    items = file_layout.items
    cells = []
    for item in items:
        source = sources.get(item.field)
        cell = cell_sql(item, source, layout, foreign=foreign)
        if item.field in ADDRESS_ITEMS and withheld != "false":
            hidden = "'（非表示）'" if item.field == "address" else "''"
            cell = f"(CASE WHEN {withheld} THEN {hidden} ELSE {cell} END)"
        cells.append(cell)
    if any(item.type == "B" for item in items):  # vb: the vague 生年月日, formatted in Python
        sql_from = sql_from.replace(" WHERE ", " LEFT JOIN unnest(%(vb_day)s::date[], %(vb_precision)s::text[], "
                                    "%(vb_note)s::text[], %(vb_foreign)s::boolean[], %(vb_text)s::text[]) "
                                    "AS vb(day, precision, note, foreign_, text) ON vb.day = v.birth_date "
                                    "AND vb.precision = v.birth_date_precision AND vb.note = v.birth_date_note "
                                    f"AND vb.foreign_ = ({foreign}) WHERE ", 1)
    inner = ", ".join(f"{cell} AS c{i}" for i, cell in enumerate(cells))
    if name == "utf-8" and bom:
        yield codecs.BOM_UTF8
    pending: list[bytes] = []
    size = 0
    if form == "fixed":
        number = 0
        with connection.chunked_cursor() as cursor:
            cursor.execute(f"SELECT {key} AS key, {inner} {sql_from} ORDER BY {order}", params)
            while rows := cursor.fetchmany(FETCH):
                data = b"".join(_fixed(row, items, name, label, number + i) for i, row in enumerate(rows, start=1))
                number += len(rows)
                pending.append(data)
                size += len(data)
                if size >= codec.BATCH_BYTES:
                    yield b"".join(pending)
                    pending, size = [], 0
        if pending:
            yield b"".join(pending)
        return
    # CSV: PostgreSQL's COPY quotes a cell exactly when the csv module does (QUOTE_MINIMAL: a comma, a
    # double quote, CR or LF; quotes doubled), once an empty cell is sent as NULL (COPY writes "" for an
    # empty string, nothing for NULL). Each CopyData message is one record ending in LF: CRLF instead.
    cells_out = ", ".join(f"nullif({cell}, '')" for cell in cells)
    before = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY (SELECT {cells_out} {sql_from} ORDER BY {order}) TO STDOUT (FORMAT csv)",
                                params) as copy:
            records_: list[bytes] = []
            length = 0
            for data in copy:
                records_.append(bytes(data[:-1]))
                length += len(data)
                if length >= codec.BATCH_BYTES:
                    yield _encoded_records(records_, items, name, label, before)
                    before += len(records_)
                    records_, length = [], 0
            if records_:
                yield _encoded_records(records_, items, name, label, before)


def _encoded_records(records_: list[bytes], items: tuple[Item, ...], encoding: str, label: str, before: int) -> bytes:
    data = b"\r\n".join(records_) + b"\r\n"
    if encoding == "utf-8":
        return data
    text = data.decode("utf-8")
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:  # find the record and the item, to say which
        for offset, record in enumerate(records_, start=1):
            line = record.decode("utf-8")
            try:
                line.encode(encoding)
            except UnicodeEncodeError:
                cells = next(csv.reader(io.StringIO(line, newline="")))
                who = {"number": cells[0] if cells else ""}
                for item, cell in zip(items, cells, strict=True):
                    codec._encoded(cell, item, encoding, lambda n=before + offset, r=who: codec._who(label, n, r))
        raise


def _fixed(row: tuple, items: tuple[Item, ...], encoding: str, label: str, number: int) -> bytes:
    key, *cells = row
    record = {"number": key}
    parts = []
    for item, cell in zip(items, cells, strict=True):
        data = codec._encoded(cell, item, encoding, lambda n=number, r=record: codec._who(label, n, r))
        if len(data) > item.length:
            who = codec._who(label, number, record)
            raise codec.ValueNotWritable(who, item, f"{who}の{item.name}が{item.length}バイトに収まりません。",
                                         f"Record {number}: {item.name} does not fit in {item.length} bytes.")
        parts.append(data + b" " * (item.length - len(data)))
    return b"".join(parts) + b"\r\n"
