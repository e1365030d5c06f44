"""Benchmark `backup`.

- ``encode_mb_s``: encrypt (AES-256-GCM) + 2-of-3 split (zfec) + SHA-256 of every block, one core,
  over a synthetic dump (1 GiB by default; ``--mb`` or KYODO_BENCH_BACKUP_MB for quick runs);
  baseline: plain ``pg_dump`` of a 100,000-row town to disk, MB/s, in the same run.
- ``restore_100k_s``: restore of a town of 100,000 residents (the residents registry filled by the demo
  generator: persons, households, history rows, audit chain) from two of three local S3 stores
  (moto servers over HTTP), checksums verified; baseline: loading the same plain, unencrypted
  pg_dump SQL with psql from local disk (no stores, no decryption, no verification).
- ``backup_100k_s``: the whole backup of that town to three stores; baseline: plain pg_dump to disk.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from .common import django_ready, emit, scratch_database

MB = 1024 * 1024


def encode_throughput(total_mb: int, chunk_mb: int = 8) -> float:
    from kyodo.backups import sharing

    codec = sharing.ChunkCodec(key=sharing.data_key_new(), backup_id="bench", town_code="414204")
    # Compressed dumps are high-entropy; 64 MiB of random bytes reused keeps memory flat.
    pool = os.urandom(64 * MB)
    chunk = chunk_mb * MB
    chunks = max(1, total_mb // chunk_mb)
    views = [pool[(i * chunk) % len(pool):(i * chunk) % len(pool) + chunk] for i in range(len(pool) // chunk)]
    started = time.perf_counter()
    for i in range(chunks):
        codec.encode(i, views[i % len(views)], final=i == chunks - 1)
    return chunks * chunk_mb / (time.perf_counter() - started)


def _fill(town, persons: int) -> int:
    """A town of ``persons`` synthetic residents (the demo generator; 10,000 × scale for this code)."""
    from tenants.residents.demo import residents_demo_populate

    return residents_demo_populate(town=town, scale=persons / 10_000, seed=1)


def pg_dump_to_disk(schema: str, path: Path) -> tuple[float, int]:
    from kyodo import pgtools

    started = time.perf_counter()
    subprocess.run([pgtools.client_binary("pg_dump"), *pgtools.conninfo(), "--schema", schema, "--no-owner", "--no-privileges",
                    "--quote-all-identifiers", "--file", str(path)], check=True, env=pgtools.client_env())
    return time.perf_counter() - started, path.stat().st_size


def psql_load(path: Path, schema: str) -> float:
    """Baseline restore: drop the town's schema and load the plain dump with psql from disk."""
    from kyodo import pgtools
    from kyodo.backups import pgio

    pgio.schema_drop(schema)
    started = time.perf_counter()
    subprocess.run([pgtools.client_binary("psql"), *pgtools.conninfo(), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1",
                    "--single-transaction", "-f", str(path)], check=True, env=pgtools.client_env(),
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks backup")
    parser.add_argument("--mb", type=int, default=int(os.environ.get("KYODO_BENCH_BACKUP_MB", "1024")),
                        help="size of the synthetic dump for encode_mb_s (default 1024)")
    parser.add_argument("--rows", type=int, default=100_000, help="residents in the measured town")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp, scratch_database():
        from kyodo.backups.embedded import free_ports, local_store_env, start_local_stores

        PORTS = tuple(free_ports(3))

        os.environ.update({k: v for k, v in local_store_env(PORTS, "kyodo-bench").items()})
        for key in [k for k in os.environ if k.startswith("KYODO_BACKUP_STORE_") and k.endswith("_ENDPOINT")]:
            del os.environ[key]  # let start_local_stores start our own servers
        _env, processes = start_local_stores(Path(tmp), ports=PORTS)
        os.environ.update(local_store_env(PORTS, "kyodo-bench"))
        os.environ.setdefault("KYODO_BACKUP_SIGNING_KEY", os.urandom(32).hex())
        from kyodo.config import backups_reconfigure

        backups_reconfigure()  # read at import, before these stores existed
        try:
            django_ready()
            from kyodo.backups import conf, pgio, services
            from kyodo.tenancy import services as tenancy

            for store in conf.configured_stores().values():
                store.ensure_bucket()
            town = tenancy.municipality_provision(actor=None, code="414204", name="計測町", name_kana="ケイソクチョウ")
            created = _fill(town, args.rows)

            encode = encode_throughput(args.mb)
            dump_path = Path(tmp) / "plain.sql"
            dump_seconds, dump_bytes = pg_dump_to_disk(town.schema_name, dump_path)
            dump_mb_s = dump_bytes / MB / dump_seconds

            run = services.backup_run(town=town)
            assert run.status == "succeeded", run.error
            started = time.perf_counter()
            result = services.backup_restore(town_code=town.code, store_names=["store-a", "store-c"],
                                             as_new_schema="bench_restored")
            restore_seconds = time.perf_counter() - started
            assert result.tables["residents_person"]["rows"] == created
            pgio.schema_drop("bench_restored")
            baseline_restore = psql_load(dump_path, town.schema_name)
        finally:
            for proc in processes:
                proc.terminate()

    emit("backup", "encode_mb_s", encode, "MB/s", dump_mb_s, encode / dump_mb_s, synthetic_mb=args.mb,
         goal=">=150 MB/s on one core", baseline_is="plain pg_dump to disk")
    emit("backup", "restore_100k_s", restore_seconds, "s", baseline_restore, baseline_restore / restore_seconds,
         rows=args.rows, stores="store-a+store-c", baseline_is="psql load of plain dump from disk")
    backup_seconds = float(run.duration_seconds or 0.0)
    emit("backup", "backup_100k_s", backup_seconds, "s", dump_seconds, dump_seconds / backup_seconds,
         rows=args.rows, dump_bytes=run.dump_bytes, stored_bytes=run.stored_bytes,
         baseline_is="plain pg_dump to disk")
    return 0
