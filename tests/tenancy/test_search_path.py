"""The town's search path is set once per connection and town (``TENANT_LIMIT_SET_CALLS``). PostgreSQL undoes a
``SET`` issued inside a transaction or savepoint that rolls back, so after such a rollback the next query in town B
must set B's path again: it must never run with town A's path."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from ..conftest import TOWN_A, TOWN_B


class _Abort(Exception):
    pass


def _search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


def _switch_and_abort(a_schema: str, b_schema: str) -> None:
    with schema_context(a_schema):
        assert a_schema in _search_path()
    with schema_context(b_schema):
        with pytest.raises(_Abort), transaction.atomic():
            assert b_schema in _search_path()
            raise _Abort
        path = _search_path()
        assert b_schema in path and a_schema not in path


def _schemas() -> tuple[str, str]:
    from kyodo.tenancy.models import Municipality

    a, b = (Municipality.objects.get(code=t["code"]).schema_name for t in (TOWN_A, TOWN_B))
    return a, b


def test_a_rolled_back_transaction_in_town_b_does_not_leave_town_a_path(committed):
    assert connection.get_autocommit()  # a real transaction, not a savepoint inside the test's
    _switch_and_abort(*_schemas())


@pytest.mark.django_db
def test_a_rolled_back_savepoint_in_town_b_does_not_leave_town_a_path():
    with transaction.atomic():
        _switch_and_abort(*_schemas())


def test_the_path_is_set_once_per_town_and_not_before_every_query(committed):
    a, b = _schemas()
    seen: list[str] = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        with schema_context(a):
            for _ in range(3):
                _search_path()
        with schema_context(b):
            _search_path()
    sets = [sql for sql in seen if sql.startswith("SET search_path")]
    assert len(sets) == 2 and a in sets[0] and b in sets[1]
