"""The residents registry in and out of a standard layout (住民記録の移行).

Import, in one transaction per run (all or nothing; a worker killed mid-run leaves nothing, and the
run is simply started again):

1. every file is decoded and split, its raw text ``COPY``ed into a staging table and every value
   typed and checked in SQL by :mod:`.sqltyping` (the cells off SQL's fast path through the codec's
   own ``convert``: an issue per bad value, exactly the codec's); with ``KYODO_IMPORT_TYPING=python``
   (and for a file with 10,000 issues or more) every value is typed by :mod:`.codec` in Python;
2. the rows are built into the registry's shape — a history row per 履歴, the current row from the
   persons file, the search keys with them — by ``INSERT … SELECT`` (the Python path: in one pass,
   then copied into temporary staging tables with PostgreSQL ``COPY``);
3. the checks across rows run as SQL over the staging tables: duplicates (宛名番号, 住民票コード,
   世帯番号), references (members to households, history to persons), exactly one 世帯主 per
   household and the household's 世帯主 the same person, numbers already in the town, the town's
   code tables, the order of each person's history;
4. with any issue nothing is loaded, unless the operator asked for the valid part: then a bad row
   takes its household and that household's members and history with it, so what is loaded is whole;
5. the rows are moved with ``INSERT … SELECT`` (ids from the tables' own sequences), the counters
   moved past the imported numbers, 支援措置 opened through the registry's own service, and the audit
   chain gets one entry per 10,000 persons with the counts and the files' SHA-256.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import codec, sqlexport, sqltyping
from .layout import Layout, load

AUDIT_BATCH = 10_000
# "sql": the values typed and checked in SQL (module sqltyping); "python": typed by the codec in Python
TYPING = os.environ.get("KYODO_IMPORT_TYPING", "sql")
# "sql": the export's records formatted in SQL (module sqlexport); "python": one dict per row through codec.write
EXPORT = os.environ.get("KYODO_EXPORT", "sql")
FILES = ("households", "persons", "history", "measures")
REQUIRED_FILES = ("households", "persons")

# the columns of a PersonVersion that the staging row carries (everything but the keys the load sets)
VERSION_COLUMNS = (
    "history_no", "valid_from", "is_current", "status", "relationship", "family_name", "given_name",
    "family_name_kana", "given_name_kana", "birth_date", "birth_date_precision", "birth_date_note", "sex",
    "became_resident_on", "address_set_on", "notified_on", "address", "katagaki", "district", "postal_code",
    "honseki", "hittousha", "previous_address", "destination", "resident_kind", "former_family_name",
    "former_family_name_kana", "alphabet_name", "alias_name", "alias_name_kana", "nationality", "article_30_45",
    "residence_status", "period_of_stay", "stay_expires_on", "card_number", "alpha_full", "alias_full",
    "alias_kana_full", "kana_full", "kana_given", "name_full", "name_given",
)
TEXT_DEFAULTS: dict[str, Any] = {c: "" for c in VERSION_COLUMNS} | {"stay_expires_on": None}


@dataclass
class ImportResult:
    issues: list[codec.Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    loaded: bool = False
    hashes: dict[str, str] = field(default_factory=dict)

    def report_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(codec.Issue.HEADER)
        for issue in self.issues:
            writer.writerow(issue.cells())
        return buffer.getvalue()


@dataclass(frozen=True)
class SourceFile:
    kind: str
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _check_digit_ok(number: str) -> bool:
    from tenants.residents.numbers import mod11_weights_2_7

    return len(number) >= 2 and mod11_weights_2_7(number[:-1]) == int(number[-1])


def _issue(file: str, line: int, item: str, value: Any, rule: str, ja: str, en: str) -> codec.Issue:
    return codec.Issue(file, line, item, "" if value is None else str(value)[:100], rule, ja, en)


# --- 1. read -------------------------------------------------------------------------------------------

def read_files(files: Iterable[SourceFile], layout: Layout, *, form: str, encoding: str | None,
               ) -> tuple[dict[str, list[codec.Row]], list[codec.Issue], dict[str, str]]:
    rows: dict[str, list[codec.Row]] = {}
    issues: list[codec.Issue] = []
    names: dict[str, str] = {}
    for source in files:
        if source.kind not in layout.files:
            issues.append(_issue(source.name, 0, "", source.kind, "file", f"ファイルの種類 {source.kind} はレイアウトにありません。",
                                 f"The layout has no file kind {source.kind}."))
            continue
        found, problems, _ = codec.read(source.content, layout.file(source.kind), layout, file=source.name, form=form,
                                        encoding=encoding)
        rows[source.kind] = found
        names[source.kind] = source.name
        issues.extend(problems)
    for kind in REQUIRED_FILES:
        if kind not in names:
            issues.append(_issue(kind, 0, "", "", "file", f"{kind} のファイルがありません。", f"The {kind} file is missing."))
    for kind, number_field, label in (("households", "number", "世帯番号"), ("persons", "atena_number", "宛名番号")):
        for row in rows.get(kind, []):
            number = row.values.get(number_field)
            if number and not _check_digit_ok(number):
                issues.append(_issue(names[kind], row.line, label, number, "check_digit",
                                     f"{label}の検査数字が正しくありません。", f"The check digit of the {label} is wrong."))
    for row in rows.get("persons", []):
        on_register = row.values.get("status") in ("resident", "moving_out")
        if on_register and not row.values.get("resident_code"):
            issues.append(_issue(names["persons"], row.line, "住民票コード", "", "required",
                                 "住民票コードは除票以外では必須です。", "A 住民票コード is required except on a 除票."))
    for kind in ("persons", "history"):
        for row in rows.get(kind, []):
            if row.values.get("resident_kind") == "foreign":
                continue
            for item, label in (("honseki", "本籍"), ("hittousha", "筆頭者")):
                if not row.values.get(item):
                    issues.append(_issue(names[kind], row.line, label, "", "required",
                                         f"日本人の{label}は必須です（「なし」「不明」も可）。",
                                         f"The {label} of a Japanese resident is required."))
    return rows, issues, names


# --- 2. build the registry's rows in one pass ----------------------------------------------------------

def _search_keys(values: dict[str, Any]) -> dict[str, str]:
    from tenants.residents import foreign
    from tenants.residents.search import search_keys

    return {**search_keys(family_name=values["family_name"], given_name=values["given_name"],
                          family_name_kana=values["family_name_kana"], given_name_kana=values["given_name_kana"]),
            **foreign.search_keys(alphabet_name=values.get("alphabet_name") or "",
                                  alias_name=values.get("alias_name") or "",
                                  alias_name_kana=values.get("alias_name_kana") or "")}


def _person_version(values: dict[str, Any]) -> dict[str, Any]:
    birth: codec.VagueDate = values["birth_date"]
    version = dict(TEXT_DEFAULTS)
    for column in VERSION_COLUMNS:
        if column in values and values[column] is not None:
            version[column] = values[column]
    version.update(birth_date=birth.earliest, birth_date_precision=birth.precision, birth_date_note=birth.text)
    return version


def build_versions(persons: list[codec.Row], history: list[codec.Row]) -> list[dict[str, Any]]:
    """Every history row of every person, oldest first, with the search keys: each row as the history
    file states it, except the last, which is the persons file's state (the current record) with the
    last history row's 履歴番号, 異動事由 and dates. A person without history rows gets one row
    (異動日 = 住所を定めた年月日, 異動事由 A03 職権記載)."""
    by_person: dict[str, list[codec.Row]] = defaultdict(list)
    for row in history:
        by_person[row.values["atena_number"]].append(row)
    out: list[dict[str, Any]] = []
    for person in persons:
        values = person.values
        base = _person_version(values)
        rows = sorted(by_person.get(values["atena_number"], []), key=lambda r: int(r.values["history_no"]))
        if not rows:
            out.append({**base, "atena_number": values["atena_number"], "household_number": values["household_number"],
                        "history_no": 1, "valid_from": values["address_set_on"], "is_current": True,
                        "reason_code": "", "change_notified_on": values["notified_on"], "line": person.line,
                        **_search_keys(base)})
            continue
        for index, row in enumerate(rows):
            last = index == len(rows) - 1
            version = dict(base) if last else _person_version(row.values)
            version.update(history_no=int(row.values["history_no"]), valid_from=row.values["valid_from"], is_current=last,
                           atena_number=values["atena_number"],
                           household_number=values["household_number"] if last else row.values["household_number"],
                           reason_code=row.values["reason_code"], change_notified_on=row.values["change_notified_on"],
                           line=row.line)
            version.update(_search_keys(version))
            out.append(version)
    return out


# --- 3. stage and check in SQL ---------------------------------------------------------------------------

STAGING = """
DROP TABLE IF EXISTS stage_household, stage_person, stage_history, stage_measure,
    stage_version, stage_change;
CREATE UNLOGGED TABLE stage_household (line int, number text, head_atena text, address text, katagaki text,
    postal_code text, district text, household_id bigint, bad boolean NOT NULL DEFAULT false);
CREATE UNLOGGED TABLE stage_person (line int, atena text, household text, resident_code text, status text,
    relationship text, sex text, nationality text, person_id bigint, bad boolean NOT NULL DEFAULT false);
CREATE UNLOGGED TABLE stage_history (line int, atena text, history_no int, reason_code text, valid_from date,
    household text, bad boolean NOT NULL DEFAULT false);
CREATE UNLOGGED TABLE stage_measure (line int, atena text, kind text, starts_on date, ends_on date,
    bad boolean NOT NULL DEFAULT false);
"""


def _copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY … FROM STDIN
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _stage_versions(versions: list[dict[str, Any]]) -> None:
    columns = ("line", "atena", "household", "reason_code", "change_notified_on", *VERSION_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE stage_version (line int, atena text, household text, reason_code text, "
            "change_notified_on date, " + ", ".join(f"{c} {_sql_type(c)}" for c in VERSION_COLUMNS)
            + ", change_id bigint)")
    _copy("stage_version", columns, (
        (v["line"], v["atena_number"], v["household_number"], v["reason_code"], v["change_notified_on"],
         *(v[c] for c in VERSION_COLUMNS)) for v in versions))


def _sql_type(column: str) -> str:
    if column in ("history_no",):
        return "int"
    if column == "is_current":
        return "boolean"
    if column in ("valid_from", "birth_date", "became_resident_on", "address_set_on", "notified_on", "stay_expires_on"):
        return "date"
    return "text"


CHECKS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # (file kind, item, rule, Japanese, English, SQL returning line and value)
    ("households", "世帯番号", "duplicate", "世帯番号が重複しています。", "The 世帯番号 appears more than once.",
     "SELECT line, number FROM stage_household WHERE number IN "
     "(SELECT number FROM stage_household GROUP BY number HAVING count(*) > 1)"),
    ("households", "世帯番号", "exists", "この世帯番号は既に登録されています。", "This 世帯番号 is already in the town.",
     "SELECT s.line, s.number FROM stage_household s JOIN residents_household h ON h.number = s.number"),
    ("households", "世帯主宛名番号", "head", "世帯主宛名番号の者がこの世帯の世帯主として記録されていません。",
     "The head named is not this household's 世帯主 in the persons file.",
     "SELECT s.line, s.head_atena FROM stage_household s WHERE NOT EXISTS (SELECT 1 FROM stage_person p "
     "WHERE p.atena = s.head_atena AND p.household = s.number AND p.relationship = '世帯主')"),
    ("households", "世帯主", "one_head", "世帯主がいないか、二人以上います。", "The household has no or several 世帯主.",
     # households with members on the register, of whom not exactly one is the 世帯主 (one pass over the
     # persons, grouped: a count per household in a correlated subquery is quadratic)
     "SELECT s.line, s.number FROM stage_household s JOIN (SELECT household, count(*) FILTER (WHERE relationship = "
     "'世帯主') AS heads FROM stage_person WHERE status IN ('resident', 'moving_out') GROUP BY household) c "
     "ON c.household = s.number WHERE c.heads <> 1"),
    ("persons", "宛名番号", "duplicate", "宛名番号が重複しています。", "The 宛名番号 appears more than once.",
     "SELECT line, atena FROM stage_person WHERE atena IN "
     "(SELECT atena FROM stage_person GROUP BY atena HAVING count(*) > 1)"),
    ("persons", "宛名番号", "exists", "この宛名番号は既に登録されています。", "This 宛名番号 is already in the town.",
     "SELECT s.line, s.atena FROM stage_person s JOIN residents_person p ON p.atena_number = s.atena"),
    ("persons", "住民票コード", "duplicate", "住民票コードが重複しています。", "The 住民票コード appears more than once.",
     "SELECT line, resident_code FROM stage_person WHERE resident_code IN (SELECT resident_code FROM stage_person "
     "WHERE resident_code IS NOT NULL GROUP BY resident_code HAVING count(*) > 1)"),
    ("persons", "世帯番号", "reference", "世帯番号が世帯のファイルにありません。", "The 世帯番号 is not in the households file.",
     "SELECT s.line, s.household FROM stage_person s WHERE NOT EXISTS "
     "(SELECT 1 FROM stage_household h WHERE h.number = s.household)"),
    ("persons", "性別", "code", "性別のコードが団体のコード表にありません。", "The sex code is not in the town's code table.",
     "SELECT s.line, s.sex FROM stage_person s WHERE NOT EXISTS (SELECT 1 FROM reference_referencecode r "
     "WHERE r.code_type = 'sex' AND r.code = s.sex)"),
    ("persons", "国籍・地域", "code", "国籍・地域のコードが団体のコード表にありません。",
     "The nationality code is not in the town's code table.",
     "SELECT s.line, s.nationality FROM stage_person s WHERE s.nationality IS NOT NULL AND NOT EXISTS "
     "(SELECT 1 FROM reference_referencecode r WHERE r.code_type = 'nationality' AND r.code = s.nationality)"),
    ("history", "宛名番号", "reference", "宛名番号が個人のファイルにありません。", "The 宛名番号 is not in the persons file.",
     "SELECT s.line, s.atena FROM stage_history s WHERE NOT EXISTS (SELECT 1 FROM stage_person p WHERE p.atena = s.atena)"),
    ("history", "異動事由", "code", "異動事由のコードが団体のコード表にありません。",
     "The reason code is not in the town's code table.",
     "SELECT s.line, s.reason_code FROM stage_history s WHERE NOT EXISTS (SELECT 1 FROM reference_referencecode r "
     "WHERE r.code_type = 'change_reason' AND r.code = s.reason_code)"),
    ("history", "履歴番号", "order", "履歴番号が 1 から順に並んでいません。", "History numbers do not run 1, 2, 3 … per person.",
     "SELECT line, history_no FROM (SELECT line, history_no, row_number() OVER (PARTITION BY atena ORDER BY history_no) "
     "AS n FROM stage_history) x WHERE history_no <> n"),
    ("history", "異動日", "order", "異動日が前の履歴より前です。", "The date of change is before the previous row's.",
     "SELECT line, valid_from FROM (SELECT line, valid_from, lag(valid_from) OVER (PARTITION BY atena ORDER BY history_no) "
     "AS before FROM stage_history) x WHERE before IS NOT NULL AND valid_from < before"),
    ("history", "世帯番号", "reference", "世帯番号が世帯のファイルにありません。", "The 世帯番号 is not in the households file.",
     "SELECT s.line, s.household FROM stage_history s WHERE NOT EXISTS "
     "(SELECT 1 FROM stage_household h WHERE h.number = s.household)"),
    ("measures", "宛名番号", "reference", "宛名番号が個人のファイルにありません。", "The 宛名番号 is not in the persons file.",
     "SELECT s.line, s.atena FROM stage_measure s WHERE NOT EXISTS (SELECT 1 FROM stage_person p WHERE p.atena = s.atena)"),
)


def _stage(rows: dict[str, list[codec.Row]], versions: list[dict[str, Any]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
    _copy("stage_household", ("line", "number", "head_atena", "address", "katagaki", "postal_code", "district"),
          ((r.line, v["number"], v["head_atena"], v["address"], v.get("katagaki") or "", v.get("postal_code") or "",
            v.get("district") or "") for r in rows.get("households", []) for v in [r.values]))
    _copy("stage_person", ("line", "atena", "household", "resident_code", "status", "relationship", "sex", "nationality"),
          ((r.line, v["atena_number"], v["household_number"], v.get("resident_code"), v["status"], v["relationship"],
            v["sex"], v.get("nationality")) for r in rows.get("persons", []) for v in [r.values]))
    _copy("stage_history", ("line", "atena", "history_no", "reason_code", "valid_from", "household"),
          ((r.line, v["atena_number"], int(v["history_no"]), v["reason_code"], v["valid_from"], v["household_number"])
           for r in rows.get("history", []) for v in [r.values]))
    _copy("stage_measure", ("line", "atena", "kind", "starts_on", "ends_on"),
          ((r.line, v["atena_number"], v["kind"], v["starts_on"], v["ends_on"]) for r in rows.get("measures", [])
           for v in [r.values]))
    _stage_versions(versions)
    with connection.cursor() as cursor:
        # after COPY (cheaper than maintaining them row by row): the checks and the load join on these
        cursor.execute(STAGING_INDEXES)


STAGING_INDEXES = """
CREATE INDEX ON stage_household (number);
CREATE INDEX ON stage_person (atena);
CREATE INDEX ON stage_person (household);
CREATE INDEX ON stage_history (atena, history_no);
CREATE INDEX ON stage_version (atena);
ANALYZE stage_household, stage_person, stage_history, stage_measure, stage_version;
"""


def _checks(names: dict[str, str]) -> list[codec.Issue]:
    issues: list[codec.Issue] = []
    with connection.cursor() as cursor:
        for kind, item, rule, ja, en, sql in CHECKS:
            if kind not in names:
                continue
            cursor.execute(sql + " ORDER BY 1 LIMIT 10000")
            issues.extend(_issue(names[kind], line, item, value, rule, ja, en) for line, value in cursor.fetchall())
    return issues


def _mark_bad(issues: list[codec.Issue], names: dict[str, str]) -> None:
    """The valid part only: a bad row takes its household with it (a household is loaded whole or not at
    all), and a person's history and 支援措置 go with the person."""
    lines: dict[str, set[int]] = defaultdict(set)
    by_name = {name: kind for kind, name in names.items()}
    for issue in issues:
        if issue.file in by_name:
            lines[by_name[issue.file]].add(issue.line)
    with connection.cursor() as cursor:
        for kind, table in (("households", "stage_household"), ("persons", "stage_person"), ("history", "stage_history"),
                            ("measures", "stage_measure")):
            if lines.get(kind):
                cursor.execute(f"UPDATE {table} SET bad = true WHERE line = ANY(%s)", [sorted(lines[kind])])
        cursor.execute("UPDATE stage_person p SET bad = true FROM stage_history h WHERE h.atena = p.atena AND h.bad")
        for _ in range(2):  # household ↔ members, twice: a bad member spoils the household and its other members
            cursor.execute("UPDATE stage_household h SET bad = true FROM stage_person p "
                           "WHERE p.household = h.number AND p.bad AND NOT h.bad")
            cursor.execute("UPDATE stage_person p SET bad = true FROM stage_household h "
                           "WHERE p.household = h.number AND h.bad AND NOT p.bad")
            cursor.execute("UPDATE stage_person p SET bad = true WHERE NOT bad AND NOT EXISTS "
                           "(SELECT 1 FROM stage_household h WHERE h.number = p.household)")
        cursor.execute("UPDATE stage_history h SET bad = true FROM stage_person p WHERE h.atena = p.atena AND p.bad")
        cursor.execute("UPDATE stage_measure m SET bad = true FROM stage_person p WHERE m.atena = p.atena AND p.bad")
        cursor.execute("UPDATE stage_measure m SET bad = true WHERE NOT EXISTS "
                       "(SELECT 1 FROM stage_person p WHERE p.atena = m.atena)")


# --- 5. load --------------------------------------------------------------------------------------------

def _load(*, town, actor, run_label: str) -> dict[str, int]:
    from tenants.residents.models import ChangeKind, ChangeStatus

    who = actor.audit_actor() if callable(getattr(actor, "audit_actor", None)) else None
    user_id = getattr(who, "user_id", None) or getattr(actor, "pk", None) or 0
    username = (getattr(who, "name", None) or getattr(actor, "username", "") or "system")[:150]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(BULK_SETTINGS)
        cursor.execute("DELETE FROM stage_version v USING stage_person p WHERE v.atena = p.atena AND p.bad")
        # the SQL path assigned the ids when it filled the staging tables; the Python path's COPY did not
        cursor.execute("UPDATE stage_household SET household_id = nextval(pg_get_serial_sequence('residents_household', 'id')) "
                       "WHERE NOT bad AND household_id IS NULL")
        cursor.execute("INSERT INTO residents_household (id, number, created_at) "
                       "SELECT household_id, number, %s FROM stage_household WHERE NOT bad", [now])
        households = cursor.rowcount
        cursor.execute("UPDATE stage_person SET person_id = nextval(pg_get_serial_sequence('residents_person', 'id')) "
                       "WHERE NOT bad AND person_id IS NULL")
        cursor.execute("INSERT INTO residents_person (id, atena_number, resident_code, created_at) "
                       "SELECT person_id, atena, coalesce(resident_code, ''), %s FROM stage_person WHERE NOT bad", [now])
        persons = cursor.rowcount
        # One approved 異動 per (異動事由, 異動日, 届出日) the history names; rows without a history file get
        # the run's 初期移行 (異動事由 A03 職権記載).
        cursor.execute(
            "CREATE UNLOGGED TABLE stage_change AS SELECT nextval(pg_get_serial_sequence('residents_change', 'id')) "
            "AS id, reason, valid_from, notified FROM (SELECT DISTINCT coalesce(nullif(reason_code, ''), 'A03') AS reason, "
            "valid_from, change_notified_on AS notified FROM stage_version) d")
        cursor.execute(
            "INSERT INTO residents_change (id, kind, status, notified_on, effective_on, reason_code, payload, summary, "
            "person_ids, entered_by_id, entered_by_username, entered_at, decided_by_id, decided_by_username, decided_at, "
            "rejection_reason) SELECT id, %s, %s, notified, valid_from, reason, %s::jsonb, %s, '{}', %s, %s, %s, %s, %s, %s, '' "
            "FROM stage_change",
            [ChangeKind.INITIAL_LOAD.value, ChangeStatus.APPROVED.value, f'{{"import": "{run_label}"}}',
             f"標準レイアウトからの移行（{run_label}）"[:300], user_id, username, now, user_id, username, now])
        changes = cursor.rowcount
        columns = ", ".join(VERSION_COLUMNS)
        selected = ", ".join(f"v.{c}" for c in VERSION_COLUMNS)
        # three equi-joins of 100,000 rows: hashed (the planner, misjudging the three-column join with the
        # 異動, sorted the wide rows and chose index lookups per row), in memory rather than spilled to disk
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        with _indexes_built_after(cursor, "residents_personversion"):
            cursor.execute(
                f"INSERT INTO residents_personversion (person_id, household_id, change_id, recorded_at, {columns}) "
                f"SELECT p.person_id, h.household_id, c.id, %s, {selected} FROM stage_version v "
                "JOIN stage_person p ON p.atena = v.atena JOIN stage_household h ON h.number = v.household "
                "JOIN stage_change c ON c.reason = coalesce(nullif(v.reason_code, ''), 'A03') "
                "AND c.valid_from = v.valid_from AND c.notified = v.change_notified_on", [now])
            versions = cursor.rowcount
        cursor.execute("RESET enable_nestloop")
        cursor.execute("RESET enable_mergejoin")
        cursor.execute("UPDATE residents_change c SET person_ids = x.ids FROM (SELECT v.change_id, array_agg(DISTINCT "
                       "v.person_id ORDER BY v.person_id) AS ids FROM residents_personversion v JOIN stage_change s "
                       "ON s.id = v.change_id GROUP BY v.change_id) x WHERE x.change_id = c.id")
        for name, table, column in (("atena", "stage_person", "atena"), ("household", "stage_household", "number")):
            cursor.execute(
                f"INSERT INTO residents_counter (name, value) SELECT %s, coalesce(max(left({column}, -1)::bigint), 0) "
                f"FROM {table} WHERE NOT bad ON CONFLICT (name) DO UPDATE SET value = greatest(residents_counter.value, "
                "EXCLUDED.value)", [name])
    return {"households": households, "persons": persons, "changes": changes, "versions": versions}


@contextmanager
def _indexes_built_after(cursor, table: str):
    """For a town whose ``table`` is still empty (a fresh town being onboarded): its plain indexes
    (the search keys' btree and trigram GIN indexes, not the ones backing a constraint) and its
    foreign keys dropped before the bulk insert and created again from their own definitions after
    it, in the same transaction — building an index once over 100,000 rows is cheaper than
    maintaining it row by row, and adding a foreign key checks every row in one join instead of a
    trigger query per row (at 100,000 history rows: 1.9 s of row triggers).
    The table is locked for the rest of the transaction (the town holds no residents yet). A table
    with rows keeps its indexes."""
    if os.environ.get("KYODO_IMPORT_KEEP_INDEXES"):
        yield
        return
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    if cursor.fetchone()[0]:
        yield
        return
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.oid = to_regclass(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname", [table])
    indexes = cursor.fetchall()
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
                   "AND contype = 'f' ORDER BY conname", [table])
    foreign_keys = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    if foreign_keys:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending trigger events
        for name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    # pending trigger events (other tables' deferred foreign-key checks) first: ALTER TABLE and CREATE
    # INDEX refuse to run with them, and they would run at commit anyway; then deferred again, as
    # Django's constraints are
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, definition in foreign_keys:
        # checked once for all the rows (one join), not by a trigger per inserted row
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        cursor.execute(definition)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _open_measures(*, town, actor) -> int:
    from tenants.residents.services.measures import support_measure_open

    with connection.cursor() as cursor:
        cursor.execute("SELECT p.person_id, m.kind, m.starts_on, m.ends_on FROM stage_measure m "
                       "JOIN stage_person p ON p.atena = m.atena WHERE NOT m.bad AND NOT p.bad ORDER BY m.line")
        rows = cursor.fetchall()
    for person_id, kind, starts_on, ends_on in rows:
        support_measure_open(actor=actor, town=town, person_id=person_id, kind=kind, starts_on=starts_on, ends_on=ends_on,
                             note="標準レイアウトからの移行")
    return len(rows)


def _audit(*, town, actor, layout: Layout, hashes: dict[str, str], counts: dict[str, int], run_label: str) -> int:
    from tenants.residents import audit

    with connection.cursor() as cursor:
        cursor.execute("SELECT person_id FROM stage_person WHERE NOT bad ORDER BY person_id")
        ids = [r[0] for r in cursor.fetchall()]
    batches = [ids[i:i + AUDIT_BATCH] for i in range(0, len(ids), AUDIT_BATCH)] or [[]]
    for number, batch in enumerate(batches, start=1):
        audit.record(town=town, actor=actor, action="import.load", persons=batch, purpose="標準レイアウトからの移行",
                     run=run_label, layout=layout.name, batch=number, batches=len(batches), batch_persons=len(batch),
                     counts=counts, files=hashes)
    return len(batches)


# --- the whole run ---------------------------------------------------------------------------------------

@contextmanager
def _no_cyclic_gc():
    """Reading builds millions of small, acyclic objects (rows, dicts, dates) that all stay alive: the
    cyclic collector would walk the growing heap again and again for nothing (at 100,000 persons
    reading and building took 9.1 s with it, 5.8 s without; no difference at 20,000). Reference counting still
    frees everything; the collector is switched back on (as it was) afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def import_residents(*, town, actor, files: Iterable[SourceFile], layout_name: str, form: str = "csv",
                     encoding: str | None = None, load_valid_part: bool = False, run_label: str = "",
                     on_step=None) -> ImportResult:
    """Read, check and (when clean, or when the valid part was asked for) load one set of files into
    ``town``, in the caller's transaction; the caller is in the town's schema. Returns the issues and
    the counts; ``loaded`` says whether anything was written."""
    from tenants.residents.audit import assert_in_town

    assert_in_town(town)
    step = on_step or (lambda name, percent: None)
    layout = load(layout_name)
    sources = list(files)
    result = ImportResult(hashes={s.kind: s.sha256 for s in sources})
    step("ファイルの読み込み・形式の検査", 10)
    if TYPING == "sql":
        try:
            with transaction.atomic():
                names = _read_in_sql(result, sources, layout, form=form, encoding=encoding, step=step)
                if any(i.rule == "file" for i in result.issues):
                    transaction.set_rollback(True)
                    return result
                return _check_and_load(result, town=town, actor=actor, layout=layout, names=names,
                                       load_valid_part=load_valid_part, run_label=run_label, step=step)
        except sqltyping.UsePythonPath:
            result = ImportResult(hashes=result.hashes)
    with _no_cyclic_gc():
        rows, issues, names = read_files(sources, layout, form=form, encoding=encoding)
        result.issues.extend(issues)
        if any(i.rule == "file" for i in issues):
            return result
        versions = build_versions(rows.get("persons", []), rows.get("history", []))
    result.counts = {"households_read": len(rows.get("households", [])), "persons_read": len(rows.get("persons", [])),
                     "history_read": len(rows.get("history", [])), "measures_read": len(rows.get("measures", []))}
    with transaction.atomic():
        step("一時表への取込（COPY）", 40)
        _stage(rows, versions)
        return _check_and_load(result, town=town, actor=actor, layout=layout, names=names,
                               load_valid_part=load_valid_part, run_label=run_label, step=step)


# For the rest of the run's transaction: the sorts and hashes of 100,000-row joins in memory (the
# default 4 MB spilled them to disk: the calendar's hash, the sort feeding the history INSERT)
BULK_SETTINGS = "SET LOCAL work_mem = '64MB'"


def _read_in_sql(result: ImportResult, sources: list[SourceFile], layout: Layout, *, form: str, encoding: str | None,
                 step) -> dict[str, str]:
    """The SQL path's reading: each file decoded, split and COPYed raw, then typed in SQL
    (:mod:`.sqltyping`), with the row checks; the issues in the order the Python path gives them."""
    with connection.cursor() as cursor:
        cursor.execute(BULK_SETTINGS)
    names: dict[str, str] = {}
    if len({s.kind for s in sources}) != len(sources):
        raise sqltyping.UsePythonPath("a kind given twice")
    counts = dict.fromkeys(FILES, 0)
    step("一時表への取込（COPY）", 20)
    sqltyping.stage_calendar(layout)
    for source in sources:
        if source.kind not in layout.files:
            result.issues.append(_issue(source.name, 0, "", source.kind, "file",
                                        f"ファイルの種類 {source.kind} はレイアウトにありません。",
                                        f"The layout has no file kind {source.kind}."))
            continue
        file_layout = layout.file(source.kind)
        encoding_issues, placed, used, control = sqltyping.stage_raw(source.kind, source.content, file_layout, layout,
                                                            file=source.name, form=form, encoding=encoding)
        typing, counts[source.kind] = sqltyping.type_file(source.kind, file_layout, layout, file=source.name,
                                                          encoding=used, control=control)
        found = encoding_issues + [issue for _, _, issue in sorted(placed + typing, key=lambda t: (t[0], t[1]))]
        if len(found) >= codec.MAX_ISSUES_PER_FILE:
            raise sqltyping.UsePythonPath("too many issues")
        result.issues.extend(found)
        names[source.kind] = source.name
    for kind in REQUIRED_FILES:
        if kind not in names:
            result.issues.append(_issue(kind, 0, "", "", "file", f"{kind} のファイルがありません。",
                                        f"The {kind} file is missing."))
    if any(i.rule == "file" for i in result.issues):
        return names
    result.issues.extend(sqltyping.row_checks(names, set(names), layout))
    result.counts = {f"{kind}_read": counts[kind] for kind in FILES}
    sqltyping.stage_from_typed(set(names), VERSION_COLUMNS)
    with connection.cursor() as cursor:
        # stage_version is wide and only joined whole: not sampled (the statistics cost more than they give)
        cursor.execute(STAGING_INDEXES.replace(", stage_version;", ";"))
    return names


def _check_and_load(result: ImportResult, *, town, actor, layout: Layout, names: dict[str, str], load_valid_part: bool,
                    run_label: str, step) -> ImportResult:
    """Steps 3–5, in the caller's transaction.atomic() block: the checks across rows, then the load."""
    from tenants.residents.events import IMPORTED, emit

    step("行をまたぐ検査", 60)
    result.issues.extend(_checks(names))
    if result.issues and not load_valid_part:
        transaction.set_rollback(True)
        return result
    step("登録", 80)
    if result.issues:
        _mark_bad(result.issues, names)
    counts = _load(town=town, actor=actor, run_label=run_label)
    counts["measures"] = _open_measures(town=town, actor=actor)
    counts["issues"] = len(result.issues)
    result.counts.update(counts)
    counts["audit_entries"] = _audit(town=town, actor=actor, layout=layout, hashes=result.hashes,
                                     counts=dict(result.counts), run_label=run_label)
    result.counts["audit_entries"] = counts["audit_entries"]
    emit(IMPORTED, town=town, actor=actor, aggregate_type="import", aggregate_id=run_label,
         persons=counts["persons"], households=counts["households"], layout=layout.name)
    sqltyping.drop_scratch(layout.files)  # a refused run rolls back, and its scratch tables with it
    result.loaded = True
    step("完了", 100)
    return result


# --- export ---------------------------------------------------------------------------------------------

ADDRESS_ITEMS = ("address", "katagaki", "postal_code", "district", "previous_address", "destination")
CHUNK = 2000


@dataclass(frozen=True)
class ExportRequest:
    purpose: str
    recipient: str
    entitled: bool = False      # the receiving system may hold protected addresses (e.g. the town's own migration)
    since_position: int | None = None  # only persons changed after this outbox position (the event relay)


def _vague_birth(v: dict) -> codec.VagueDate:
    from tenants.residents.dates import DatePrecision, stored_birth_date

    if v["birth_date_precision"] == DatePrecision.EXACT or not v["birth_date_note"]:
        return codec.VagueDate(v["birth_date"])
    stated = stored_birth_date(v["birth_date"], v["birth_date_precision"], v["birth_date_note"])
    return codec.VagueDate(stated.earliest, stated.precision, stated.era, stated.year, stated.month or 0,
                           stated.day or 0)


# What the export reads of a history row: plain values (no model instances), joined in the same query.
EXPORT_COLUMNS = ("person_id", *VERSION_COLUMNS, "person__atena_number", "person__resident_code",
                  "household__number")


def _record(v: dict) -> dict[str, Any]:
    """A history row (``values(*EXPORT_COLUMNS)``) as the layout's records hold it."""
    v["atena_number"] = v.pop("person__atena_number")
    v["household_number"] = v.pop("household__number")
    v["resident_code"] = v.pop("person__resident_code") or None
    v["birth_date"] = _vague_birth(v)
    v["postal_code"] = v["postal_code"] or None
    v["nationality"] = v["nationality"] or None
    v["article_30_45"] = v["article_30_45"] or None
    return v


def changed_persons_since(position: int) -> set[int]:
    """Persons named by the residents registry's events after an outbox position."""
    from kyodo.tenantlog.models import OutboxEvent

    persons: set[int] = set()
    for payload in OutboxEvent.objects.filter(position__gt=position, application="residents").values_list("payload",
                                                                                                           flat=True):
        persons.update(int(p) for p in (payload or {}).get("person_ids") or () if str(p).isdigit())
    return persons


def export_residents(*, town, actor, request: ExportRequest, layout_name: str = "chukan-2.7", form: str = "csv",
                     encoding: str = "utf-8") -> dict[str, Any]:
    """The town's registry as the layout's files, each a generator of bytes (streamed from the database
    in chunks, never the whole town in memory). Persons covered by a 支援措置 are flagged; their address
    items are blank unless the receiver is ``entitled``, and only then is the measures file written.
    Audited once, with the purpose and the recipient, before any byte is produced. Consume the files
    one after the other (a CSV file streams by ``COPY`` on the connection: nothing else can run on it
    until that file is read to its end or closed)."""
    from tenants.residents import audit, protection
    from tenants.residents.audit import assert_in_town
    from tenants.residents.models import PersonVersion, SupportMeasure

    assert_in_town(town)
    layout = load(layout_name)
    subset = changed_persons_since(request.since_position) if request.since_position is not None else None
    assessment = protection.outside_redaction()
    current = PersonVersion.objects.filter(is_current=True)
    if subset is not None:
        current = current.filter(person_id__in=subset)
    # No protected address means no measure covers anyone with a current row (each covered person's own
    # row gives their household's addresses), so the whole town need not be inspected person by person.
    covered = protection.inspect(current.values_list("person_id", flat=True)).blocked if assessment.hidden else set()
    audit.record(town=town, actor=actor, action="residents.standard_export", purpose=request.purpose[:200],
                 recipient=request.recipient[:100], layout=layout.name, form=form, encoding=encoding,
                 entitled=request.entitled, since_position=request.since_position, protected=len(covered))

    def withheld(v: Mapping[str, Any]) -> bool:
        return not request.entitled and (v["person_id"] in covered or assessment.shows_hidden(v))

    def blank_address(record: dict) -> dict:
        return {**record, **{k: "" for k in ADDRESS_ITEMS}}

    def households():
        rows = current.filter(relationship="世帯主").order_by("household_id").values(
            "person_id", "address", "katagaki", "postal_code", "district", "previous_address", "destination",
            "household__number", "person__atena_number")
        for v in rows.iterator(chunk_size=CHUNK):
            record = {"number": v["household__number"], "head_atena": v["person__atena_number"],
                      "address": v["address"], "katagaki": v["katagaki"], "postal_code": v["postal_code"] or None,
                      "district": v["district"]}
            yield blank_address(record) | {"address": "（非表示）"} if withheld(v) else record

    def persons():
        for v in current.order_by("person_id").values(*EXPORT_COLUMNS).iterator(chunk_size=CHUNK):
            record = _record(v)
            record["protected"] = "yes" if v["person_id"] in covered else "no"
            yield blank_address(record) | {"address": "（非表示）"} if withheld(v) else record

    def history():
        rows = PersonVersion.objects.order_by("person_id", "history_no")
        if subset is not None:
            rows = rows.filter(person_id__in=subset)
        for v in rows.values(*EXPORT_COLUMNS, "change__reason_code", "change__notified_on").iterator(chunk_size=CHUNK):
            record = _record(v)
            record["history_no"] = str(record["history_no"])
            record["reason_code"] = record.pop("change__reason_code")
            record["change_notified_on"] = record.pop("change__notified_on")
            yield blank_address(record) | {"address": "（非表示）"} if withheld(v) else record

    def measures():
        rows = SupportMeasure.objects.filter(status="active").select_related("person").order_by("pk")
        for m in rows.iterator(chunk_size=CHUNK):
            yield {"atena_number": m.person.atena_number, "kind": m.kind, "starts_on": m.starts_on, "ends_on": m.ends_on}

    if EXPORT == "sql":
        return _export_in_sql(layout, request, form=form, encoding=encoding, subset=subset, covered=covered,
                              assessment=assessment)
    out = {"households": households(), "persons": persons(), "history": history()}
    if request.entitled:
        out["measures"] = measures()
    return {kind: codec.write(records, layout.file(kind), layout, form=form, encoding=encoding,
                              label=f"{layout.file(kind).name}: ")
            for kind, records in out.items()}


def _export_in_sql(layout: Layout, request: ExportRequest, *, form: str, encoding: str, subset: set[int] | None,
                   covered: set[int], assessment) -> dict[str, Any]:
    """The same files as the Python path, each record formatted by the query that reads it
    (:mod:`.sqlexport`). Decided in Python once, before: the vague 生年月日 (one text per distinct
    value), and for a receiver not entitled the rows that show a hidden address."""
    from tenants.residents.models import PersonVersion

    params: dict[str, Any] = {"covered": sorted(covered), "subset": sorted(subset or ()), "hidden": []}
    where_subset = " AND v.person_id = ANY(%(subset)s)" if subset is not None else ""
    if not request.entitled and assessment.hidden:
        rows = PersonVersion.objects.all() if subset is None else PersonVersion.objects.filter(person_id__in=subset)
        params["hidden"] = [pk for pk, *values in rows.values_list("pk", *ADDRESS_ITEMS).iterator(chunk_size=CHUNK)
                            if assessment.shows_hidden(dict(zip(ADDRESS_ITEMS, values, strict=True)))]
    withheld = "false" if request.entitled else "(v.person_id = ANY(%(covered)s) OR v.id = ANY(%(hidden)s))"
    birth = next((i for i in layout.file("persons").items if i.type == "B"), None)
    vague: dict[tuple, str] = {}
    if birth is not None:
        for day, precision, note, foreign in PersonVersion.objects.exclude(birth_date_precision="exact").exclude(
                birth_date_note="").values_list("birth_date", "birth_date_precision", "birth_date_note",
                                                "resident_kind").distinct():
            is_foreign = foreign == "foreign"
            stated = _vague_birth({"birth_date": day, "birth_date_precision": precision, "birth_date_note": note})
            vague[(day, precision, note, is_foreign)] = codec.format_value(birth, stated, layout, foreign=is_foreign)
    keys = sorted(vague, key=lambda k: (k[0], k[1], k[2], k[3]))
    params.update(vb_day=[k[0] for k in keys], vb_precision=[k[1] for k in keys], vb_note=[k[2] for k in keys],
                  vb_foreign=[k[3] for k in keys], vb_text=[vague[k] for k in keys])
    version = {c: f"v.{c}" for c in VERSION_COLUMNS} | {
        "atena_number": "p.atena_number", "household_number": "h.number", "resident_code": "p.resident_code",
        "birth_date": "v.birth_date"}
    foreign = "(v.resident_kind = 'foreign')"
    joined = "FROM residents_personversion v JOIN residents_person p ON p.id = v.person_id " \
             "JOIN residents_household h ON h.id = v.household_id"

    def file(kind: str, sql_from: str, sources: dict[str, str], *, key: str, foreign: str, order: str,
             withheld: str = "false"):
        file_layout = layout.file(kind)
        return sqlexport.records(sql_from, params, sources, file_layout, layout, form=form, encoding=encoding,
                                 label=f"{file_layout.name}: ", key=key, foreign=foreign, order=order,
                                 withheld=withheld)

    out = {
        "households": file("households", f"{joined} WHERE v.is_current AND v.relationship = '世帯主'{where_subset}",
                           {"number": "h.number", "head_atena": "p.atena_number", "address": "v.address",
                            "katagaki": "v.katagaki", "postal_code": "v.postal_code", "district": "v.district"},
                           key="h.number", foreign="false", order="v.household_id", withheld=withheld),
        "persons": file("persons", f"{joined} WHERE v.is_current{where_subset}",
                        version | {"protected": "CASE WHEN v.person_id = ANY(%(covered)s) THEN 'yes' ELSE 'no' END"},
                        key="p.atena_number", foreign=foreign, order="v.person_id", withheld=withheld),
        "history": file("history", f"{joined} JOIN residents_change c ON c.id = v.change_id WHERE true{where_subset}",
                        version | {"reason_code": "c.reason_code", "change_notified_on": "c.notified_on"},
                        key="p.atena_number", foreign=foreign, order="v.person_id, v.history_no",
                        withheld=withheld),
    }
    if request.entitled:
        out["measures"] = file("measures", "FROM residents_supportmeasure m JOIN residents_person p ON p.id = m.person_id "
                               "WHERE m.status = 'active'",
                               {"atena_number": "p.atena_number", "kind": "m.kind", "starts_on": "m.starts_on",
                                "ends_on": "m.ends_on"}, key="p.atena_number", foreign="false", order="m.id")
    return out

