"""Town A's backups never reach town B: keys carry the town, restore/drill of A leaves B untouched,
and A's backup cannot be restored as B."""

from __future__ import annotations

import pytest
from django.db import connection

from kyodo.backups import layout, services
from kyodo.backups.errors import BackupRefused, RestoreRefused
from kyodo.backups.models import BackupRun, DrillRun, RunStatus

from .conftest import KOHOKU, checksums


def _schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def test_drill_of_a_restores_compares_and_drops_scratch_without_touching_b(backup_town, committed, stores):
    town_b = committed.provision(**KOHOKU)
    before_b = checksums(town_b.schema_name)
    schemas_before = _schemas()
    services.backup_run(town=backup_town, stores=stores)

    drill = services.backup_drill(town=backup_town, store_names=["store-a", "store-c"], stores=stores)

    assert drill.ok, drill.error
    assert drill.tables_compared == len(checksums(backup_town.schema_name))
    assert drill.report["tables"]["backup_sample"]["rows"] == 3000
    assert all(t["matches_live_source"] for t in drill.report["tables"].values())
    assert drill.report["scratch_dropped"] and _schemas() == schemas_before
    assert checksums(town_b.schema_name) == before_b
    assert DrillRun.objects.get(pk=drill.pk).ok


def test_drill_fails_and_names_the_store_when_the_latest_backup_is_not_in_the_pair(
        backup_town, stores, down_store_env):
    from .conftest import stores_from

    run = services.backup_run(town=backup_town, stores={**stores, "store-b": stores_from(down_store_env)["store-b"]})
    assert run.status == RunStatus.INCOMPLETE

    drill = services.backup_drill(town=backup_town, store_names=["store-a", "store-b"], stores=stores)

    assert not drill.ok
    assert "store-b" in drill.error and run.backup_id in drill.error and "マニフェスト" in drill.error
    assert drill.report["scratch_dropped"]


def test_object_keys_carry_the_town_code(backup_town, committed, stores):
    town_b = committed.provision(**KOHOKU)
    run_a = services.backup_run(town=backup_town, stores=stores)
    run_b = services.backup_run(town=town_b, stores=stores)
    keys_b = stores["store-a"].list(layout.town_prefix(town_b.code))
    assert keys_b and all(k.startswith(f"kyodo/{town_b.code}/{run_b.backup_id}/") or
                          k.startswith(f"kyodo/{town_b.code}/") for k in keys_b)
    assert not any(run_a.backup_id in k for k in keys_b)


def test_a_backup_cannot_be_restored_as_another_town(backup_town, committed, stores):
    """Copy A's objects under B's prefix (as a confused operator or an attacker could): refused."""
    town_b = committed.provision(**KOHOKU)
    run = services.backup_run(town=backup_town, stores=stores)
    for store in list(stores.values())[:2]:
        for key in store.list(layout.backup_prefix(backup_town.code, run.backup_id)):
            copied = key.replace(f"kyodo/{backup_town.code}/", f"kyodo/{town_b.code}/", 1)
            store.put(copied, store.get(key), retain_until=None)

    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=town_b.code, store_names=["store-a", "store-b"],
                                as_new_schema="restored_as_b", backup_id=run.backup_id, stores=stores)
    assert "団体 414239" in exc.value.message and "江北町" in exc.value.message
    assert "restored_as_b" not in _schemas()


@pytest.mark.parametrize("target", ["town_412074", "town_414247", "public", "kyodo_template"])
def test_restore_into_another_towns_schema_is_refused(backup_town, stores, target):
    services.backup_run(town=backup_town, stores=stores)
    before = checksums("town_412074")
    with pytest.raises(RestoreRefused):
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-b"],
                                as_new_schema=target, stores=stores)
    assert checksums("town_412074") == before


def test_restore_over_an_existing_town_schema_is_refused(backup_town, stores):
    services.backup_run(town=backup_town, stores=stores)
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-b"], stores=stores)
    assert "town_414239" in exc.value.message and "既に存在" in exc.value.message


def test_disaster_restore_recreates_schema_and_public_rows(backup_town, stores):
    from kyodo.tenancy.models import Municipality

    source = checksums(backup_town.schema_name)
    services.backup_run(town=backup_town, stores=stores)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{backup_town.schema_name}" CASCADE')
    backup_town.domains.all().delete()
    BackupRun.objects.filter(town_code=backup_town.code).update(municipality=None)
    Municipality.objects.filter(pk=backup_town.pk).delete()

    services.backup_restore(town_code="414239", store_names=["store-b", "store-c"], stores=stores)

    assert checksums("town_414239") == source
    town = Municipality.objects.get(code="414239")
    assert town.name == "大町町" and list(town.domains.values_list("domain", flat=True)) == ["omachi.test"]


def test_one_backup_per_town_at_a_time_but_towns_do_not_wait(backup_town, committed, stores):
    """A live 'running' row (its database session still open) refuses a second backup of that town
    only; once that session is gone the row is stale and the next backup takes over."""
    import psycopg
    from django.utils import timezone

    s = connection.settings_dict
    other = psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                            host=s["HOST"] or None, port=s["PORT"] or None)
    pid, started = other.execute(
        "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()").fetchone()
    BackupRun.objects.create(backup_id="20260101T000000000000Z-00000000", town_code=backup_town.code,
                             municipality=backup_town, schema_name=backup_town.schema_name,
                             started_at=timezone.now(), db_backend_pid=pid, db_backend_start=started)
    town_b = committed.provision(**KOHOKU)
    try:
        with pytest.raises(BackupRefused) as exc:
            services.backup_run(town=backup_town, stores=stores)
        assert "大町町（414239）のバックアップは既に実行中です" in exc.value.message
        assert services.backup_run(town=town_b, stores=stores).status == RunStatus.SUCCEEDED
    finally:
        other.close()
    run = services.backup_run(town=backup_town, stores=stores)
    assert run.status == RunStatus.SUCCEEDED
    assert BackupRun.objects.get(backup_id="20260101T000000000000Z-00000000").status == RunStatus.FAILED
