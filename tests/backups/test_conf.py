"""Backup configuration is read once, in kyodo.config (BackupConfig); kyodo.backups.conf only reads it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from kyodo import config
from kyodo.backups import conf

STORE_A = {"KYODO_BACKUP_STORE_A_BUCKET": "a", "KYODO_BACKUP_STORE_A_ENDPOINT": "http://127.0.0.1:9"}


def _base(debug: bool) -> config.Config:
    return dataclasses.replace(config.CONFIG, debug=debug)


def test_defaults_and_per_town_retention():
    backups = config.BackupConfig.from_environ(_base(True), {
        "KYODO_BACKUP_RETENTION_DAYS_412066": "400", "KYODO_BACKUP_SIGNING_KEY": "k"})
    assert backups.chunk_bytes == 8 * 1024 * 1024 and backups.retention_days == 35
    assert backups.retention_for("412066") == timedelta(days=400)
    assert backups.retention_for("412074") == timedelta(days=35)
    assert backups.stores == {} and backups.signing_key == "k"


def test_stores_come_from_the_same_reading():
    backups = config.BackupConfig.from_environ(_base(False), {**STORE_A, "KYODO_BACKUP_SIGNING_KEY": "s3cr3t-key",
                                                             "KYODO_BACKUP_CHUNK_BYTES": "65536"})
    assert list(backups.stores) == ["store-a"] and backups.stores["store-a"].bucket == "a"
    assert backups.chunk_bytes == 65536
    assert "s3cr3t-key" not in repr(backups)  # the signing key is never printed


@pytest.mark.parametrize("name, value", [("KYODO_BACKUP_CHUNK_BYTES", "0"), ("KYODO_BACKUP_CHUNK_BYTES", "８"),
                                         ("KYODO_BACKUP_RETENTION_DAYS", "-1"),
                                         ("KYODO_BACKUP_RETENTION_DAYS_412066", "²")])
def test_a_bad_number_is_refused_at_start(name, value):
    with pytest.raises(ValueError, match=name):
        config.BackupConfig.from_environ(_base(True), {name: value, "KYODO_BACKUP_SIGNING_KEY": "k"})


def test_the_signing_key_is_required_with_stores_outside_debug():
    with pytest.raises(RuntimeError, match="KYODO_BACKUP_SIGNING_KEY"):
        config.BackupConfig.from_environ(_base(False), STORE_A)
    assert config.BackupConfig.from_environ(_base(False), {}).signing_key is None  # no stores: no key needed


def test_backups_conf_reads_the_object_not_the_environment(monkeypatch):
    monkeypatch.setenv("KYODO_BACKUP_CHUNK_BYTES", "4096")
    monkeypatch.setenv("KYODO_BACKUP_RETENTION_DAYS", "9")
    assert conf.chunk_bytes() == config.BACKUPS.chunk_bytes != 4096
    replaced = dataclasses.replace(config.BACKUPS, chunk_bytes=4096, retention_days_by_town={"412066": 9})
    monkeypatch.setattr(config, "BACKUPS", replaced)
    assert conf.chunk_bytes() == 4096 and conf.retention_for("412066") == timedelta(days=9)
    monkeypatch.setattr(config, "BACKUPS", dataclasses.replace(replaced, signing_key=None))
    with pytest.raises(RuntimeError, match="KYODO_BACKUP_SIGNING_KEY"):
        conf.signing_key()
