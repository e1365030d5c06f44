"""`kyodo migrate`: every town in parallel, per-town report, a failing town does not stop the rest."""

import pytest
from django.db import connection

from kyodo.cli import main as kyodo_main
from kyodo.tenancy.migrate import migrate_all

BASE = [("412091", "嬉野市", "ウレシノシ"), ("414239", "大町町", "オオマチチョウ"), ("414247", "江北町", "コウホクマチ"),
        ("414255", "白石町", "シロイシチョウ")]


@pytest.fixture
def four_towns(committed):
    return [committed.provision(code=c, name=n, name_kana=k, hosts=[f"t{c}.test"]) for c, n, k in BASE]


@pytest.mark.slow
def test_parallel_migrate_reports_each_town(four_towns):
    results = migrate_all(processes=2)
    by_schema = {r.schema_name: r for r in results}
    for town in four_towns:
        assert by_schema[town.schema_name].ok
        assert by_schema[town.schema_name].applied == 0  # already up to date from the template
    assert {"town_412066", "town_412074"} <= set(by_schema)


@pytest.mark.slow
def test_a_failing_town_is_reported_and_the_others_go_on(four_towns):
    broken = four_towns[1].schema_name
    with connection.cursor() as cursor:
        # Make the seed migration (and the reference migrations after it) re-run in one town,
        # against a table that is no longer there.
        cursor.execute(f'DELETE FROM "{broken}".django_migrations WHERE app = %s AND name >= %s',
                       ["reference", "0002_seed_standard_codes"])
        cursor.execute(f'DROP TABLE "{broken}".reference_referencecode')
    results = {r.schema_name: r for r in migrate_all(processes=2)}
    assert not results[broken].ok
    assert "reference_referencecode" in results[broken].error
    others = [t.schema_name for t in four_towns if t.schema_name != broken]
    assert all(results[name].ok for name in others)


@pytest.mark.slow
def test_cli_migrate_prints_a_line_per_town_and_fails_when_one_fails(four_towns, capsys):
    assert kyodo_main(["migrate", "--processes", "2"]) == 0
    out = capsys.readouterr().out
    for town in four_towns:
        assert f"{town.schema_name}\tok\tapplied=0" in out
    assert "0 failed" in out
