"""Backup to three moto S3 servers over HTTP, restore from any two, refuse anything tampered or missing."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools

import pytest
from django.db import connection

from kyodo.backups import layout, pgio, services
from kyodo.backups.errors import BackupFailed, RestoreRefused
from kyodo.backups.models import BackupRun, RunStatus

from .conftest import checksums, stores_from

PAIRS = list(itertools.combinations(["store-a", "store-b", "store-c"], 2))
SMALL_CHUNKS = 64 * 1024  # several chunks even for a small town


@pytest.fixture
def backup(backup_town, stores):
    return services.backup_run(town=backup_town, stores=stores, chunk_size=SMALL_CHUNKS)


def test_backup_writes_every_store_and_manifest_last(backup, stores, backup_town):
    assert backup.status == RunStatus.SUCCEEDED
    assert backup.chunk_count > 1
    assert sorted(r.store for r in backup.store_results.filter(ok=True)) == ["store-a", "store-b", "store-c"]
    for name, store in stores.items():
        keys = store.list(layout.backup_prefix(backup_town.code, backup.backup_id))
        block = layout.STORE_ROLES[name][0]
        assert layout.manifest_key(backup_town.code, backup.backup_id) in keys
        chunk_keys = [k for k in keys if "/chunks/" in k]
        assert len(chunk_keys) == backup.chunk_count
        assert all(k.startswith(f"kyodo/{backup_town.code}/") and k.endswith(f".b{block}") for k in chunk_keys)


def test_each_store_holds_only_half_the_ciphertext(backup, stores, backup_town):
    """Erasure coding, not replication: each store holds about half of the encrypted dump."""
    for store in stores.values():
        keys = [k for k in store.list(layout.backup_prefix(backup_town.code, backup.backup_id)) if "/chunks/" in k]
        size = sum(store.head(k).size for k in keys)
        assert 0.45 * backup.dump_bytes < size < 0.6 * backup.dump_bytes


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_restore_from_each_pair_is_checksum_identical(backup, backup_town, stores, pair):
    source = checksums(backup_town.schema_name)
    target = f"restored_{pair[0][-1]}{pair[1][-1]}"

    result = services.backup_restore(town_code=backup_town.code, store_names=pair, as_new_schema=target,
                                     stores=stores)

    assert result.backup_id == backup.backup_id
    assert checksums(target) == source
    assert "backup_sample" in source and source["backup_sample"]["rows"] == 3000
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT note FROM "{target}".backup_sample WHERE id = 1')
        note = cursor.fetchone()[0]
    # the schema name inside data is data: never rewritten by the restore
    assert note == f'line1\nline2\t"{backup_town.schema_name}".x \\ 1'


def test_one_store_alone_cannot_decrypt(backup, backup_town, stores):
    """With one store's objects and its own key share the key cannot be rebuilt, and a chunk does not
    decrypt under the key one share gives."""
    from cryptography.exceptions import InvalidTag

    from kyodo.backups import conf, sharing

    store = stores["store-a"]
    manifest = sharing.document_verify(store.get(layout.manifest_key(backup_town.code, backup.backup_id)),
                                       conf.signing_key())
    share = sharing.document_verify(store.get(layout.share_key(backup_town.code, backup.backup_id)),
                                    conf.signing_key())
    guessed_key = sharing.key_combine([(share["x"], bytes.fromhex(share["share_low"]),
                                        bytes.fromhex(share["share_high"]))])
    assert sharing.key_check(guessed_key, backup.backup_id) != manifest["key_check"]
    codec = sharing.ChunkCodec(key=guessed_key, backup_id=backup.backup_id, town_code=backup_town.code)
    chunk = manifest["chunks"][0]
    block = store.get(layout.chunk_key(backup_town.code, backup.backup_id, 0, 0))
    # store-a's block is the first half of the ciphertext; even given the other half it stays sealed
    with pytest.raises(InvalidTag):
        codec.decrypt(0, block + b"\0" * (chunk["cipher_len"] - len(block)), chunk["final"])
    with pytest.raises(RestoreRefused, match="2つのストア"):
        services.backup_restore(town_code=backup_town.code, store_names=["store-a"], as_new_schema="restored_one",
                                stores=stores)


def _tamper(store, key: str, position: int = 100) -> None:
    """Replace the object with a copy that has one byte flipped (a new version: the locked original stays)."""
    data = bytearray(store.get(key))
    data[min(position, len(data) - 1)] ^= 0x01
    store.client.put_object(Bucket=store.config.bucket, Key=key, Body=bytes(data))


@pytest.mark.parametrize("store_name", ["store-a", "store-b", "store-c"])
def test_flipped_byte_in_a_chunk_is_detected_and_named(backup, backup_town, stores, store_name):
    block = layout.STORE_ROLES[store_name][0]
    key = layout.chunk_key(backup_town.code, backup.backup_id, 1, block)
    _tamper(stores[store_name], key)
    pair = [store_name, next(n for n in stores if n != store_name)]

    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=pair, as_new_schema="restored_x",
                                stores=stores)

    assert (exc.value.store, exc.value.key, exc.value.chunk) == (store_name, key, 1)
    assert store_name in exc.value.message and key in exc.value.message and "チャンク 1" in exc.value.message
    assert not pgio.schema_exists("restored_x")


def test_tampered_last_chunk_refuses_and_nothing_is_committed(backup, backup_town, stores):
    key = layout.chunk_key(backup_town.code, backup.backup_id, backup.chunk_count - 1, 2)
    _tamper(stores["store-c"], key, position=5)
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-c"],
                                as_new_schema="restored_late", stores=stores)
    assert exc.value.key == key and exc.value.chunk == backup.chunk_count - 1
    assert not pgio.schema_exists("restored_late")


def test_flipped_byte_in_a_manifest_is_detected_and_named(backup, backup_town, stores):
    key = layout.manifest_key(backup_town.code, backup.backup_id)
    _tamper(stores["store-b"], key, position=200)
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-b"],
                                as_new_schema="restored_m", stores=stores)
    assert (exc.value.store, exc.value.key) == ("store-b", key)
    assert "マニフェスト" in exc.value.message and "store-b" in exc.value.message


def test_flipped_byte_in_a_key_share_is_detected_and_named(backup, backup_town, stores):
    key = layout.share_key(backup_town.code, backup.backup_id)
    data = bytearray(stores["store-c"].get(key))
    position = data.index(b'"share_low": "') + len(b'"share_low": "') + 3
    data[position] = ord("0") if data[position] != ord("0") else ord("1")  # still valid hex
    stores["store-c"].client.put_object(Bucket=stores["store-c"].config.bucket, Key=key, Body=bytes(data))
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-b", "store-c"],
                                as_new_schema="restored_s", stores=stores)
    assert (exc.value.store, exc.value.key) == ("store-c", key)
    assert "鍵シェア" in exc.value.message


def test_missing_chunk_is_named(backup, backup_town, stores):
    key = layout.chunk_key(backup_town.code, backup.backup_id, 0, 1)
    stores["store-b"].client.delete_object(Bucket=stores["store-b"].config.bucket, Key=key)  # delete marker
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-b", "store-c"],
                                as_new_schema="restored_gone", stores=stores)
    assert (exc.value.store, exc.value.key, exc.value.chunk) == ("store-b", key, 0)
    assert "ありません" in exc.value.message
    # the other pair still restores
    services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-c"],
                            as_new_schema="restored_ok", stores=stores)
    assert checksums("restored_ok") == checksums(backup_town.schema_name)


def _restore_audits(since: int) -> list:
    from kyodo.audit.models import PlatformAuditEntry

    return list(PlatformAuditEntry.objects.filter(action="backup.restore", pk__gt=since).order_by("pk"))


def _last_audit_pk() -> int:
    from kyodo.audit.models import PlatformAuditEntry

    return PlatformAuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _assert_no_key_material(entry, backup_town, backup, stores) -> None:
    import json

    from kyodo.backups import conf, sharing

    text = json.dumps(entry.detail, ensure_ascii=False) + entry.purpose + entry.target_id
    assert conf.signing_key().decode() not in text
    share = sharing.document_verify(stores["store-a"].get(layout.share_key(backup_town.code, backup.backup_id)),
                                    conf.signing_key())
    assert share["share_low"] not in text and share["share_high"] not in text and "share_" not in text


def test_a_tampered_chunk_restore_is_audited_as_failed(backup, backup_town, stores):
    key = layout.chunk_key(backup_town.code, backup.backup_id, 1, 2)
    _tamper(stores["store-c"], key)
    since = _last_audit_pk()
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-c"],
                                as_new_schema="restored_audit", stores=stores)
    [entry] = _restore_audits(since)
    assert (entry.outcome, entry.municipality_code, entry.target_id) == ("failed", backup_town.code, backup.backup_id)
    assert entry.detail["reason"] == exc.value.message and "SHA-256" in entry.detail["reason"]
    assert (entry.detail["store"], entry.detail["key"], entry.detail["chunk"]) == ("store-c", key, 1)
    assert entry.detail["stores"] == ["store-a", "store-c"] and entry.detail["target_schema"] == "restored_audit"
    _assert_no_key_material(entry, backup_town, backup, stores)


def test_a_restore_from_a_missing_or_unconfigured_store_is_audited_as_failed(backup, backup_town, stores):
    since = _last_audit_pk()
    without_c = {n: s for n, s in stores.items() if n != "store-c"}
    with pytest.raises(RestoreRefused):
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-c"],
                                as_new_schema="restored_nc", stores=without_c)
    key = layout.chunk_key(backup_town.code, backup.backup_id, 0, 1)
    stores["store-b"].client.delete_object(Bucket=stores["store-b"].config.bucket, Key=key)
    with pytest.raises(RestoreRefused):
        services.backup_restore(town_code=backup_town.code, store_names=["store-b", "store-c"],
                                as_new_schema="restored_nb", stores=stores)
    with pytest.raises(RestoreRefused):
        services.backup_restore(town_code=backup_town.code, store_names=["store-a"], stores=stores)
    unconfigured, missing, one_store = _restore_audits(since)
    assert all(e.outcome == "failed" and e.municipality_code == backup_town.code
               for e in (unconfigured, missing, one_store))
    assert "store-c" in unconfigured.detail["reason"] and "設定されていません" in unconfigured.detail["reason"]
    assert missing.target_id == backup.backup_id  # the latest backup, found before the object was missing
    assert (missing.detail["store"], missing.detail["key"]) == ("store-b", key)
    assert "ありません" in missing.detail["reason"]
    assert "2つのストア" in one_store.detail["reason"]
    for entry in (unconfigured, missing, one_store):
        _assert_no_key_material(entry, backup_town, backup, stores)
    services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-c"],
                            as_new_schema="restored_ok2", stores=stores)
    assert [e.outcome for e in _restore_audits(since)][-1] == "ok"


def test_store_down_marks_backup_incomplete_and_names_it(backup_town, stores, down_store_env):
    with_down = {**stores, "store-b": stores_from(down_store_env)["store-b"]}

    run = services.backup_run(town=backup_town, stores=with_down, chunk_size=SMALL_CHUNKS)

    assert run.status == RunStatus.INCOMPLETE
    assert run.stores == ["store-a", "store-c"]
    failed = run.store_results.get(store="store-b")
    assert not failed.ok and failed.objects_written == 0
    assert "store-b" in run.error
    with pytest.raises(RestoreRefused) as exc:
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-b"],
                                as_new_schema="restored_down", stores=stores)
    assert exc.value.store == "store-b"
    services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-c"],
                            as_new_schema="restored_ac", stores=stores)
    assert checksums("restored_ac") == checksums(backup_town.schema_name)


class _DumpThatDies:
    """pg_dump's output cut off half-way (as when pg_dump or its connection dies)."""

    def __init__(self, size: int):
        self.left = size

    def read(self, n: int) -> bytes:
        if self.left <= 0:
            raise OSError("pg_dump: connection to server lost")
        n = min(n, self.left)
        self.left -= n
        return b"\x1f\x8b" + b"x" * (n - 2) if n > 2 else b"x" * n


def test_interrupted_backup_leaves_no_manifest(backup_town, stores):
    with pytest.raises(BackupFailed) as exc:
        services.backup_run(town=backup_town, stores=stores, chunk_size=SMALL_CHUNKS,
                            _dump_stream=_DumpThatDies(5 * SMALL_CHUNKS))
    run = exc.value.run
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "connection to server lost" in run.error
    prefix = layout.backup_prefix(backup_town.code, run.backup_id)
    for store in stores.values():
        keys = store.list(prefix)
        assert any("/chunks/" in k for k in keys)  # it did get going
        assert layout.manifest_key(backup_town.code, run.backup_id) not in keys
    with pytest.raises(RestoreRefused) as refused:
        services.backup_restore(town_code=backup_town.code, store_names=["store-a", "store-b"],
                                as_new_schema="restored_int", backup_id=run.backup_id, stores=stores)
    assert "マニフェスト" in refused.value.message


@pytest.mark.slow
def test_pg_dump_killed_midway_leaves_no_manifest(backup_town, stores):
    """The real pg_dump loses its database session half-way (pg_terminate_backend from another session)."""
    import threading

    import psycopg

    s = connection.settings_dict
    stop = threading.Event()
    killed = []

    def killer():
        with psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                             host=s["HOST"] or None, port=s["PORT"] or None, autocommit=True) as conn:
            while not stop.is_set() and not killed:
                rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_dump' "
                                    "AND datname = current_database() AND query ILIKE 'COPY%%'").fetchall()
                for (pid,) in rows:
                    conn.execute("SELECT pg_terminate_backend(%s)", [pid])
                    killed.append(pid)

    with connection.cursor() as cursor:  # enough data that pg_dump is still copying when it is killed
        cursor.execute(f'INSERT INTO "{backup_town.schema_name}".backup_sample (name, note) '
                       f"SELECT md5(g::text), repeat(md5(g::text), 20) FROM generate_series(1, 200000) g")
    thread = threading.Thread(target=killer)
    thread.start()
    try:
        with pytest.raises(BackupFailed) as exc:
            services.backup_run(town=backup_town, stores=stores, chunk_size=16 * 1024)
    finally:
        stop.set()
        thread.join()
    assert killed
    run = BackupRun.objects.get(pk=exc.value.run.pk)
    assert run.status == RunStatus.FAILED and "pg_dump" in run.error
    for store in stores.values():
        assert layout.manifest_key(backup_town.code, run.backup_id) not in store.list(layout.town_prefix(backup_town.code))


def test_objects_carry_the_towns_retention(backup_town, stores, monkeypatch):
    from kyodo import config

    environ = {"KYODO_BACKUP_RETENTION_DAYS": "35", f"KYODO_BACKUP_RETENTION_DAYS_{backup_town.code}": "400",
               "KYODO_BACKUP_SIGNING_KEY": config.BACKUPS.signing_key}
    monkeypatch.setattr(config, "BACKUPS", config.BackupConfig.from_environ(config.CONFIG, environ))

    run = services.backup_run(town=backup_town, stores=stores)

    expected = (run.started_at + dt.timedelta(days=400)).replace(microsecond=0)
    assert run.retain_until == expected
    for name, store in stores.items():
        block = layout.STORE_ROLES[name][0]
        for key in (layout.manifest_key(backup_town.code, run.backup_id), layout.share_key(backup_town.code, run.backup_id),
                    layout.chunk_key(backup_town.code, run.backup_id, 0, block)):
            info = store.head(key)
            assert (info.lock_mode, info.retain_until) == ("COMPLIANCE", expected), (name, key)


def test_schema_named_outside_a_quoted_identifier_stops_the_rename(backup_town):
    """The DDL rewrite never guesses: a bare mention of the schema name in DDL refuses the restore."""
    restorer = pgio.SqlRestorer(source_schema=backup_town.schema_name, target_schema="restored_bare")
    try:
        with pytest.raises(pgio.SchemaRenameRefused):
            restorer._feed_sql(f"CREATE VIEW \"{backup_town.schema_name}\".v AS SELECT '{backup_town.schema_name}' AS s;\n"
                               .encode())
    finally:
        restorer.abort()
    assert not pgio.schema_exists("restored_bare")


def test_copy_data_is_never_rewritten(backup_town):
    restorer = pgio.SqlRestorer(source_schema=backup_town.schema_name, target_schema="restored_copy")
    s = backup_town.schema_name
    try:
        restorer.feed_compressed(gzip.compress(
            f'CREATE SCHEMA "{s}";\nCREATE TABLE "{s}"."t" ("v" text);\n'
            f'COPY "{s}"."t" ("v") FROM stdin;\n{s} bare\n"{s}" quoted\n\\.\n'.encode()))
        restorer.commit()
        with connection.cursor() as cursor:
            cursor.execute('SELECT v FROM "restored_copy"."t" ORDER BY v')
            assert [r[0] for r in cursor.fetchall()] == [f'"{s}" quoted', f"{s} bare"]
    finally:
        pgio.schema_drop("restored_copy")


@pytest.mark.slow
def test_backup_is_one_consistent_moment_while_the_town_is_written(backup_town, stores):
    """Rows inserted during the backup land either wholly before or after its snapshot: the restored
    schema equals the checksums taken at backup time (restore verifies that) even under writes."""
    import threading

    import psycopg

    s = connection.settings_dict
    stop = threading.Event()
    inserted = []

    def writer():
        with psycopg.connect(dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None,
                             host=s["HOST"] or None, port=s["PORT"] or None, autocommit=True) as conn:
            while not stop.is_set():
                conn.execute(f'INSERT INTO "{backup_town.schema_name}".backup_sample (name) '
                             "SELECT 'concurrent' FROM generate_series(1, 50)")
                inserted.append(50)

    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{backup_town.schema_name}".backup_sample (name, note) '
                       f"SELECT md5(g::text), repeat(md5(g::text), 10) FROM generate_series(1, 50000) g")
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        run = services.backup_run(town=backup_town, stores=stores, chunk_size=32 * 1024)
    finally:
        stop.set()
        thread.join()
    assert run.status == RunStatus.SUCCEEDED and len(inserted) > 1

    result = services.backup_restore(town_code=backup_town.code, store_names=["store-b", "store-c"],
                                     as_new_schema="restored_live", backup_id=run.backup_id, stores=stores)

    live = checksums(backup_town.schema_name)["backup_sample"]["rows"]
    restored = result.tables["backup_sample"]["rows"]
    assert checksums("restored_live") == result.tables
    assert 53000 <= restored <= live
