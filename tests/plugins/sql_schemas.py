"""Record the SQL the test run executes and check the preconditions of spreading towns over Citus workers
(schema-based sharding, ``docs/scaling.md``):

- no statement touches two town schemas (its own town schema + public, or public only);
- no advisory lock (it is one lock space per server, shared by every town on it);
- no connection's search path names two town schemas.

The hook sits below Django, on psycopg's cursor classes (``execute``, ``executemany``, ``copy``, ``stream`` and the
server-side cursor's ``execute``), so it also sees what bypasses Django's ``execute_wrapper``: ``COPY`` through
``cursor.cursor.copy`` (``kyodo.bulkcopy``, ``integrations.standard_spec``), raw psycopg cursors and connections
opened with ``psycopg.connect`` (backups). Each connection's search path is followed from the ``SET search_path``
statements it runs (django-tenants sets it that way); a statement's unqualified names resolve in the first town
schema of that path. Not seen: SQL run by other processes (the Celery worker, ``pg_dump``/``psql`` of backups).

On by default; ``KYODO_SQL_SCHEMAS=off`` turns it off. The report (counts, the statements that name a town schema,
violations) is written to ``KYODO_RECORD_SQL`` (default ``var/logs/sql-schemas.json``). Any violation fails the run:
the exit status becomes 1 and the violations are listed just before pytest's summary line. A test that must touch
two towns on purpose says so with ``@pytest.mark.sql_schemas_allowed("why")``; its statements are reported, not
failed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SHARED_SCHEMAS = frozenset({"public", "pg_catalog", "information_schema", "pg_toast"})
# Town schemas are town_<団体コード> (kyodo.tenancy.codes.schema_name_for); the template is a town schema too.
TOWN_SCHEMA = re.compile(r"town_\d+|kyodo_template")

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*+)'
_QUALIFIED = re.compile(rf"({_IDENT})\s*\.\s*(?=[\"A-Za-z_*])")
_SCHEMA_CLAUSE = re.compile(rf"\bSCHEMA\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?({_IDENT})", re.IGNORECASE)
_CREATE_SCHEMA = re.compile(rf"\bCREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?({_IDENT})", re.IGNORECASE)
_RENAME_SCHEMA = re.compile(rf"\bALTER\s+SCHEMA\s+{_IDENT}\s+RENAME\s+TO\s+({_IDENT})", re.IGNORECASE)
# A relation named without a schema: resolved through the search path. After a comma too (``FROM a.t x, t``), so
# a column list also counts: conservative, it matters only for a statement that also names another town.
_UNQUALIFIED = re.compile(
    rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|COPY|TRUNCATE|REFERENCES)\s+(?:ONLY\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"
    rf"{_IDENT}(?!\s*\.)|,\s*{_IDENT}(?!\s*[.(])", re.IGNORECASE)
_STRING = re.compile(r"'(?:[^']|'')*'")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_SEQUENCE_CALL = re.compile(r"\b(?:nextval|setval|currval)\s*\(\s*'((?:[^']|'')*)'", re.IGNORECASE)
_TOWN_NAME = re.compile(r"town_\d+|kyodo_template")
_ADVISORY = re.compile(r"\bpg_(?:try_)?advisory_\w+", re.IGNORECASE)
_SET_PATH = re.compile(r"^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?search_path\s*(?:=|TO)\s*(.*?)\s*;?\s*$",
                       re.IGNORECASE | re.DOTALL)
_SET_CONFIG_PATH = re.compile(r"set_config\s*\(\s*'search_path'\s*,\s*'((?:[^']|'')*)'", re.IGNORECASE)
# Cheap first look (plain substring tests, much faster than a case-insensitive regex): a statement with none of
# these, nor a schema made during the run, names no town schema and takes no advisory lock, so it touches at most
# the town of its search path.
_MARKS = ("town_", "kyodo_template", "dvisory", "DVISORY", "nextval", "setval", "currval", "NEXTVAL", "SETVAL",
          "CURRVAL")


def _may_name_a_town(sql: str, extra_schemas) -> bool:
    return any(mark in sql for mark in _MARKS) or any(schema in sql for schema in extra_schemas)


def _unquote(name: str) -> str:
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def is_town_schema(name: str, extra: frozenset[str] | set[str] = frozenset()) -> bool:
    return bool(TOWN_SCHEMA.fullmatch(name)) or (name in extra and name not in SHARED_SCHEMAS)


def parse_search_path(value: str) -> tuple[str, ...]:
    """``town_412066, "public"`` → ("town_412066", "public"); ``DEFAULT`` → the server default."""
    value = value.strip().strip("'")
    if value.upper() == "DEFAULT":
        return ("$user", "public")
    return tuple(_unquote(part.strip().strip("'")) for part in value.split(",") if part.strip())


def path_towns(search_path: tuple[str, ...], extra: frozenset[str] | set[str] = frozenset()) -> list[str]:
    return [s for s in search_path if is_town_schema(s, extra)]


def _spelled_towns(sql: str) -> set[str]:
    """Up to two distinct town schema names spelled in ``sql`` (each one found is removed before looking again)."""
    names: set[str] = set()
    rest = sql
    while len(names) < 2:
        found = _TOWN_NAME.search(rest)
        if not found:
            break
        names.add(found.group(0))
        rest = rest.replace(found.group(0), "")
    return names


@dataclass(frozen=True)
class Problem:
    kind: str  # "two-towns", "advisory-lock", "path-two-towns"
    detail: str


def analyse(sql: str, search_path: tuple[str, ...] = ("$user", "public"),
            extra_schemas: frozenset[str] | set[str] = frozenset(),
            towns_in_path: list[str] | None = None) -> tuple[set[str], set[str], list[Problem]]:
    """The town schemas one statement touches, those of them it names itself, and what is wrong with it.
    ``extra_schemas`` are non-town schemas made during the run (``CREATE SCHEMA``): treated as towns, since under
    Citus they would be distributed schemas too."""
    problems: list[Problem] = []
    if towns_in_path is None:
        towns_in_path = path_towns(search_path, extra_schemas)
    if len(towns_in_path) > 1:
        problems.append(Problem("path-two-towns", f"search_path {', '.join(search_path)}"))
    if not _may_name_a_town(sql, extra_schemas):
        return set(towns_in_path[:1]), set(), problems
    # Every town schema the statement could touch is spelled somewhere in it, or is its search path's town: with at
    # most one such name (a provisioning script of megabytes names only its own town) the statement is one town,
    # and the slow analysis below is skipped.
    spelled = _spelled_towns(sql) | {s for s in extra_schemas if s in sql}
    if len(spelled | set(towns_in_path[:1])) <= 1 and "TOWN_" not in sql and "KYODO_TEMPLATE" not in sql:
        advisory = _ADVISORY.search(sql) if "dvisory" in sql or "DVISORY" in sql else None
        if advisory:
            problems.append(Problem("advisory-lock", advisory.group(0)))
        return spelled | set(towns_in_path[:1]), spelled, problems
    if _ADVISORY.search(sql):
        problems.append(Problem("advisory-lock", _ADVISORY.search(sql).group(0)))  # type: ignore[union-attr]
    touched: set[str] = set()
    for literal in _SEQUENCE_CALL.findall(sql):
        # nextval('"town_x"."seq"') or nextval('town_x.seq'): the schema named in the literal
        match = _QUALIFIED.match(literal.replace("''", "'"))
        if match and is_town_schema(_unquote(match.group(1)), extra_schemas):
            touched.add(_unquote(match.group(1)))
    code = _STRING.sub("''", _COMMENT.sub(" ", sql))
    for name in _QUALIFIED.findall(code):
        schema = _unquote(name)
        if is_town_schema(schema, extra_schemas):
            touched.add(schema)
    for name in _SCHEMA_CLAUSE.findall(code):
        schema = _unquote(name)
        if is_town_schema(schema, extra_schemas):
            touched.add(schema)
    named = set(touched)
    if towns_in_path and _UNQUALIFIED.search(code):
        touched.add(towns_in_path[0])
    if len(touched) > 1:
        problems.append(Problem("two-towns", ", ".join(sorted(touched))))
    return touched, named, problems


# --- the recorder ---------------------------------------------------------------------------------------------

@dataclass
class Recorder:
    statements: Counter = field(default_factory=Counter)  # by kind of call
    in_town_path: int = 0
    distinct: set = field(default_factory=set)  # hashes of distinct statement texts
    naming_town: dict = field(default_factory=dict)  # statement text → count, statements that name a town schema
    violations: list = field(default_factory=list)
    extra_schemas: set = field(default_factory=set)
    current_test: str = "(session setup)"
    allowed_reason: str | None = None
    _seen_violations: set = field(default_factory=set)
    _paths: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)
    _towns_of_path: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def path_of(self, conn) -> tuple[str, ...]:
        return self._paths.get(conn, ("$user", "public"))

    def record(self, conn, sql: str, kind: str) -> None:
        self.statements[kind] += 1
        self.distinct.add(hash(sql))
        head = sql.lstrip()[:40].lower()
        if head.startswith("set") and "search_path" in head:
            match = _SET_PATH.match(sql)
            if match and ";" not in match.group(1):  # one SET; a script that starts with one is checked below
                self._paths[conn] = parse_search_path(match.group(1))
                return
        if "set_config" in sql:
            match = _SET_CONFIG_PATH.search(sql)
            if match:
                self._paths[conn] = parse_search_path(match.group(1).replace("''", "'"))
        if "CREATE SCHEMA" in sql or "create schema" in sql or "RENAME TO" in sql or "rename to" in sql:
            for pattern in (_CREATE_SCHEMA, _RENAME_SCHEMA):
                for name in pattern.findall(sql):
                    schema = _unquote(name)
                    if schema not in SHARED_SCHEMAS and not TOWN_SCHEMA.fullmatch(schema):
                        self.extra_schemas.add(schema)
                        self._towns_of_path.clear()
        path = self.path_of(conn)
        towns = self._towns_of_path.get(path)
        if towns is None:
            towns = self._towns_of_path[path] = path_towns(path, self.extra_schemas)
        _touched, named, problems = analyse(sql, path, self.extra_schemas, towns)
        if towns:
            self.in_town_path += 1
        if named:
            with self._lock:
                if len(self.naming_town) < 5000 or sql in self.naming_town:
                    self.naming_town[sql] = self.naming_town.get(sql, 0) + 1
        for problem in problems:
            key = (sql, problem.kind, self.current_test)
            if key in self._seen_violations:
                continue
            with self._lock:
                self._seen_violations.add(key)
                self.violations.append({
                    "kind": problem.kind, "detail": problem.detail, "sql": sql[:4000],
                    "search_path": list(path), "test": self.current_test, "allowed": self.allowed_reason,
                })

    def failing(self) -> list[dict]:
        return [v for v in self.violations if not v["allowed"]]

    def report(self) -> dict:
        return {
            "statements": sum(self.statements.values()), "by_call": dict(self.statements),
            "distinct_statements": len(self.distinct), "in_a_town_search_path": self.in_town_path,
            "statements_naming_a_town_schema": [{"sql": s[:2000], "count": n}
                                                for s, n in sorted(self.naming_town.items())],
            "schemas_made_during_the_run": sorted(self.extra_schemas),
            "violations": self.violations,
        }


RECORDER: Recorder | None = None
_ORIGINALS: dict = {}


def _text(cursor, query) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes | bytearray | memoryview):
        return bytes(query).decode("utf-8", "replace")
    try:
        return query.as_string(cursor.connection)  # psycopg.sql.Composable
    except Exception:
        return str(query)


def _wrap(name: str, original, kind: str):
    def wrapper(self, query, *args, **kwargs):
        recorder = RECORDER
        if recorder is not None:
            recorder.record(self.connection, _text(self, query), kind)
        return original(self, query, *args, **kwargs)

    wrapper.__name__ = name
    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Patch psycopg's cursor classes once per process."""
    import psycopg

    if _ORIGINALS:
        return
    targets = [(psycopg.Cursor, "execute", "execute"), (psycopg.Cursor, "executemany", "executemany"),
               (psycopg.Cursor, "copy", "copy"), (psycopg.Cursor, "stream", "stream"),
               (psycopg.ServerCursor, "execute", "server-cursor")]
    for cls, name, kind in targets:
        original = cls.__dict__[name]
        _ORIGINALS[(cls, name)] = original
        setattr(cls, name, _wrap(name, original, kind))


def uninstall() -> None:
    for (cls, name), original in _ORIGINALS.items():
        setattr(cls, name, original)
    _ORIGINALS.clear()


@contextlib.contextmanager
def recording():
    """``with recording() as rec:`` — a fresh recorder for the block (the session's is put back after), so a test
    can run statements that must be flagged without failing the run."""
    global RECORDER
    install()
    previous, RECORDER = RECORDER, Recorder()
    if previous is not None:
        RECORDER.extra_schemas = set(previous.extra_schemas)
        RECORDER._paths = previous._paths  # the connections keep their search paths
    try:
        yield RECORDER
    finally:
        RECORDER = previous


# --- pytest hooks ---------------------------------------------------------------------------------------------

def _enabled() -> bool:
    return os.environ.get("KYODO_SQL_SCHEMAS", "on").lower() not in ("off", "0", "no", "false")


def pytest_configure(config):
    global RECORDER
    config.addinivalue_line("markers", "sql_schemas_allowed(reason): statements of this test that touch two "
                                       "town schemas are reported, not failed (tests/plugins/sql_schemas.py)")
    if _enabled() and not hasattr(config, "workerinput"):
        install()
        RECORDER = Recorder()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    recorder = RECORDER
    if recorder is None:
        return (yield)
    marker = item.get_closest_marker("sql_schemas_allowed")
    recorder.current_test = item.nodeid
    recorder.allowed_reason = (marker.args[0] if marker.args else "marked") if marker else None
    try:
        return (yield)
    finally:
        recorder.current_test = "(between tests)"
        recorder.allowed_reason = None


def _report_path(config) -> Path:
    configured = os.environ.get("KYODO_RECORD_SQL")
    return Path(configured) if configured else Path(config.rootpath) / "var" / "logs" / "sql-schemas.json"


def pytest_sessionfinish(session, exitstatus):
    recorder = RECORDER
    if recorder is None:
        return
    path = _report_path(session.config)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(recorder.report(), ensure_ascii=False, indent=1), encoding="utf-8")
    if recorder.failing() and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    recorder = RECORDER
    if recorder is None:
        return
    failing = recorder.failing()
    total = sum(recorder.statements.values())
    if not failing:
        terminalreporter.write_line(
            f"sql-schemas: {total} statements checked, none touches two town schemas, no advisory lock "
            f"(report: {_report_path(config)})")
        return
    terminalreporter.write_sep("=", f"sql-schemas: {len(failing)} statement(s) break the one-town rule", red=True)
    for violation in failing[:50]:
        terminalreporter.write_line(f"{violation['kind']} [{violation['detail']}] in {violation['test']}")
        terminalreporter.write_line(f"    search_path={','.join(violation['search_path'])}")
        terminalreporter.write_line(f"    {violation['sql'][:500]}")
    terminalreporter.write_line(f"sql-schemas: the run fails (exit status 1); all of them in {_report_path(config)}",
                                red=True)
