"""Writes for backups: run a town's backup, restore it from any two stores, drill a restore.

A backup (バックアップ) of one town: pg_dump of its schema plus its public rows, taken in one
snapshot, compressed, encrypted in chunks with a fresh data key, each chunk erasure-coded 2-of-3
across stores a/b/c, the key Shamir-shared 2-of-3, and a signed manifest written to each store LAST.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import secrets
import struct
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.objectstore import ObjectMissing, ObjectStore, ObjectStoreError
from kyodo.audit.services import platform_audit_record
from kyodo.tenancy.codes import schema_name_for, validate_municipality_code
from kyodo.tenancy.db import use_public_schema
from kyodo.tenancy.models import Municipality, TownHost

from . import conf, layout, pgio, sharing
from .errors import BackupFailed, BackupRefused, RestoreRefused
from .models import BackupRun, BackupStoreResult, DrillRun, RunStatus

logger = logging.getLogger(__name__)
_BACKUP_ID = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$")
_TOWN_CODE = re.compile(r"^[0-9]{6}$")


def _town_label(town_code: str) -> str:
    town = Municipality.objects.filter(code=town_code).only("name").first()
    return f"{town.name}（{town_code}）" if town else f"団体 {town_code}"


def _stores(stores: Mapping[str, ObjectStore] | None) -> dict[str, ObjectStore]:
    chosen = dict(conf.configured_stores() if stores is None else stores)
    unknown = [name for name in chosen if name not in layout.STORE_ROLES]
    if unknown:
        raise BackupRefused(f"不明なストア名です: {', '.join(unknown)}（store-a, store-b, store-c のいずれか）",
                            log_message=f"unknown store names {unknown}")
    return chosen


# --- one running backup per town --------------------------------------------------------------------

def _backend_identity() -> tuple[int, dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        return cursor.fetchone()


def _session_alive(run: BackupRun) -> bool:
    if run.db_backend_pid is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s AND backend_start = %s",
                       [run.db_backend_pid, run.db_backend_start])
        return cursor.fetchone() is not None


def _run_acquire(*, town: Municipality, scheduled_for: dt.date | None) -> BackupRun:
    """Insert this town's single ``running`` row. A running row whose database session has ended
    (worker killed) is stale: it is closed as failed and the new run takes over."""
    pid, backend_start = _backend_identity()
    now = timezone.now()
    backup_id = f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"  # sorts by time
    for _ in range(2):
        try:
            with transaction.atomic():
                return BackupRun.objects.create(
                    backup_id=backup_id, municipality=town, town_code=town.code, schema_name=town.schema_name,
                    scheduled_for=scheduled_for, started_at=now, db_backend_pid=pid,
                    db_backend_start=backend_start,
                )
        except IntegrityError:
            running = BackupRun.objects.filter(town_code=town.code, status=RunStatus.RUNNING).first()
            if running is not None and _session_alive(running):
                raise BackupRefused(
                    f"{town.name}（{town.code}）のバックアップは既に実行中です（{running.backup_id}）。",
                    log_message=f"backup of {town.code} already running as {running.backup_id}") from None
            if running is not None:
                logger.warning("backup %s of %s was abandoned (its session ended); closing it",
                               running.backup_id, town.code)
                BackupRun.objects.filter(pk=running.pk, status=RunStatus.RUNNING).update(
                    status=RunStatus.FAILED, finished_at=timezone.now(),
                    error="中断されました（実行していたセッションが終了しています）。")
    raise BackupRefused(f"{town.name}（{town.code}）のバックアップを開始できませんでした。")


# --- backup ------------------------------------------------------------------------------------------

def _public_rows(conn, town_code: str) -> dict:
    m_table, h_table = Municipality._meta.db_table, TownHost._meta.db_table
    municipality = conn.execute(
        f'SELECT row_to_json(m)::text FROM public."{m_table}" m WHERE code = %s', [town_code]).fetchone()
    row = json.loads(municipality[0]) if municipality else None
    hosts = []
    if row is not None:
        hosts = [json.loads(r[0]) for r in conn.execute(
            f'SELECT row_to_json(h)::text FROM public."{h_table}" h WHERE tenant_id = %s ORDER BY id',
            [row["id"]]).fetchall()]
    return {"municipality": row, "hosts": hosts}


class _Reader:
    """Exactly-sized reads from a header followed by pg_dump's stdout."""

    def __init__(self, head: bytes, stream):
        self._head = head
        self._stream = stream
        self.total = 0

    def read(self, size: int) -> bytes:
        parts = []
        wanted = size
        if self._head:
            part, self._head = self._head[:wanted], self._head[wanted:]
            parts.append(part)
            wanted -= len(part)
        while wanted > 0:
            part = self._stream.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        data = b"".join(parts)
        self.total += len(data)
        return data


def _chunks(reader, size: int) -> Iterator[tuple[int, bytes, bool]]:
    index = 0
    current = reader.read(size)
    while True:
        following = reader.read(size) if len(current) == size else b""
        final = not following
        yield index, current, final
        if final:
            return
        index += 1
        current = following


@dataclass
class _StoreState:
    store: ObjectStore
    block: int
    share_x: int
    ok: bool = True
    objects: int = 0
    bytes: int = 0
    error: str = ""


@dataclass
class _Outcome:
    chunks: list = field(default_factory=list)
    plain_bytes: int = 0
    stored_bytes: int = 0


def _put(state: _StoreState, key: str, data: bytes, retain_until: dt.datetime) -> None:
    if not state.ok:
        return
    try:
        state.store.put(key, data, retain_until=retain_until)
    except ObjectStoreError as exc:
        state.ok = False
        state.error = f"{key}: {exc.message}"
        logger.error("backup store %s failed writing %s: %s", state.store.name, key, exc.message)
        return
    state.objects += 1
    state.bytes += len(data)


def _put_all(pool, states, key_for, data_for, retain_until) -> None:
    futures = [pool.submit(_put, s, key_for(s), data_for(s), retain_until) for s in states]
    for future in futures:
        future.result()


def _require_two(states: list[_StoreState], town_label: str) -> None:
    alive = [s for s in states if s.ok]
    if len(alive) < 2:
        failed = "、".join(f"{s.store.name}（{s.error}）" for s in states if not s.ok)
        raise BackupFailed(f"{town_label}のバックアップ: 書き込めるストアが2つ未満になりました: {failed}",
                           log_message=f"fewer than two stores writable: {failed}")


def _encode_and_store(*, reader, codec, states, backup_id, town_code, retain_until, chunk_size) -> _Outcome:
    outcome = _Outcome()
    label = _town_label(town_code)
    with ThreadPoolExecutor(max_workers=len(states)) as pool:
        pending: list = []
        for index, plaintext, final in _chunks(reader, chunk_size):
            encoded = codec.encode(index, plaintext, final)
            # Upload chunk i while chunk i+1 is being encoded; wait before queueing more.
            for future in pending:
                future.result()
            _require_two(states, label)
            pending = [pool.submit(_put, s, layout.chunk_key(town_code, backup_id, index, s.block),
                                   encoded.blocks[s.block], retain_until) for s in states]
            outcome.plain_bytes += encoded.plain_len
            outcome.stored_bytes += sum(len(b) for b in encoded.blocks)
            outcome.chunks.append({
                "index": index, "final": final, "plain_len": encoded.plain_len,
                "cipher_len": encoded.cipher_len, "cipher_sha256": encoded.cipher_sha256,
                "blocks": {str(n): {"sha256": encoded.block_sha256[n], "size": len(encoded.blocks[n])}
                           for n in range(sharing.M)},
            })
        for future in pending:
            future.result()
    _require_two(states, label)
    return outcome


def backup_run(*, town: Municipality, actor=None, scheduled_for: dt.date | None = None,
               stores: Mapping[str, ObjectStore] | None = None, chunk_size: int | None = None,
               _dump_stream=None) -> BackupRun:
    """Back up ``town`` to the configured stores. Returns the run: ``succeeded`` (all three stores),
    ``incomplete`` (restorable from the two that were written; the third is named in the run).
    Raises BackupRefused (not started) or BackupFailed (the run row says why; no manifest written).

    ``_dump_stream`` replaces pg_dump's stdout (tests use it to interrupt a backup half-way).
    """
    chosen = _stores(stores)
    label = f"{town.name}（{town.code}）"
    if len(chosen) < 2:
        raise BackupRefused(f"{label}のバックアップ先ストアが2つ未満です（設定: {', '.join(chosen) or 'なし'}）。",
                            log_message=f"fewer than two backup stores configured: {list(chosen)}")
    use_public_schema()
    signing_key = conf.signing_key()  # before the run row: a missing key must not leave a "running" row
    run = _run_acquire(town=town, scheduled_for=scheduled_for)
    started = time.perf_counter()
    retain_until = (run.started_at + conf.retention_for(town.code)).replace(microsecond=0)
    states = [_StoreState(store=s, block=layout.STORE_ROLES[n][0], share_x=layout.STORE_ROLES[n][1])
              for n, s in sorted(chosen.items())]
    backup_id = run.backup_id
    key = sharing.data_key_new()
    codec = sharing.ChunkCodec(key=key, backup_id=backup_id, town_code=town.code)
    missing = sorted(set(layout.STORE_ROLES) - set(chosen))
    for name in missing:
        logger.error("backup %s of %s: %s is not configured", backup_id, town.code, name)
    try:
        shares = {x: (lo, hi) for x, lo, hi in sharing.key_split(key)}
        with ThreadPoolExecutor(max_workers=len(states)) as pool:
            _put_all(pool, states, lambda s: layout.share_key(town.code, backup_id),
                     lambda s: sharing.document_sign({
                         "format": sharing.FORMAT, "backup_id": backup_id, "town_code": town.code,
                         "store": s.store.name, "x": s.share_x, "share_low": shares[s.share_x][0].hex(),
                         "share_high": shares[s.share_x][1].hex()}, signing_key), retain_until)
        _require_two(states, label)
        with pgio.snapshot(town.schema_name) as (snap_conn, snapshot_id):
            with snap_conn.cursor() as cursor:
                tables = pgio.table_checksums(cursor, town.schema_name)
            header = {"format": sharing.FORMAT, "backup_id": backup_id, "town_code": town.code,
                      "schema_name": town.schema_name, "tables": tables,
                      "public": _public_rows(snap_conn, town.code),
                      "server_version": snap_conn.info.server_version}
            proc = None
            if _dump_stream is None:
                proc = pgio.dump_start(town.schema_name, snapshot_id)
                assert proc.stdout is not None
                stream = proc.stdout
            else:
                stream = _dump_stream
            try:
                reader = _Reader(sharing.plaintext_header(header), stream)
                outcome = _encode_and_store(reader=reader, codec=codec, states=states, backup_id=backup_id,
                                            town_code=town.code, retain_until=retain_until,
                                            chunk_size=chunk_size or conf.chunk_bytes())
            except BaseException:
                if proc is not None and proc.poll() is None:
                    proc.kill()
                raise
            finally:
                if proc is not None and proc.stdout is not None:
                    proc.stdout.close()
                    proc.wait()
            if proc is not None and proc.returncode != 0:
                raise BackupFailed(f"{label}のダンプ（pg_dump）が失敗しました: {pgio.process_errors(proc)}",
                                   log_message=f"pg_dump failed: {pgio.process_errors(proc)}")
        written = sorted(s.store.name for s in states if s.ok)
        not_written = sorted(set(layout.STORE_ROLES) - set(written))
        manifest = {
            "format": sharing.FORMAT, "backup_id": backup_id, "town_code": town.code,
            "schema_name": town.schema_name, "created_at": run.started_at.isoformat(),
            "cipher": "AES-256-GCM", "erasure": {"scheme": "zfec", "k": sharing.K, "m": sharing.M},
            "key_sharing": "shamir-2-of-3 over two 16-byte halves", "key_check": sharing.key_check(key, backup_id),
            "payload": "magic+header+pg_dump plain SQL (gzip level 1)",
            "chunk_count": len(outcome.chunks), "plain_bytes": outcome.plain_bytes,
            "stores": {n: {"block": b, "share_x": x} for n, (b, x) in layout.STORE_ROLES.items()},
            "stores_written": written, "complete": not not_written, "missing_stores": not_written,
            "retain_until": retain_until.isoformat(), "chunks": outcome.chunks,
        }
        raw_manifest = sharing.document_sign(manifest, signing_key)
        # Written last: a manifest exists only for a backup whose every chunk is stored.
        with ThreadPoolExecutor(max_workers=len(states)) as pool:
            _put_all(pool, [s for s in states if s.ok], lambda s: layout.manifest_key(town.code, backup_id),
                     lambda s: raw_manifest, retain_until)
        _require_two(states, label)
    except Exception as exc:
        message = exc.message if isinstance(exc, BackupFailed) else f"{label}のバックアップが失敗しました: {exc}"
        logger.exception("backup %s of %s failed", backup_id, town.code)
        _run_finish(run, states, status=RunStatus.FAILED, started=started, error=message, actor=actor)
        if isinstance(exc, BackupFailed):
            exc.run = run
            raise
        raise BackupFailed(message, run=run, log_message=str(exc)) from exc
    status = RunStatus.SUCCEEDED if all(s.ok for s in states) and not missing else RunStatus.INCOMPLETE
    error = ""
    if status == RunStatus.INCOMPLETE:
        error = "、".join([f"{s.store.name}: {s.error}" for s in states if not s.ok]
                         + [f"{n}: 未設定" for n in missing])
        error = f"{label}のバックアップは2つのストアにのみ保存されました（{error}）。"
    run.dump_bytes = outcome.plain_bytes
    run.stored_bytes = sum(s.bytes for s in states)
    run.chunk_count = len(outcome.chunks)
    run.stores = sorted(s.store.name for s in states if s.ok)
    run.retain_until = retain_until
    _run_finish(run, states, status=status, started=started, error=error, actor=actor)
    return run


def _run_finish(run: BackupRun, states, *, status: str, started: float, error: str, actor) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.duration_seconds = time.perf_counter() - started
    run.error = error
    with transaction.atomic():
        run.save()
        for s in states:
            BackupStoreResult.objects.update_or_create(
                run=run, store=s.store.name,
                defaults={"ok": s.ok, "objects_written": s.objects, "bytes_written": s.bytes, "error": s.error})
        platform_audit_record(
            actor=actor, action="backup.run", municipality_code=run.town_code, target_type="backup",
            target_id=run.backup_id, outcome={"succeeded": "ok"}.get(status, status),
            detail={"stores": run.stores, "bytes": run.stored_bytes, "chunks": run.chunk_count, "error": error},
        )


# --- restore -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RestoreResult:
    town_code: str
    backup_id: str
    target_schema: str
    stores: tuple[str, ...]
    tables: dict
    seconds: float


def _restore_target(town_code: str, as_new_schema: str | None) -> str:
    own = schema_name_for(town_code)
    label = _town_label(town_code)
    if as_new_schema is None:
        if pgio.schema_exists(own):
            raise RestoreRefused(
                f"{label}のスキーマ {own} は既に存在します。別名（--as-new-schema）に復元してください。",
                log_message=f"schema {own} exists")
        return own
    target = as_new_schema.strip()
    if not pgio.SCHEMA_NAME.match(target) or target == "public" or target.startswith("pg_"):
        raise RestoreRefused(f"復元先スキーマ名「{target}」は使えません（英小文字・数字・_、public と pg_ は不可）。")
    from django.conf import settings

    other_town = (Municipality.objects.filter(schema_name=target).exclude(code=town_code).exists()
                  or (re.match(r"^town_[0-9]{6}$", target) and target != own)
                  or target == settings.KYODO_TEMPLATE_SCHEMA)
    if other_town:
        raise RestoreRefused(f"{label}のバックアップを他の団体のスキーマ「{target}」には復元できません。",
                             log_message=f"refused restoring {town_code} into another town's schema {target}")
    if pgio.schema_exists(target):
        raise RestoreRefused(f"復元先スキーマ「{target}」は既に存在します。", log_message=f"schema {target} exists")
    return target


def _fetch(store: ObjectStore, key: str, *, what: str, chunk: int | None = None) -> bytes:
    where = f"（チャンク {chunk}）" if chunk is not None else ""
    try:
        return store.get(key)
    except ObjectMissing:
        raise RestoreRefused(f"{store.name} に{what} {key}{where}がありません。", store=store.name, key=key,
                             chunk=chunk, log_message=f"{store.name}: missing {key}") from None
    except ObjectStoreError as exc:
        raise RestoreRefused(f"{store.name} から{what} {key}{where}を読めません: {exc.message}",
                             store=store.name, key=key, chunk=chunk,
                             log_message=f"{store.name}: cannot read {key}: {exc.message}") from None


def _latest_backup_id(town_code: str, stores: dict[str, ObjectStore]) -> str:
    found: set[str] = set()
    prefix = layout.town_prefix(town_code)
    for store in stores.values():
        try:
            keys = store.list(prefix)
        except ObjectStoreError as exc:
            raise RestoreRefused(f"{store.name} に接続できません: {exc.message}", store=store.name,
                                 log_message=f"{store.name}: {exc.message}") from None
        found.update(k[len(prefix):].split("/", 1)[0] for k in keys if k.endswith("/manifest.json"))
    if not found:
        raise RestoreRefused(f"{_town_label(town_code)}の完了したバックアップが {', '.join(stores)} にありません。",
                             log_message=f"no completed backup of {town_code} in {list(stores)}")
    return max(found)


def _load_manifest(town_code: str, backup_id: str, stores: dict[str, ObjectStore]) -> dict:
    signing_key = conf.signing_key()
    manifests = []
    for name, store in stores.items():
        key = layout.manifest_key(town_code, backup_id)
        raw = _fetch(store, key, what="マニフェスト")
        manifest = sharing.document_verify(raw, signing_key)
        if manifest is None:
            raise RestoreRefused(f"{name} のマニフェスト {key} の署名が一致しません（改ざんの可能性）。",
                                 store=name, key=key, log_message=f"{name}: bad manifest signature {key}")
        if manifest.get("town_code") != town_code or manifest.get("backup_id") != backup_id:
            raise RestoreRefused(
                f"{name} のマニフェスト {key} は団体 {manifest.get('town_code')} のバックアップです。"
                f"{_town_label(town_code)}として復元することはできません。", store=name, key=key,
                log_message=f"{name}: manifest {key} belongs to {manifest.get('town_code')}")
        if manifest.get("format") != sharing.FORMAT:
            raise RestoreRefused(f"{name} のマニフェスト {key} の形式 {manifest.get('format')} には対応していません。",
                                 store=name, key=key)
        manifests.append(manifest)
    if any(sharing.canonical(m) != sharing.canonical(manifests[0]) for m in manifests[1:]):
        raise RestoreRefused(f"{', '.join(stores)} のマニフェストの内容が一致しません（{backup_id}）。",
                             log_message=f"manifests differ between {list(stores)}")
    return manifests[0]


def _load_key(town_code: str, backup_id: str, manifest: dict, stores: dict[str, ObjectStore]) -> bytes:
    signing_key = conf.signing_key()
    shares = []
    for name, store in stores.items():
        key = layout.share_key(town_code, backup_id)
        document = sharing.document_verify(_fetch(store, key, what="鍵シェア"), signing_key)
        expected_x = manifest["stores"][name]["share_x"]
        if (document is None or document.get("town_code") != town_code or document.get("backup_id") != backup_id
                or document.get("store") != name or document.get("x") != expected_x):
            raise RestoreRefused(f"{name} の鍵シェア {key} の署名または内容が一致しません（改ざんの可能性）。",
                                 store=name, key=key, log_message=f"{name}: bad key share {key}")
        shares.append((expected_x, bytes.fromhex(document["share_low"]), bytes.fromhex(document["share_high"])))
    data_key = sharing.key_combine(shares)
    if sharing.key_check(data_key, backup_id) != manifest["key_check"]:
        raise RestoreRefused(f"{', '.join(stores)} の鍵シェアから正しい鍵を復元できません（{backup_id}）。",
                             log_message="rebuilt key does not match key_check")
    return data_key


def _chunk_plaintexts(*, town_code: str, backup_id: str, manifest: dict, stores: dict[str, ObjectStore],
                      codec: sharing.ChunkCodec) -> Iterator[bytes]:
    chunks = manifest["chunks"]
    if len(chunks) != manifest["chunk_count"] or [c["index"] for c in chunks] != list(range(len(chunks))) \
            or not chunks or not chunks[-1]["final"] or any(c["final"] for c in chunks[:-1]):
        raise RestoreRefused(f"マニフェスト {backup_id} のチャンク一覧が不正です。")
    with ThreadPoolExecutor(max_workers=len(stores)) as pool:
        for chunk in chunks:
            index = chunk["index"]
            wanted = {manifest["stores"][name]["block"]: (name, store) for name, store in stores.items()}
            futures = {n: pool.submit(_fetch, s, layout.chunk_key(town_code, backup_id, index, n),
                                      what="チャンク", chunk=index) for n, (_name, s) in wanted.items()}
            blocks = {}
            for n, future in futures.items():
                data = future.result()
                name = wanted[n][0]
                key = layout.chunk_key(town_code, backup_id, index, n)
                expected = chunk["blocks"][str(n)]
                if len(data) != expected["size"] or hashlib.sha256(data).hexdigest() != expected["sha256"]:
                    raise RestoreRefused(
                        f"{name} のオブジェクト {key}（チャンク {index}）が改ざんまたは破損しています（SHA-256 不一致）。",
                        store=name, key=key, chunk=index, log_message=f"{name}: digest mismatch {key} chunk {index}")
                blocks[n] = data
            ciphertext = codec.join(blocks, chunk["cipher_len"])
            if hashlib.sha256(ciphertext).hexdigest() != chunk["cipher_sha256"]:
                raise RestoreRefused(f"チャンク {index} を {', '.join(stores)} から正しく復元できません。", chunk=index)
            try:
                yield codec.decrypt(index, ciphertext, chunk["final"])
            except InvalidTag:
                raise RestoreRefused(f"チャンク {index} の認証に失敗しました（{', '.join(stores)}）。",
                                     chunk=index, log_message=f"chunk {index}: GCM tag mismatch") from None


def _split_header(stream: Iterator[bytes]) -> tuple[dict, Iterator[bytes]]:
    buffer = b""
    for part in stream:
        buffer += part
        if len(buffer) >= 16:
            if buffer[:8] != sharing.PLAINTEXT_MAGIC:
                raise RestoreRefused("バックアップの先頭が不正です。")
            (length,) = struct.unpack(">Q", buffer[8:16])
            if len(buffer) >= 16 + length:
                header = json.loads(buffer[16:16 + length])
                rest = buffer[16 + length:]

                def remainder(rest=rest):
                    if rest:
                        yield rest
                    yield from stream

                return header, remainder()
    raise RestoreRefused("バックアップのヘッダーが途中で終わっています。")


def _store_selection(names, stores: Mapping[str, ObjectStore] | None) -> dict[str, ObjectStore]:
    available = _stores(stores)
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    unknown = [n for n in names if n not in available]
    if unknown:
        raise RestoreRefused(f"ストア {', '.join(unknown)} は設定されていません（設定済み: {', '.join(available)}）。")
    if len(names) < 2:
        raise RestoreRefused("復元には2つのストアを指定してください（例: store-a,store-c）。")
    return {n: available[n] for n in names[:2]}


def backup_restore(*, town_code: str, store_names, as_new_schema: str | None = None,
                   backup_id: str | None = None, actor=None,
                   stores: Mapping[str, ObjectStore] | None = None) -> RestoreResult:
    """リストア: rebuild a town's schema from two stores. Every block digest, the manifest and key-share
    signatures and each chunk's GCM tag are checked before COMMIT; the restored tables are then
    compared with the checksums taken at backup time, and a mismatch drops the restored schema.
    Raises RestoreRefused naming the store, object and chunk. Every restore is audited
    (``backup.restore``), a refused or failed one with outcome ``failed`` and the reason."""
    started = time.perf_counter()
    progress: dict = {"backup_id": backup_id}
    try:
        result = _restore(town_code=town_code, store_names=store_names, as_new_schema=as_new_schema,
                          backup_id=backup_id, stores=stores, progress=progress)
    except Exception as exc:
        _restore_failure_audit(exc, actor=actor, town_code=town_code, store_names=store_names,
                               as_new_schema=as_new_schema, backup_id=progress["backup_id"])
        raise
    platform_audit_record(actor=actor, action="backup.restore", municipality_code=town_code,
                          target_type="backup", target_id=result.backup_id,
                          detail={"stores": sorted(result.stores), "target_schema": result.target_schema,
                                  "tables": len(result.tables)})
    return RestoreResult(town_code=result.town_code, backup_id=result.backup_id, target_schema=result.target_schema,
                         stores=result.stores, tables=result.tables, seconds=time.perf_counter() - started)


def _restore_failure_audit(exc: Exception, *, actor, town_code, store_names, as_new_schema, backup_id) -> None:
    """The audit record of a restore that did not happen. The reason is our own message (it names the
    store, object and chunk, never key material); a message that wraps another error's text (which may
    quote restored rows) and any unexpected error are recorded by type only."""
    code = str(town_code) if _TOWN_CODE.match(str(town_code)) else ""
    try:
        if isinstance(exc, RestoreRefused) and exc.__cause__ is None:
            reason = exc.message
        else:
            label = _town_label(code) if code else "団体"
            reason = f"{label}の復元に失敗しました（{type(exc.__cause__ or exc).__name__}）"
        detail = {"reason": reason.replace("\x00", "")[:500], "error": type(exc).__name__,
                  "stores": sorted(str(n).strip()[:20] for n in (store_names or []))[:5],
                  "target_schema": str(as_new_schema or "")[:63] or None,
                  "store": getattr(exc, "store", None), "key": getattr(exc, "key", None),
                  "chunk": getattr(exc, "chunk", None)}
        if not code:
            detail["town_code"] = str(town_code)[:20]
        platform_audit_record(actor=actor, action="backup.restore", municipality_code=code, target_type="backup",
                              target_id=str(backup_id or "").replace("\x00", "")[:64], outcome="failed",
                              detail=detail)
    except Exception:  # never hide why the restore failed behind an audit write error
        logger.exception("could not audit the failed restore of %s", code or "?")


def _restore(*, town_code: str, store_names, as_new_schema: str | None, backup_id: str | None,
             stores: Mapping[str, ObjectStore] | None, progress: dict) -> RestoreResult:
    """The restore itself; ``progress["backup_id"]`` names the backup once it is known (for the audit)."""
    from django.core.exceptions import ValidationError

    try:
        validate_municipality_code(town_code)
    except ValidationError as exc:
        raise RestoreRefused(exc.messages[0]) from None
    chosen = _store_selection(store_names, stores)
    use_public_schema()
    target = _restore_target(town_code, as_new_schema)
    if backup_id is None:
        backup_id = progress["backup_id"] = _latest_backup_id(town_code, chosen)
    elif not _BACKUP_ID.match(backup_id):
        raise RestoreRefused(f"バックアップID「{backup_id}」の形式が正しくありません。")
    manifest = _load_manifest(town_code, backup_id, chosen)
    data_key = _load_key(town_code, backup_id, manifest, chosen)
    codec = sharing.ChunkCodec(key=data_key, backup_id=backup_id, town_code=town_code)
    plaintexts = _chunk_plaintexts(town_code=town_code, backup_id=backup_id, manifest=manifest, stores=chosen,
                                   codec=codec)
    header, rest = _split_header(plaintexts)
    if header.get("town_code") != town_code or header.get("backup_id") != backup_id:
        raise RestoreRefused(f"バックアップ {backup_id} の内容は{_town_label(town_code)}のものではありません。")
    restorer = pgio.SqlRestorer(source_schema=header["schema_name"], target_schema=target)
    try:
        for part in rest:
            restorer.feed_compressed(part)
        restorer.commit()
    except RestoreRefused:
        restorer.abort()
        raise
    except Exception as exc:
        restorer.abort()
        raise RestoreRefused(f"{_town_label(town_code)}の復元に失敗しました: {exc}", log_message=str(exc)) from exc
    with connection.cursor() as cursor:
        restored = pgio.table_checksums(cursor, target)
    if restored != header["tables"]:
        differing = sorted(t for t in set(restored) | set(header["tables"])
                           if restored.get(t) != header["tables"].get(t))
        pgio.schema_drop(target)
        raise RestoreRefused(f"復元したテーブルがバックアップ時と一致しません: {', '.join(differing)}",
                             log_message=f"checksum mismatch after restore: {differing}")
    if target == schema_name_for(town_code):
        _public_rows_restore(header)
    return RestoreResult(town_code=town_code, backup_id=backup_id, target_schema=target, stores=tuple(chosen),
                         tables=restored, seconds=0.0)


def _public_rows_restore(header: dict) -> None:
    """After a disaster restore into the town's own schema: recreate its public rows if they are gone."""
    row = (header.get("public") or {}).get("municipality")
    if row is None or Municipality.objects.filter(code=row["code"]).exists():
        return
    with transaction.atomic():
        town = Municipality.objects.create(
            schema_name=row["schema_name"], code=row["code"], name=row["name"], name_kana=row["name_kana"],
            prefecture=row["prefecture"], status=row["status"],
            enabled_applications=row.get("enabled_applications") or [])
        for host in header["public"].get("hosts", []):
            if not TownHost.objects.filter(domain=host["domain"]).exists():
                TownHost.objects.create(domain=host["domain"], tenant=town, is_primary=host["is_primary"])


# --- drill -------------------------------------------------------------------------------------------

DRILL_PAIRS = (("store-a", "store-b"), ("store-b", "store-c"), ("store-a", "store-c"))


def drill_pair(today: dt.date | None = None) -> tuple[str, str]:
    """Weekly drills rotate through the three pairs so every pair is proven every three weeks."""
    today = today or timezone.localdate()
    return DRILL_PAIRS[today.isocalendar()[1] % 3]


def backup_drill(*, town: Municipality, actor=None, store_names=None, backup_id: str | None = None,
                 stores: Mapping[str, ObjectStore] | None = None) -> DrillRun:
    """リストア訓練: restore the latest backup into a scratch schema, compare it table by table (row
    count and checksum) with the source as it was at backup time and as it is now, drop the scratch
    schema, and record the result."""
    names = list(store_names or drill_pair())
    scratch = f"drill_{town.code}_{secrets.token_hex(4)}"
    drill = DrillRun.objects.create(municipality=town, town_code=town.code, stores=names, started_at=timezone.now())
    started = time.perf_counter()
    report: dict = {"scratch_schema": scratch, "tables": {}}
    try:
        result = backup_restore(town_code=town.code, store_names=names, as_new_schema=scratch,
                                backup_id=backup_id, actor=actor, stores=stores)
        drill.backup_id = result.backup_id
        with connection.cursor() as cursor:
            live = pgio.table_checksums(cursor, town.schema_name)
        for table, restored in sorted(result.tables.items()):
            report["tables"][table] = {"rows": restored["rows"], "md5": restored["md5"],
                                       "matches_backup": True, "matches_live_source": live.get(table) == restored}
        report["tables_only_in_live_source"] = sorted(set(live) - set(result.tables))
        drill.tables_compared = len(result.tables)
        drill.ok = True
    except RestoreRefused as exc:
        drill.error = exc.message
        logger.error("drill of %s failed: %s", town.code, exc.log_message)
    finally:
        if pgio.schema_exists(scratch):
            pgio.schema_drop(scratch)
        report["scratch_dropped"] = not pgio.schema_exists(scratch)
    drill.report = report
    drill.finished_at = timezone.now()
    drill.duration_seconds = time.perf_counter() - started
    drill.save()
    platform_audit_record(actor=actor, action="backup.drill", municipality_code=town.code, target_type="backup",
                          target_id=drill.backup_id, outcome="ok" if drill.ok else "failed",
                          detail={"stores": names, "tables": drill.tables_compared, "error": drill.error})
    return drill
