"""The SQL path (values typed and checked in SQL, ``sqltyping``) gives exactly what the Python path (the
codec types every value) gives: the same issues in the same order, and the same registry — on clean
files and on files with every kind of bad or unusual value."""

from __future__ import annotations

import csv
import io

import pytest
from django_tenants.utils import tenant_context

from integrations.standard_spec import residents
from integrations.standard_spec.layout import load
from integrations.standard_spec.residents import ExportRequest, SourceFile, export_residents, import_residents
from kyodo.tenancy.services import municipality_provision

from .test_residents_round_trip import _files, _new_town, _registry, populated  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

L = load("chukan-2.7")


def _edit(content: bytes, kind: str, edits: list[tuple[int, str, str]]) -> bytes:
    """(row index, field, new cell) edits of an exported UTF-8 file."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    fields = L.file(kind).fields
    for index, field, value in edits:
        rows[index][fields.index(field)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


PERSON_EDITS = [
    (0, "family_name_kana", "やまだ"),            # ひらがな: folded to カタカナ
    (1, "given_name_kana", "ﾀﾛｳ"),                # 半角カナ: folded
    (2, "birth_date", "04310000"),               # 月日不詳
    (3, "birth_date", "04310400"),               # 日不詳
    (4, "birth_date", "04310230"),               # 2月30日, kept as written
    (5, "birth_date", "04010101"),               # before 平成 began
    (6, "birth_date", "09010101"),               # no such era
    (7, "became_resident_on", "04999999"),       # not a date
    (8, "family_name", ""),                      # required
    (9, "relationship", "世帯主世帯主世帯主世帯主世帯主世帯主"),  # too long
    (10, "status", "99"),                        # not in the code table
    (11, "status", "０１"),                      # full-width code: folded
    (12, "address", "佐賀県\x01武雄市"),          # control character
    (13, "district", "😀"),                      # not in cp932
    (14, "postal_code", "8430022"),              # 7 digits
    (15, "postal_code", "84-30022"),             # malformed
    (16, "notified_on", "02010730"),             # 大正元年7月30日 (即日改元)
    (17, "notified_on", "01450730"),             # 明治45年7月30日
    (18, "address_set_on", " 04310430"),         # padded: read by the codec
    (19, "atena_number", "１２３"),              # full-width digits (and a wrong check digit)
    (20, "sex", "ZZZZ"),                         # too long a code
    (21, "birth_date", "03640100"),              # 昭和64年1月: day unknown, in the era
    (22, "birth_date", "04010000"),              # 平成元年 月日不詳
    (23, "katagaki", "1号,2号\r\n3号"),          # quoted in the CSV (a comma, a line break): the csv module
]


def _run(typing: str, monkeypatch, files, **kwargs):
    monkeypatch.setattr(residents, "TYPING", typing)
    town = _new_town() if typing == "sql" else municipality_provision(
        actor=None, code="413453", name="上峰町", name_kana="カミミネチョウ", hosts=["t413453.test"],
        applications=["residents"])
    with tenant_context(town):
        result = import_residents(town=town, actor=kwargs.pop("actor"), files=files, layout_name="chukan-2.7",
                                  run_label=f"t-{typing}", **kwargs)
    return town, result


def _exported(populated, pref_admin) -> dict[str, SourceFile]:  # noqa: F811
    with tenant_context(populated):
        return {f.kind: f for f in _files(export_residents(town=populated, actor=pref_admin, request=ExportRequest(
            purpose="団体の移行", recipient="基山町", entitled=True)))}


@pytest.mark.parametrize("valid_part", [False, True])
def test_bad_and_unusual_values_give_the_same_issues_and_registry(populated, pref_admin, monkeypatch,  # noqa: F811
                                                                    valid_part):
    files = _exported(populated, pref_admin)
    persons = SourceFile("persons", "persons.csv", _edit(files["persons"].content, "persons", PERSON_EDITS))
    history = SourceFile("history", "history.csv", _edit(files["history"].content, "history", [
        (0, "given_name_kana", "はなこ"), (1, "valid_from", "05010431"), (2, "reason_code", "")]))
    sources = [files["households"], persons, history, files["measures"]]
    town_sql, by_sql = _run("sql", monkeypatch, sources, actor=pref_admin, load_valid_part=valid_part)
    town_py, by_python = _run("python", monkeypatch, sources, actor=pref_admin, load_valid_part=valid_part)
    assert by_sql.issues == by_python.issues
    assert len(by_sql.issues) >= 15
    assert {i.rule for i in by_sql.issues} >= {"kana", "era", "era_range", "date", "required", "length", "code",
                                               "control", "charset", "postal", "check_digit"} - {"kana"}
    assert by_sql.loaded == by_python.loaded == valid_part
    assert by_sql.counts == by_python.counts
    if valid_part:
        assert _registry(town_sql) == _registry(town_py)
        assert _registry(town_sql)["versions"]


def test_a_clean_set_gives_the_same_registry_both_ways(populated, pref_admin, monkeypatch):  # noqa: F811
    files = list(_exported(populated, pref_admin).values())
    town_sql, by_sql = _run("sql", monkeypatch, files, actor=pref_admin)
    town_py, by_python = _run("python", monkeypatch, files, actor=pref_admin)
    assert by_sql.loaded and by_python.loaded and by_sql.issues == by_python.issues == []
    assert by_sql.counts == by_python.counts
    assert _registry(town_sql) == _registry(town_py)


def _scratch_tables(town) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = %s AND c.relkind = 'r' AND (c.relname LIKE 'raw\\_%%' "
                       "OR c.relname LIKE 'typed\\_%%' OR c.relname LIKE 'stage\\_%%')", [town.schema_name])
        return sorted(r[0] for r in cursor.fetchall())


@pytest.mark.parametrize("typing", ["sql", "python"])
def test_a_run_leaves_no_scratch_table_in_the_towns_schema(populated, pref_admin, monkeypatch, typing):  # noqa: F811
    """The staging tables are unlogged tables of the town's schema (parallel workers cannot read TEMP tables):
    a loaded run drops them before it commits, a refused run rolls them back."""
    files = _exported(populated, pref_admin)
    town, loaded = _run(typing, monkeypatch, list(files.values()), actor=pref_admin)
    assert loaded.loaded and _scratch_tables(town) == []
    broken = SourceFile("persons", "persons.csv", _edit(files["persons"].content, "persons", PERSON_EDITS[6:11]))
    with tenant_context(town):
        refused = import_residents(town=town, actor=pref_admin, layout_name="chukan-2.7", run_label="t-again",
                                   files=[files["households"], broken, files["history"], files["measures"]])
    assert refused.issues and not refused.loaded
    assert _scratch_tables(town) == []


def test_unusual_but_valid_values_load_as_the_codec_reads_them(populated, pref_admin, monkeypatch):  # noqa: F811
    files = _exported(populated, pref_admin)
    edits = [e for e in PERSON_EDITS if e[0] in (0, 1, 2, 3, 4, 11, 14, 16, 17, 18, 21, 22, 23)]
    persons = SourceFile("persons", "persons.csv", _edit(files["persons"].content, "persons", edits))
    sources = [files["households"], persons, files["history"], files["measures"]]
    town_sql, by_sql = _run("sql", monkeypatch, sources, actor=pref_admin)
    town_py, by_python = _run("python", monkeypatch, sources, actor=pref_admin)
    assert by_sql.issues == by_python.issues == []
    assert by_sql.loaded and by_python.loaded
    registry = _registry(town_sql)
    assert registry == _registry(town_py)
    precisions = {v[5 + 10] for v in registry["versions"]}  # birth_date_precision
    assert {"exact", "month_day_unknown", "day_unknown", "as_written"} <= precisions
