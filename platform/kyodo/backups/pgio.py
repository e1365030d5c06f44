"""PostgreSQL side of backups: a consistent snapshot, pg_dump of one town schema, checksums, and a
restore through psql that commits only when the caller says every chunk was verified."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import zlib
from collections.abc import Iterator

import psycopg
from django.db import connection

from kyodo import pgtools

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _connect() -> psycopg.Connection:
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s["USER"] or "postgres"}
    if s.get("PASSWORD"):
        params["password"] = s["PASSWORD"]
    if s.get("HOST"):
        params["host"] = s["HOST"]
    if s.get("PORT"):
        params["port"] = str(s["PORT"])
    # autocommit: the caller's explicit BEGIN ... is then the transaction (psycopg would otherwise
    # open a READ COMMITTED one first and ignore the requested isolation level).
    return psycopg.connect(**params, application_name="kyodo-backup", autocommit=True)


def quote_ident(name: str) -> str:
    if not SCHEMA_NAME.match(name):
        raise ValueError(f"invalid identifier {name!r}")
    return f'"{name}"'


def table_checksums(cursor, schema: str) -> dict[str, dict]:
    """Per table: row count and md5 over the sorted md5s of each row's text (order-independent)."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname", [schema])
    tables = [row[0] for row in cursor.fetchall()]
    result = {}
    for table in tables:
        cursor.execute(
            f'SELECT count(*), coalesce(md5(string_agg(h, \'\' ORDER BY h)), md5(\'\')) '
            f'FROM (SELECT md5(t::text) AS h FROM {quote_ident(schema)}."{table}" t) rows')
        row = cursor.fetchone()
        assert row is not None
        count, digest = row
        result[table] = {"rows": count, "md5": digest}
    return result


def schema_exists(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        return cursor.fetchone() is not None


def schema_drop(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")


@contextlib.contextmanager
def snapshot(schema: str) -> Iterator[tuple[psycopg.Connection, str]]:
    """A read-only REPEATABLE READ transaction whose snapshot pg_dump shares (``--snapshot``), so the
    checksums, the public rows and the dump all describe the same moment."""
    conn = _connect()
    try:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot(), current_setting('transaction_isolation')").fetchone()
        assert row is not None and row[1] == "repeatable read", row
        yield conn, row[0]
    finally:
        with contextlib.suppress(Exception):
            conn.execute("ROLLBACK")
        conn.close()


def dump_start(schema: str, snapshot_id: str | None) -> subprocess.Popen:
    """pg_dump of one schema as plain SQL, gzip-compressed by pg_dump itself (its own process and
    core), streamed on stdout."""
    argv = [pgtools.client_binary("pg_dump"), *pgtools.conninfo(), "--schema", schema, "--no-owner", "--no-privileges",
            "--no-comments", "--quote-all-identifiers", "--compress", "1"]
    if snapshot_id:
        argv += ["--snapshot", snapshot_id]
    stderr = tempfile.TemporaryFile()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, env=pgtools.client_env(), bufsize=0)
    proc.stderr_file = stderr  # type: ignore[attr-defined]
    return proc


def process_errors(proc: subprocess.Popen) -> str:
    file = getattr(proc, "stderr_file", None)
    if file is None:
        return ""
    file.seek(0)
    return file.read().decode(errors="replace")[-2000:]


class SchemaRenameRefused(Exception):
    pass


class SqlRestorer:
    """Feed decompressed pg_dump SQL to psql inside BEGIN; COMMIT only from ``commit()``.

    The schema name is rewritten in DDL lines only (never inside COPY data) and only where it is a
    quoted identifier; a DDL line naming the schema any other way makes the restore refuse.
    """

    def __init__(self, *, source_schema: str, target_schema: str):
        quote_ident(source_schema)
        quote_ident(target_schema)
        self.source = source_schema.encode()
        self.target = target_schema.encode()
        self._quoted_source = b'"' + self.source + b'"'
        self._quoted_target = b'"' + self.target + b'"'
        self._rename = self.source != self.target
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._in_copy = False
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [pgtools.client_binary("psql"), *pgtools.conninfo(), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr, env=pgtools.client_env(),
        )
        assert self._proc.stdin is not None
        self._stdin = self._proc.stdin
        self._write(b"BEGIN;\n")

    def _write(self, data: bytes) -> None:
        try:
            self._stdin.write(data)
        except BrokenPipeError:
            self._proc.wait()
            raise RuntimeError(f"psql stopped: {self.errors()}") from None

    def errors(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def feed_compressed(self, data: bytes) -> None:
        self._feed_sql(self._inflate.decompress(data))

    def _feed_sql(self, sql: bytes) -> None:
        if not self._rename:
            self._write(sql)
            return
        data = self._pending + sql
        lines = data.split(b"\n")
        self._pending = lines.pop()
        out = []
        for line in lines:
            if self._in_copy:
                if line == b"\\.":
                    self._in_copy = False
                out.append(line)
                continue
            if self.source in line and not line.startswith(b"--"):  # pg_dump's "-- Name:" comments
                if line.count(self.source) != line.count(self._quoted_source):
                    raise SchemaRenameRefused(
                        f"dump names schema {self.source.decode()} outside a quoted identifier: "
                        f"{line[:200].decode(errors='replace')}")
                line = line.replace(self._quoted_source, self._quoted_target)
            if line.startswith(b"COPY ") and line.endswith(b"FROM stdin;"):
                self._in_copy = True
            out.append(line)
        out.append(b"")
        self._write(b"\n".join(out))

    def commit(self) -> None:
        if not self._inflate.eof:
            self.abort()
            raise RuntimeError("compressed dump ended early")
        if self._pending:
            self._write(self._pending)
            self._pending = b""
        self._write(b"\nCOMMIT;\n")
        self._stdin.close()
        if self._proc.wait() != 0:
            raise RuntimeError(f"psql failed: {self.errors()}")

    def abort(self) -> None:
        """Kill psql before COMMIT: PostgreSQL rolls the open transaction back."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self._stdin.close()
        self._proc.wait()
