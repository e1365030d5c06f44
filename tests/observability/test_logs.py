"""Log lines carry the work context — request id, town, principal — as JSON, and nothing of a person."""

from __future__ import annotations

import io
import json
import logging

import pytest

from kyodo.observability import context
from kyodo.observability.logs import ContextFilter, JsonFormatter
from tests.logprivacy import CANARY_KANA, CANARY_NAME

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """The JSON lines that the django.request logger writes during the test, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_staff_request_logs_its_id_town_and_principal(client_a, clerk_a, town_a, log_lines):
    response = client_a.get("/residents/no-such-page/", HTTP_X_REQUEST_ID="proxy-req-0001")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "proxy-req-0001"
    [line] = [x for x in log_lines() if x["message"].startswith("Not Found")]
    assert (line["request_id"], line["town"], line["principal"]) == ("proxy-req-0001", town_a.code,
                                                                     f"staff:{clerk_a.pk}")
    assert line["level"] == "WARNING" and line["logger"] == "django.request" and "time" in line


def test_an_unsafe_request_id_is_replaced(client_a, log_lines):
    response = client_a.get("/residents/no-such-page/", HTTP_X_REQUEST_ID=f"{CANARY_NAME} 123")
    rid = response["X-Request-ID"]
    assert rid != f"{CANARY_NAME} 123" and len(rid) == 32
    assert [x["request_id"] for x in log_lines()] == [rid]


def test_a_search_for_a_person_logs_no_name(client_a, log_lines):
    """A search by name and kana answers, and nothing of the query reaches the log (checked by the run-wide test
    too: the canary is one of its planted values)."""
    for q in (CANARY_NAME, CANARY_KANA):
        assert client_a.get("/residents/", {"q": q}).status_code == 200
    assert client_a.get(f"/residents/persons/999999999/?q={CANARY_NAME}").status_code == 404
    assert not [x for x in log_lines() if CANARY_NAME in json.dumps(x, ensure_ascii=False)]


def test_a_task_logs_its_id_town_and_principal():
    from kyodo.celery import _work_context_end, _work_context_start

    class Task:
        class request:  # noqa: N801 - Celery's attribute name
            pass

    task = Task()
    _work_context_start(task_id="task-0000-0001", task=task,
                        kwargs={"schema_name": "t412066", "principal": {"kind": "system", "name": "beat:x"}})
    try:
        work = context.current()
        assert (work.request_id, work.town, work.principal) == ("task-0000-0001", "t412066", "system:beat:x")
    finally:
        _work_context_end(task=task)
    assert context.current().request_id == "-"
