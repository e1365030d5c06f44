"""The SQL export (records formatted by the query, ``sqlexport``) writes exactly the bytes the Python
export (one dict per row through ``codec.write``) writes: CSV and fixed width, UTF-8 and Shift_JIS,
for a receiver entitled or not (支援措置: 抑止フラグ, 「（非表示）」, the measures file only when
entitled), with cells the ``csv`` module quotes, vague 生年月日 and a 外国人住民; and a character
Shift_JIS cannot hold stops both with the same record and item named (docs/standard-spec.md "Export")."""

from __future__ import annotations

import csv
import gc
import io

import pytest
from django_tenants.utils import tenant_context

from integrations.standard_spec import codec, residents
from integrations.standard_spec.layout import load
from integrations.standard_spec.residents import ExportRequest, SourceFile, export_residents, import_residents
from kyodo.tenancy.services import municipality_provision

from .test_residents_round_trip import _new_town, populated  # noqa: F401 (a fixture)
from .test_sql_typing import _edit

L = load("chukan-2.7")

pytestmark = pytest.mark.django_db


def _export(town, actor, monkeypatch, path: str, **kwargs) -> dict[str, bytes]:
    monkeypatch.setattr(residents, "EXPORT", path)
    entitled = kwargs.pop("entitled")
    with tenant_context(town):
        return {kind: b"".join(chunks) for kind, chunks in export_residents(
            town=town, actor=actor, request=ExportRequest(purpose="団体の移行", recipient="基山町", entitled=entitled),
            **kwargs).items()}


@pytest.fixture
def unusual(populated, pref_admin, monkeypatch):  # noqa: F811
    """A town loaded from the populated town's files with rows the writer must take care of: cells to
    quote (a comma, a double quote, a line break), the three kinds of vague 生年月日, and another
    person whose 転入前住所 names the protected person's address (hidden when not entitled)."""
    files = {k: SourceFile(k, f"{k}.csv", v) for k, v in _export(populated, pref_admin, monkeypatch, "python",
                                                                  entitled=True).items()}
    rows = list(csv.reader(io.StringIO(files["persons"].content.decode("utf-8-sig"), newline="")))
    fields = L.file("persons").fields
    protected = next(r for r in rows if r[fields.index("protected")] == "1")
    other = next(i for i, r in enumerate(rows) if r[fields.index("protected")] != "1" and i > 4)
    edits = [(0, "katagaki", '1号,"2"号\r\n3号'), (0, "district", "本町,西"), (1, "birth_date", "04020000"),
             (2, "birth_date", "04020400"), (3, "birth_date", "04020230"),
             (other, "previous_address", protected[fields.index("address")] + "（旧）")]
    persons = SourceFile("persons", "persons.csv", _edit(files["persons"].content, "persons", edits))
    town = _new_town()
    with tenant_context(town):
        result = import_residents(town=town, actor=pref_admin, files=[files["households"], persons, files["history"],
                                                                      files["measures"]],
                                  layout_name="chukan-2.7", run_label="t")
    assert result.loaded, result.issues[:5]
    return town


@pytest.mark.parametrize("entitled", [True, False])
@pytest.mark.parametrize(("form", "encoding"), [("csv", "utf-8"), ("csv", "cp932"), ("fixed", "cp932")])
def test_the_sql_export_writes_the_python_exports_bytes(unusual, pref_admin, monkeypatch, entitled, form, encoding):
    by_sql = _export(unusual, pref_admin, monkeypatch, "sql", entitled=entitled, form=form, encoding=encoding)
    by_python = _export(unusual, pref_admin, monkeypatch, "python", entitled=entitled, form=form, encoding=encoding)
    assert set(by_sql) == set(by_python) == ({"households", "persons", "history"} | ({"measures"} if entitled else set()))
    for kind in by_python:
        assert by_sql[kind] == by_python[kind], kind
    persons = by_sql["persons"]
    if form == "csv":
        text = persons.decode(codec.encoding_name(encoding) or "utf-8")
        assert '"1号,""2""号\n3号"' in text and '"本町,西"' in text  # quoted by the csv module's rules
        assert (text.count("（非表示）") > 0) is not entitled


def test_a_character_shift_jis_cannot_hold_stops_both_exports_alike(populated, pref_admin, monkeypatch):  # noqa: F811
    # 通称 may hold 外字: a UTF-8 import takes 😀, a Shift_JIS export cannot write it
    files = {k: SourceFile(k, f"{k}.csv", v) for k, v in _export(populated, pref_admin, monkeypatch, "python",
                                                                  entitled=True).items()}
    persons = SourceFile("persons", "persons.csv", _edit(files["persons"].content, "persons", [(3, "alias_name", "😀")]))
    atena = persons.content.decode("utf-8").split("\r\n")[3].split(",")[0]
    town = municipality_provision(actor=None, code="413453", name="上峰町", name_kana="カミミネチョウ", hosts=["t413453.test"],
                                  applications=["residents"])
    with tenant_context(town):
        assert import_residents(town=town, actor=pref_admin, files=[files["households"], persons, files["history"]],
                                layout_name="chukan-2.7", run_label="t").loaded
    refusals = []
    for path in ("sql", "python"):
        try:
            _export(town, pref_admin, monkeypatch, path, entitled=True, encoding="cp932")
        except codec.ValueNotWritable as refused:
            refusals.append((refused.record, refused.item.name, refused.message_ja))
        # the stopped export's generators (and their server-side cursors) closed now, inside this test's
        # transaction, not by a later collection inside another test's
        gc.collect()
    assert len(refusals) == 2
    assert refusals[0] == refusals[1]
    assert refusals[0][1] == "通称" and atena in refusals[0][0], refusals[0]
