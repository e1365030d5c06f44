"""The S3 adapter against a real moto server over HTTP: write-once refusal is ours (it does not rely
on the server honouring If-None-Match), and Object Lock retention headers are really sent."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest

from integrations.objectstore import ObjectExists, ObjectMissing, StoreUnavailable, store_configs_from_env

from .conftest import stores_from


def _record_requests(store):
    sent = []

    def capture(request, **kwargs):
        sent.append((request.method, request.url, dict(request.headers)))

    store.client.meta.events.register("before-send.s3", capture)
    return sent


def test_put_sends_object_lock_retention_headers(stores):
    store = stores["store-a"]
    sent = _record_requests(store)
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=35)).replace(microsecond=0)
    key = f"kyodo/412066/test-{secrets.token_hex(4)}/obj"

    store.put(key, b"payload", retain_until=until)

    puts = [headers for method, _url, headers in sent if method == "PUT"]
    assert len(puts) == 1
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in puts[0].items()}
    assert headers["x-amz-object-lock-mode"] == "COMPLIANCE"
    assert headers["x-amz-object-lock-retain-until-date"].startswith(until.strftime("%Y-%m-%dT%H:%M:%S"))
    assert headers["if-none-match"] == "*"
    info = store.head(key)
    assert info.lock_mode == "COMPLIANCE" and info.retain_until == until


def test_existing_key_is_refused_before_any_upload(stores):
    """Our refusal: a HEAD finds the object and no PUT is sent at all, whatever the server would do."""
    store = stores["store-b"]
    key = f"kyodo/412066/test-{secrets.token_hex(4)}/obj"
    store.put(key, b"original", retain_until=None)
    sent = _record_requests(store)

    with pytest.raises(ObjectExists) as exc:
        store.put(key, b"replacement", retain_until=None)

    assert [m for m, _u, _h in sent] == ["HEAD"]
    assert exc.value.store == "store-b" and exc.value.key == key
    assert store.get(key) == b"original"


def test_locked_object_cannot_be_deleted_on_the_server(stores):
    store = stores["store-c"]
    key = f"kyodo/412066/test-{secrets.token_hex(4)}/obj"
    info = store.put(key, b"kept", retain_until=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        store.client.delete_object(Bucket=store.config.bucket, Key=key, VersionId=info.version_id)
    assert store.get(key) == b"kept"


def test_missing_object_and_down_store_are_named(stores, down_store_env):
    with pytest.raises(ObjectMissing) as exc:
        stores["store-a"].get("kyodo/412066/none/obj")
    assert exc.value.store == "store-a" and exc.value.key == "kyodo/412066/none/obj"
    down = stores_from(down_store_env)["store-b"]
    with pytest.raises(StoreUnavailable) as exc:
        down.get("kyodo/412066/none/obj")
    assert exc.value.store == "store-b"


def test_store_config_reads_each_store_independently():
    env = {
        "KYODO_BACKUP_STORE_A_ENDPOINT": "https://s3.ap-northeast-1.amazonaws.com", "KYODO_BACKUP_STORE_A_BUCKET": "a",
        "KYODO_BACKUP_STORE_A_REGION": "ap-northeast-1", "KYODO_BACKUP_STORE_A_ACCESS_KEY_ID": "ka",
        "KYODO_BACKUP_STORE_A_SECRET_ACCESS_KEY": "sa",
        "KYODO_BACKUP_STORE_C_ENDPOINT": "https://objects.example.jp", "KYODO_BACKUP_STORE_C_BUCKET": "c",
        "KYODO_BACKUP_STORE_C_LOCK_MODE": "governance",
    }
    configs = store_configs_from_env(env)
    assert sorted(configs) == ["store-a", "store-c"]
    assert configs["store-a"].region == "ap-northeast-1" and configs["store-a"].lock_mode == "COMPLIANCE"
    assert configs["store-c"].lock_mode == "GOVERNANCE" and configs["store-c"].access_key_id is None
    assert "sa" not in repr(configs["store-a"])
