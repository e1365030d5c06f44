"""The files' values typed and checked in SQL, set-based (the import's default path).

Python only decodes and splits the files (the codec's encoding check, ``csv`` module or byte slicing)
and ``COPY``s the raw text of every item into a staging table (``raw_<kind>``: line, one text column
per item). Each item is then typed in one ``CREATE TABLE … AS SELECT`` per file:

- a value on the *fast path* is typed by SQL: digits by regex and ``lpad``, text by ``rtrim``, length
  and a character class of the characters Shift_JIS (cp932) can hold, カナ by regex, the layout's code
  tables by ``CASE``, 和暦 and 西暦 dates (and 不詳日 / days kept as written of a 生年月日) by a join
  with a calendar built in SQL from the layout's 年号コード, 郵便番号 by regex;
- anything else (a blank required item, full-width digits, ひらがな or 半角カナ to fold, a bad value)
  is *pending*: those few cells go through the codec's own ``convert`` in Python, once per distinct
  text, so the value or the refusal (rule, Japanese and English message) is exactly the codec's;
- the row checks (check digits mod 11 weights 2–7, 住民票コード except on a 除票, 本籍・筆頭者 for 日本人)
  and the history rows (the last one is the persons file's current record) are SQL too;
- the search keys (Python functions) are computed once per distinct name and joined back.

The staging tables the cross-row checks and the load use (``stage_household`` … ``stage_version``)
are then the same as the Python path's, so :func:`residents._checks`, ``_mark_bad`` and ``_load`` are
shared."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from typing import Any

from django.db import connection

from . import codec
from .layout import FileLayout, Item, Layout

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_CONTROL_SQL = "[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"


# The run's scratch tables (raw_*, typed_*, stage_*) are UNLOGGED tables of the town's own schema, created and
# dropped inside the run's transaction, never committed: no other session sees them, a refused or killed run
# leaves nothing behind, and a second import into the same town waits for the first. Not TEMP tables: PostgreSQL's
# parallel workers cannot read temporary tables, so the typing of 100,000 rows ran on one core (typed_persons
# 1.57 s as TEMP, 0.87 s with two workers). A staging table added to the import belongs in this list:
# tests/standard_spec/test_sql_typing.py fails when a loaded run leaves any raw_/typed_/stage_ table behind.
SCRATCH_TABLES = ("stage_era", "stage_era_years", "stage_calendar", "stage_fix", "stage_household", "stage_person",
                  "stage_history", "stage_measure", "stage_version0", "stage_history_ranked", "stage_keys",
                  "stage_foreign_keys", "stage_version", "stage_change")


def drop_scratch(kinds: Iterable[str]) -> None:
    """Drop the run's scratch tables (those of the file ``kinds`` and the shared ones) before its transaction
    commits."""
    names = [*SCRATCH_TABLES, *(f"{prefix}_{kind}" for kind in kinds for prefix in ("raw", "typed"))]
    for name in names:
        if not _IDENT.match(name):
            raise ValueError(f"table {name!r}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(names)}")


class UsePythonPath(Exception):
    """The files need the Python path (too many issues in a file, a NUL character, a kind given twice)."""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(_quote(v) for v in values) or "NULL"


# --- decode, split, COPY the raw text -------------------------------------------------------------------

def stage_raw(kind: str, raw: bytes, file_layout: FileLayout, layout: Layout, *, file: str, form: str,
              encoding: str | None) -> tuple[list[codec.Issue], list[tuple[int, int, codec.Issue]], str, bool]:
    """Decode and split one file and COPY its cells into ``raw_<kind>``. Returns the encoding issues,
    the record issues (line, order, issue), the encoding used and whether the file holds a control
    character anywhere (usually not: then the per-item check is left out)."""
    if form not in codec.FORMS:
        raise ValueError(f"形式 {form} には対応していません（csv または fixed）。")
    used, bom = codec.detect(raw, encoding, layout.encoding)
    if bom:
        raw = raw[len(codecs.BOM_UTF8):]
    if b"\x00" in raw:
        raise UsePythonPath("NUL")
    lines = codec._lines(raw)
    issues: list[codec.Issue] = []
    bad_lines: set[int] = set()
    try:  # valid as a whole: every line is (0x0A and 0x0D are never inside a character in UTF-8 or cp932)
        text: str | None = raw.decode(used)
    except UnicodeDecodeError:
        text = None
        for number, line in enumerate(lines, start=1):
            broken = codec._undecodable(line, used)
            if broken is not None:
                offset, bytes_ = broken
                bad_lines.add(number)
                issues.append(codec.Issue(file, number, "", bytes_.hex(" "), "encoding",
                                          f"{used} として読めないバイト列 {bytes_.hex(' ')}（{offset + 1}バイト目）があります。",
                                          f"Bytes {bytes_.hex(' ')} at byte {offset + 1} are not valid {used}."))
    # COPY's text form: a backslash, a tab or a carriage return anywhere means escaping every cell
    control = text is None or codec._CONTROL.search(text) is not None
    escape_all = text is None or "\\" in text or "\t" in text or text.count("\r") != text.count("\r\n")
    record_issues: list[codec.Issue] = []
    if form == "csv" and text is not None and not escape_all and '"' not in text:
        records: Iterable[tuple[int, Any]] = _plain_csv_records(text, file_layout, record_issues, file)
    elif form == "fixed":
        records = codec._fixed_records(lines, file_layout, used, bad_lines, record_issues, file)
    else:
        records = codec._csv_records(lines, file_layout, used, bad_lines, record_issues, file)
    n = len(file_layout.items)
    columns = ", ".join(f"c{i}" for i in range(n))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS raw_{kind}")
        cursor.execute(f"CREATE UNLOGGED TABLE raw_{kind} (line int, {', '.join(f'c{i} text' for i in range(n))})")
    placed: list[tuple[int, int, codec.Issue]] = []
    seen = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY raw_{kind} (line, {columns}) FROM STDIN") as copy:
            pending: list[str] = []
            size = 0
            for line_no, cells in records:
                while seen < len(record_issues):  # issues the reader found before this record
                    placed.append((record_issues[seen].line, -1, record_issues[seen]))
                    seen += 1
                if cells.__class__ is str:  # a plain CSV line, already in COPY's form
                    pending.append(f"{line_no}\t{cells}\n")
                    size += len(cells)
                    if size > 1 << 20:
                        copy.write("".join(pending))
                        pending, size = [], 0
                    continue
                row = "\t".join(_escape(c) for c in cells) if escape_all else "\t".join(cells)
                if not escape_all and "\n" in row:  # a quoted CSV item spanning lines
                    row = "\t".join(_escape(c) for c in cells)
                pending.append(f"{line_no}\t{row}\n")
                size += len(row)
                if size > 1 << 20:
                    copy.write("".join(pending))
                    pending, size = [], 0
            if pending:
                copy.write("".join(pending))
    placed.extend((i.line, -1, i) for i in record_issues[seen:])
    return issues, placed, used, control


def _plain_csv_records(text: str, file_layout: FileLayout, issues: list[codec.Issue], file: str
                       ) -> Iterable[tuple[int, str]]:
    """The records of a CSV file without a single quote character (the usual export), as the ``csv``
    module would read them, each line already in COPY's text form (commas as tabs): no cell is
    quoted, so a record is one line and its items are what lies between the commas. The same lines
    are skipped (blank, a header of the items' names) and the same column count issue given."""
    lines = text.split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    while lines and not lines[-1].strip(" \t\n\r\x0b\x0c"):
        lines.pop()
    expected = len(file_layout.items)
    names = [i.name for i in file_layout.items]
    for line_no, line in enumerate(lines, start=1):
        if not line:
            continue
        count = line.count(",") + 1
        if count == 1 and not line.strip():
            continue
        if line_no == 1 and line.split(",") == names:
            continue
        if count != expected:
            issues.append(codec.Issue(file, line_no, "", "", "columns", f"項目数が {count} です（{expected} のはず）。",
                                      f"{count} items instead of {expected}."))
            continue
        yield line_no, line.replace(",", "\t")


def _escape(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# --- the calendar ---------------------------------------------------------------------------------------

CALENDAR = """
DROP TABLE IF EXISTS stage_era, stage_calendar, stage_era_years;
CREATE UNLOGGED TABLE stage_era (code text, name text, starts date, next_start date);
CREATE UNLOGGED TABLE stage_calendar (western boolean, text text, day date, precision text, note text,
    vague_only boolean);
"""

CALENDAR_FILL = """
CREATE UNLOGGED TABLE stage_era_years AS
SELECT e.code, e.name, e.starts, e.next_start, yy, extract(year FROM e.starts)::int + yy - 1 AS year,
       CASE WHEN yy = 1 THEN '元' ELSE yy::text END AS yytext
FROM stage_era e, generate_series(1, 99) yy;
-- a day is in the era from its first day to the day before the next era's (即日改元: 大正・昭和 began on
-- the last day of the era before, which is right in both)
INSERT INTO stage_calendar
SELECT false, code || to_char(yy, 'FM00') || to_char(d, 'MMDD'), d::date, 'exact', '', false
FROM (SELECT e.code, (extract(year FROM g) - extract(year FROM e.starts))::int + 1 AS yy, g::date AS d
      FROM stage_era e, generate_series(e.starts, least(coalesce(CASE WHEN extract(year FROM e.next_start) IN (1912, 1926)
          THEN e.next_start ELSE e.next_start - 1 END, 'infinity'::date),
          make_date(extract(year FROM e.starts)::int + 98, 12, 31)), interval '1 day') g) x;
INSERT INTO stage_calendar
SELECT false, code || to_char(yy, 'FM00') || '0000', earliest, 'month_day_unknown', name || yytext || '年月日不詳', true
FROM (SELECT y.*, greatest(make_date(year, 1, 1), starts) AS earliest FROM stage_era_years y) x
WHERE next_start IS NULL OR earliest < next_start OR (earliest = next_start AND extract(year FROM next_start) IN (1912, 1926));
INSERT INTO stage_calendar
SELECT false, code || to_char(yy, 'FM00') || to_char(m, 'FM00') || '00', earliest, 'day_unknown',
       name || yytext || '年' || m || '月日不詳', true
FROM (SELECT y.*, m, greatest(make_date(year, m, 1), starts) AS earliest FROM stage_era_years y, generate_series(1, 12) m) x
WHERE next_start IS NULL OR earliest < next_start OR (earliest = next_start AND extract(year FROM next_start) IN (1912, 1926));
INSERT INTO stage_calendar
SELECT false, code || to_char(yy, 'FM00') || to_char(m, 'FM00') || to_char(dd, 'FM00'), last, 'as_written',
       name || yytext || '年' || m || '月' || dd || '日', true
FROM (SELECT y.*, m, (make_date(year, m, 1) + interval '1 month' - interval '1 day')::date AS last
      FROM stage_era_years y, generate_series(1, 12) m) x, generate_series(29, 31) dd
WHERE dd > extract(day FROM last) AND last >= starts AND (next_start IS NULL OR last < next_start
      OR (last = next_start AND extract(year FROM next_start) IN (1912, 1926)));
INSERT INTO stage_calendar
SELECT true, to_char(g, 'YYYYMMDD'), g::date, 'exact', '', false
FROM generate_series('1868-01-01'::date, '2200-12-31'::date, interval '1 day') g;
CREATE INDEX ON stage_calendar (text);
ANALYZE stage_calendar;
"""


def stage_calendar(layout: Layout) -> None:
    eras = sorted(layout.eras, key=lambda e: e.starts)
    with connection.cursor() as cursor:
        cursor.execute(CALENDAR)
        for era in eras:
            later = [e.starts for e in eras if e.starts > era.starts]
            cursor.execute("INSERT INTO stage_era VALUES (%s, %s, %s, %s)",
                           [era.code, era.name, era.starts, min(later) if later else None])
        cursor.execute(CALENDAR_FILL)


# --- typing ---------------------------------------------------------------------------------------------

def _item_sql(item: Item, index: int, layout: Layout, foreign_sql: str, *, control: bool,
              refused: list[str]) -> tuple[str, str | None, list[tuple[str, str]], str]:
    """One item in SQL: (the fast-path predicate, the blank predicate of an optional item or None,
    [(typed column, expression)], a join). A cell neither on the fast path nor blank and optional is
    pending: the codec types it. ``control``: the file holds a control character somewhere;
    ``refused``: cells the charset check (made once per distinct text) refuses."""
    c = f"r.c{index}"
    blank = f"btrim({c}, ' 　') = ''"
    f = item.field
    kind = item.type
    join = ""
    if kind == "9":
        fast = f"(translate({c}, '0123456789', '') = '' AND {c} <> '' AND length({c}) <= {item.length})"
        cols = [(f, f"lpad({c}, {item.length}, '0')")]
    elif kind in ("X", "K"):
        value = f"nullif(rtrim({c}, ' 　'), '')"
        blank = f"({value} IS NULL)"
        fast = f"(char_length({value}) <= {item.length}"
        if kind == "K":
            fast += f" AND {value} ~ '^[ァ-ヺー　 ・]*$'"
        elif control:
            fast += f" AND {value} !~ '{_CONTROL_SQL}'"
        if refused:
            fast += f" AND {c} NOT IN ({_in_list(refused)})"
        fast += ")"
        cols = [(f, value)]
    elif kind == "C":
        table = layout.code_to_value(item.code)
        if table:
            fast = f"({c} IN ({_in_list(table)}))"
            cases = " ".join(f"WHEN {_quote(k)} THEN {_quote(v)}" for k, v in table.items())
            cols = [(f, f"CASE {c} {cases} END")]
        else:
            fast = f"({c} ~ '^[!-~]{{1,{item.length}}}$')"
            cols = [(f, c)]
    elif kind in ("W", "D", "B"):
        alias = f"d{index}"
        western = "true" if kind == "D" else foreign_sql if kind == "B" else "false"
        vague = "" if kind == "B" else f" AND NOT {alias}.vague_only"
        join = f" LEFT JOIN stage_calendar {alias} ON {alias}.text = {c} AND {alias}.western = ({western}){vague}"
        fast = f"({alias}.day IS NOT NULL)"
        cols = [(f, f"{alias}.day")]
        if kind == "B":
            cols += [(f"{f}_precision", f"{alias}.precision"), (f"{f}_note", f"{alias}.note")]
    elif kind == "P":
        value = f"rtrim({c}, ' ')"
        fast = f"({value} ~ '^[0-9]{{3}}-?[0-9]{{4}}$')"
        cols = [(f, f"left({value}, 3) || '-' || right({value}, 4)")]
    else:
        fast, cols = "false", [(f, "NULL::text")]
    return f"coalesce({fast}, false)", (blank if item.required != "Y" else None), cols, join


def _column_type(item: Item) -> str:
    return "date" if item.type in ("W", "D", "B") else "text"


def type_file(kind: str, file_layout: FileLayout, layout: Layout, *, file: str, encoding: str, control: bool = True
              ) -> tuple[list[tuple[int, int, codec.Issue]], int]:
    """``typed_<kind>`` from ``raw_<kind>``: every item typed, pending cells through the codec.
    Returns the typing issues (line, item order, issue) and the number of rows typed without one."""
    items = file_layout.items
    for item in items:
        if not _IDENT.match(item.field):
            raise ValueError(f"field {item.field!r}")
    kind_index = next((i for i, it in enumerate(items) if it.field == "resident_kind"), None)
    kinds = layout.code_to_value("resident_kind")
    with connection.cursor() as cursor:
        foreign_sql = "false"
        if kind_index is not None:
            # 外国人住民 by the row's 住民種別 as the codec reads it (width-folded, trimmed)
            cursor.execute(f"SELECT DISTINCT c{kind_index} FROM raw_{kind} WHERE c{kind_index} NOT IN "
                           f"({_in_list(kinds)})")
            odd = {text: kinds.get(codec._fold(text).strip()) == "foreign" for (text,) in cursor.fetchall()}
            exact = [k for k, v in kinds.items() if v == "foreign"] + [t for t, f in odd.items() if f]
            foreign_sql = f"(r.c{kind_index} IN ({_in_list(exact)}))"
        inner = ["r.line", f"{foreign_sql} AS is_foreign"]
        outer = ["line", "is_foreign"]
        joins = []
        for index, item in enumerate(items):
            refused = _charset_refused(cursor, kind, index) if item.type == "X" and not item.gaiji else []
            fast, blank, cols, join = _item_sql(item, index, layout, foreign_sql, control=control, refused=refused)
            for number, (name, expr) in enumerate(cols):
                sql_type = "text" if name.endswith(("_precision", "_note")) else _column_type(item)
                inner.append(f"({expr})::{sql_type} AS v{index}_{number}")
                outer.append(f"CASE WHEN fast{index} THEN v{index}_{number} END AS {name}")
            inner.append(f"{fast} AS fast{index}")
            if blank is not None:
                inner.append(f"{blank} AS blank{index}")
                outer.append(f"(fast{index} OR blank{index}) AS ok{index}")
            else:
                outer.append(f"fast{index} AS ok{index}")
            joins.append(join)
        cursor.execute(f"DROP TABLE IF EXISTS typed_{kind}")
        select = (f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM raw_{kind} r{''.join(joins)} "
                  "OFFSET 0) x")
        cursor.execute(f"CREATE UNLOGGED TABLE typed_{kind} AS {select}")
        cursor.execute(f"SELECT {', '.join(f'bool_or(NOT ok{i})' for i in range(len(items)))} FROM typed_{kind}")
        flags = cursor.fetchone() or ()
        issues: list[tuple[int, int, codec.Issue]] = []
        bad: set[int] = set()
        for index, pending in enumerate(flags):
            if not pending:
                continue
            item = items[index]
            cursor.execute(f"SELECT t.line, r.c{index}, t.is_foreign FROM typed_{kind} t JOIN raw_{kind} r "
                           f"ON r.line = t.line WHERE NOT t.ok{index}")
            memo: dict[tuple[str, bool], Any] = {}
            fixes: list[tuple] = []
            for line, cell, foreign in cursor.fetchall():
                key = (cell, bool(foreign and item.type == "B"))
                found = memo.get(key, memo)
                if found is memo:
                    try:
                        found = codec.convert(item, cell, layout, encoding, foreign=key[1])
                    except codec.ValueRefused as refused:
                        found = refused
                    memo[key] = found
                if isinstance(found, codec.ValueRefused):
                    issues.append((line, index, codec.Issue(file, line, item.name, cell[:100], found.rule,
                                                            found.message_ja, found.message_en)))
                    bad.add(line)
                elif isinstance(found, codec.VagueDate):
                    fixes.append((line, found.earliest, found.precision, found.text))
                else:
                    fixes.append((line, found, None, None))
            if fixes:
                _apply(cursor, kind, item, fixes)
        if bad:
            cursor.execute(f"DELETE FROM typed_{kind} WHERE line = ANY(%s)", [sorted(bad)])
        cursor.execute(f"SELECT count(*) FROM typed_{kind}")
        count = cursor.fetchone()[0]
    return issues, count


def _charset_refused(cursor, kind: str, index: int) -> list[str]:
    """The distinct cells of an item without 外字 that hold a character cp932 cannot encode (the codec's
    ``charset`` rule), found once per distinct non-ASCII text."""
    cursor.execute(f"SELECT DISTINCT c{index} FROM raw_{kind} WHERE octet_length(c{index}) <> char_length(c{index})")
    refused = []
    for (text,) in cursor.fetchall():
        try:
            text.encode("cp932")
        except UnicodeEncodeError:
            refused.append(text)
    return refused


def _apply(cursor, kind: str, item: Item, fixes: list[tuple]) -> None:
    """The pending cells' values, as the codec typed them, written into ``typed_<kind>``."""
    cursor.execute("DROP TABLE IF EXISTS stage_fix")
    cursor.execute("CREATE UNLOGGED TABLE stage_fix (line int, value text, precision text, note text)")
    with cursor.cursor.copy("COPY stage_fix (line, value, precision, note) FROM STDIN") as copy:
        for line, value, precision, note in fixes:
            copy.write_row((line, None if value is None else str(value), precision, note))
    f = item.field
    sets = [f"{f} = x.value::{_column_type(item)}"]
    if item.type == "B":
        sets += [f"{f}_precision = x.precision", f"{f}_note = x.note"]
    cursor.execute(f"UPDATE typed_{kind} t SET {', '.join(sets)} FROM stage_fix x WHERE x.line = t.line")


# --- the row checks the codec cannot make alone ------------------------------------------------------------

def _check_digit_ok_sql(column: str, length: int) -> str:
    """The check digit of a number zero-padded to ``length``: mod 11, weights 2–7 repeating from the
    right of the body, remainder 0 or 1 → 0 (``tenants.residents.numbers.mod11_weights_2_7``), unrolled
    for the item's 桁数 (one expression per row, no function call)."""
    if length < 2:
        return "false"
    terms = " + ".join(f"(ascii(substr({column}, {length - 1 - k}, 1)) - 48) * {2 + k % 6}" for k in range(length - 1))
    total = f"(({terms}) % 11)"
    return (f"(length({column}) = {length} AND CASE WHEN {total} <= 1 THEN 0 ELSE 11 - {total} END "
            f"= ascii(right({column}, 1)) - 48)")


def row_checks(names: dict[str, str], present: set[str], layout: Layout) -> list[codec.Issue]:
    """Check digits of 世帯番号・宛名番号, 住民票コード except on a 除票, 本籍・筆頭者 for 日本人 — in the
    order the Python path reports them."""
    issues: list[codec.Issue] = []
    with connection.cursor() as cursor:
        for kind, column, label in (("households", "number", "世帯番号"), ("persons", "atena_number", "宛名番号")):
            if kind not in present:
                continue
            length = layout.file(kind).item(column).length
            cursor.execute(f"SELECT line, {column} FROM typed_{kind} WHERE {column} IS NOT NULL AND {column} <> '' "
                           f"AND NOT {_check_digit_ok_sql(column, length)} ORDER BY line")
            issues += [codec.Issue(names[kind], line, label, value[:100], "check_digit",
                                   f"{label}の検査数字が正しくありません。", f"The check digit of the {label} is wrong.")
                       for line, value in cursor.fetchall()]
        if "persons" in present:
            cursor.execute("SELECT line FROM typed_persons WHERE status IN ('resident', 'moving_out') "
                           "AND coalesce(resident_code, '') = '' ORDER BY line")
            issues += [codec.Issue(names["persons"], line, "住民票コード", "", "required",
                                   "住民票コードは除票以外では必須です。", "A 住民票コード is required except on a 除票.")
                       for (line,) in cursor.fetchall()]
        for kind in ("persons", "history"):
            if kind not in present:
                continue
            cursor.execute(f"SELECT line, coalesce(honseki, '') = '', coalesce(hittousha, '') = '' FROM typed_{kind} "
                           "WHERE resident_kind IS DISTINCT FROM 'foreign' AND (coalesce(honseki, '') = '' "
                           "OR coalesce(hittousha, '') = '') ORDER BY line")
            for line, *missing in cursor.fetchall():
                for absent, label in zip(missing, ("本籍", "筆頭者"), strict=True):
                    if absent:
                        issues.append(codec.Issue(names[kind], line, label, "", "required",
                                                  f"日本人の{label}は必須です（「なし」「不明」も可）。",
                                                  f"The {label} of a Japanese resident is required."))
    return issues


# --- the staging tables the checks and the load use ---------------------------------------------------------

def stage_from_typed(present: set[str], version_columns: Iterable[str]) -> None:
    """The staging tables from the typed ones, each household and person with its id already drawn
    from the registry table's sequence (an UPDATE after the staging indexes would rewrite every row:
    1.4 s at 100,000 persons). A refused run leaves a gap in the sequences, as any rolled-back insert."""
    from .residents import STAGING

    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        cursor.execute("DROP TABLE IF EXISTS stage_version0, stage_history_ranked, stage_keys, "
                       "stage_foreign_keys")
        if "households" in present:
            cursor.execute("INSERT INTO stage_household (line, number, head_atena, address, katagaki, postal_code, district, "
                           "household_id) SELECT line, number, head_atena, address, coalesce(katagaki, ''), "
                           "coalesce(postal_code, ''), coalesce(district, ''), "
                           "nextval(pg_get_serial_sequence('residents_household', 'id')) FROM typed_households")
        if "persons" in present:
            cursor.execute("INSERT INTO stage_person (line, atena, household, resident_code, status, relationship, sex, "
                           "nationality, person_id) SELECT line, atena_number, household_number, resident_code, status, "
                           "relationship, sex, nationality, nextval(pg_get_serial_sequence('residents_person', 'id')) "
                           "FROM typed_persons")
        if "history" in present:
            cursor.execute("INSERT INTO stage_history (line, atena, history_no, reason_code, valid_from, household) "
                           "SELECT line, atena_number, history_no::int, reason_code, valid_from, household_number "
                           "FROM typed_history")
        if "measures" in present:
            cursor.execute("INSERT INTO stage_measure (line, atena, kind, starts_on, ends_on) "
                           "SELECT line, atena_number, kind, starts_on, ends_on FROM typed_measures")
    _stage_versions(present, tuple(version_columns))


KEY_COLUMNS = ("kana_full", "kana_given", "name_full", "name_given", "alpha_full", "alias_full", "alias_kana_full")
NAME_INPUTS = ("family_name", "given_name", "family_name_kana", "given_name_kana")
FOREIGN_INPUTS = ("alphabet_name", "alias_name", "alias_name_kana")


def _stage_versions(present: set[str], version_columns: tuple[str, ...]) -> None:
    """Every history row of every person, as :func:`residents.build_versions` builds them: each
    history row as the history file states it except the person's last, which is the persons file's
    record with that row's 履歴番号, 異動事由 and dates; a person without history gets one row."""
    from .residents import _sql_type

    data = [c for c in version_columns if c not in KEY_COLUMNS and c not in (
        "history_no", "valid_from", "is_current", "birth_date_precision", "birth_date_note")]

    def value(alias: str, column: str) -> str:
        if column == "stay_expires_on" or _sql_type(column) == "date":
            return f"{alias}.{column}"
        return f"coalesce({alias}.{column}, '')"

    person_data = ", ".join(value("p", c) for c in data)
    history_data = ", ".join(value("h", c) for c in data)
    base = ("line int, atena text, household text, reason_code text, change_notified_on date, history_no int, "
            "valid_from date, is_current boolean, birth_date_precision text, birth_date_note text, "
            + ", ".join(f"{c} {_sql_type(c)}" for c in data))
    names = "line, atena, household, reason_code, change_notified_on, history_no, valid_from, is_current, " \
            "birth_date_precision, birth_date_note, " + ", ".join(data)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE stage_version0 ({base})")
        has_history = "history" in present
        if has_history:
            # which row is each person's last: ranked on the narrow columns, the rest joined by line
            cursor.execute("CREATE UNLOGGED TABLE stage_history_ranked AS SELECT h.*, x.from_last FROM "
                           "(SELECT line, row_number() OVER (PARTITION BY atena_number ORDER BY history_no::int DESC, "
                           "line DESC) AS from_last FROM typed_history WHERE atena_number IN "
                           "(SELECT atena_number FROM typed_persons)) x JOIN typed_history h ON h.line = x.line")
            # the older rows, as the history file states them (once per person row of that 宛名番号)
            cursor.execute(
                f"INSERT INTO stage_version0 ({names}) SELECT h.line, p.atena_number, h.household_number, h.reason_code, "
                f"h.change_notified_on, h.history_no::int, h.valid_from, false, coalesce(h.birth_date_precision, 'exact'), "
                f"coalesce(h.birth_date_note, ''), {history_data} FROM typed_persons p JOIN stage_history_ranked h "
                "ON h.atena_number = p.atena_number WHERE h.from_last > 1")
            # the last: the persons file's record with the last history row's number, 異動事由 and dates
            cursor.execute(
                f"INSERT INTO stage_version0 ({names}) SELECT h.line, p.atena_number, p.household_number, h.reason_code, "
                f"h.change_notified_on, h.history_no::int, h.valid_from, true, coalesce(p.birth_date_precision, 'exact'), "
                f"coalesce(p.birth_date_note, ''), {person_data} FROM typed_persons p JOIN stage_history_ranked h "
                "ON h.atena_number = p.atena_number WHERE h.from_last = 1")
        without = ("WHERE NOT EXISTS (SELECT 1 FROM stage_history_ranked h WHERE h.atena_number = p.atena_number)"
                   if has_history else "")
        cursor.execute(
            f"INSERT INTO stage_version0 ({names}) SELECT p.line, p.atena_number, p.household_number, '', p.notified_on, 1, "
            f"p.address_set_on, true, coalesce(p.birth_date_precision, 'exact'), coalesce(p.birth_date_note, ''), "
            f"{person_data} FROM typed_persons p {without}")
        keys = _search_keys(cursor)
        cursor.execute("CREATE UNLOGGED TABLE stage_keys (" + ", ".join(f"{c} text" for c in (*NAME_INPUTS, *KEY_COLUMNS[:4]))
                       + ")")
        cursor.execute("CREATE UNLOGGED TABLE stage_foreign_keys (" + ", ".join(
            f"{c} text" for c in (*FOREIGN_INPUTS, *KEY_COLUMNS[4:])) + ")")
        with cursor.cursor.copy(f"COPY stage_keys ({', '.join((*NAME_INPUTS, *KEY_COLUMNS[:4]))}) FROM STDIN") as copy:
            for row in keys[0]:
                copy.write_row(row)
        with cursor.cursor.copy(f"COPY stage_foreign_keys ({', '.join((*FOREIGN_INPUTS, *KEY_COLUMNS[4:]))}) "
                                "FROM STDIN") as copy:
            for row in keys[1]:
                copy.write_row(row)
        cursor.execute("ANALYZE stage_keys, stage_foreign_keys")
        cursor.execute("SET LOCAL enable_nestloop = off")  # stage_version0 has no statistics: hash joins
        selected = ", ".join(f"k.{c}" if c in KEY_COLUMNS[:4] else f"f.{c}" if c in KEY_COLUMNS else f"v.{c}"
                             for c in version_columns)
        cursor.execute(
            "CREATE UNLOGGED TABLE stage_version AS SELECT v.line, v.atena, v.household, v.reason_code, "
            f"v.change_notified_on, {selected}, NULL::bigint AS change_id FROM stage_version0 v "
            "JOIN stage_keys k ON " + " AND ".join(f"k.{c} = v.{c}" for c in NAME_INPUTS)
            + " JOIN stage_foreign_keys f ON " + " AND ".join(f"f.{c} = v.{c}" for c in FOREIGN_INPUTS))
        cursor.execute("SET LOCAL enable_nestloop = on")


def _search_keys(cursor) -> tuple[list[tuple], list[tuple]]:
    """The search keys, once per distinct name (and once per distinct foreign name)."""
    from tenants.residents import foreign
    from tenants.residents.search import fold_kana, fold_name

    cursor.execute(f"SELECT DISTINCT {', '.join(NAME_INPUTS)} FROM stage_version0")
    names = [(fn, gn, fk, gk, fold_kana(fk + gk), fold_kana(gk), fold_name(fn + gn), fold_name(gn))
             for fn, gn, fk, gk in cursor.fetchall()]
    cursor.execute(f"SELECT DISTINCT {', '.join(FOREIGN_INPUTS)} FROM stage_version0")
    foreigners = []
    for alpha, alias, alias_kana in cursor.fetchall():
        keys = foreign.search_keys(alphabet_name=alpha, alias_name=alias, alias_name_kana=alias_kana)
        foreigners.append((alpha, alias, alias_kana, keys["alpha_full"], keys["alias_full"], keys["alias_kana_full"]))
    return names, foreigners
