"""docs/api.md's walk-through, as a vendor runs it: over real HTTP against a live server, with ``gql``
(RequestsHTTPTransport) and a client-credentials token from the development IdP — read every person
page by page, follow the change feed after a new 異動 is approved, resume after the end cursor, and
get throttled (HTTP 429, THROTTLED, Retry-After), then succeed after waiting.

The server is Django's LiveServerThread sharing this test's database connection (as Django's own
LiveServerTestCase does for in-memory SQLite), not pytest-django's ``live_server``: that one needs
``transactional_db``, whose flush at the end would empty the public schema and with it the two towns
the session onboarded. Sharing the connection keeps the test inside its rolled-back transaction; the
requests are strictly one after the other (the test waits for each answer), so it is never used by
two threads at once."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
import requests
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

from tests.api.conftest import TAKEO
from tests.residents.conftest import move_in_data, person_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCHEMA = (Path(__file__).resolve().parents[2] / "platform" / "kyodo" / "api" / "schema.graphql").read_text()

PERSONS = gql("""query Persons($after: String) {
  persons(first: 2, after: $after) {
    nodes { id fullName fullNameKana birthDate address { address } household { number } }
    pageInfo { hasNextPage endCursor } } }""")
FEED = gql("""query Feed($after: String) {
  changes(after: $after, first: 100) {
    nodes { eventId type occurredAt subjects data } pageInfo { hasNextPage endCursor } } }""")
NAMES = gql("""query Names($ids: [ID!]!) { nodes(ids: $ids) { ... on Person { fullName } } }""")
BIG_PAGE = gql("{ persons(first: 57) { nodes { id } } }")  # requested cost 2 + 57 × 1 = 59


@pytest.fixture
def live_town_server():
    """A live HTTP server in this process on a free loopback port, on this test's connection."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connections
    from django.test.testcases import LiveServerThread

    class Server(ThreadedWSGIServer):
        def _close_connections(self):  # the shared connection stays open (and in its transaction)
            pass

    class Thread(LiveServerThread):
        server_class = Server

        def run(self):
            for alias, conn in self.connections_override.items():
                connections[alias] = conn
            try:
                self.httpd = self._create_server(connections_override=self.connections_override)
                self.port = self.httpd.server_address[1]
                from django.core.handlers.wsgi import WSGIHandler

                self.httpd.set_app(WSGIHandler())
                self.is_ready.set()
                self.httpd.serve_forever()
            except Exception as error:  # reported to the test by the fixture
                self.error = error
                self.is_ready.set()

    connection = connections["default"]
    connection.inc_thread_sharing()
    # A request's start and end would close a connection that is not in autocommit (ours, in the
    # test's transaction); Django's test client disconnects these for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    thread = Thread("127.0.0.1", static_handler=None, connections_override={"default": connection})
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        connection.dec_thread_sharing()


def _move_in(clerk, town, approve, family, kana, code, given="太郎"):
    from tenants.residents import services

    change = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data(
                                        [person_data(family_name=family, given_name=given, family_name_kana=kana,
                                                     resident_code=code)],
                                        address=f"佐賀県武雄市朝日町{code[-2:]}番地"))
    return approve(change)


def test_the_walkthrough_of_docs_api_md(live_town_server, contract, settings, in_a, clerk_a, approve):
    from django.db import connection

    for family, kana, code in (("田中", "タナカ", "12345678905"), ("中村", "ナカムラ", "12345678906"),
                               ("松尾", "マツオ", "12345678907")):
        _move_in(clerk_a, in_a, approve, family, kana, code)
    connection.set_schema_to_public()  # as between requests: the server's middleware picks the town
    # 1. A token for one town: client credentials at the realm's token endpoint (tests/api/conftest.py).
    token = contract(towns=("412066",), datasets=("residents",)).token
    transport = RequestsHTTPTransport(url=f"{live_town_server}/graphql/", timeout=10, retries=0,
                                      headers={"Authorization": f"Bearer {token}", "Host": TAKEO})
    client = Client(transport=transport, schema=SCHEMA)  # the committed SDL: queries checked before sending

    # 2. Every person, page by page (2 a page), following pageInfo.endCursor.
    names, after, pages = [], None, 0
    while True:
        page = client.execute(GraphQLRequest(PERSONS, variable_values={"after": after}))["persons"]
        pages += 1
        names += [p["fullName"] for p in page["nodes"]]
        assert all(p["id"] and p["household"]["number"] for p in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(names) == ["中村 太郎", "松尾 太郎", "田中 太郎"] and pages == 2
    cost = client.execute(GraphQLRequest(PERSONS, variable_values={"after": None}), get_execution_result=True)
    assert cost.extensions["cost"]["requestedQueryCost"] >= cost.extensions["cost"]["actualQueryCost"] > 0

    # 3. The change feed: read to the end, remember the end cursor.
    seen: set[str] = set()
    feed = client.execute(GraphQLRequest(FEED, variable_values={"after": None}))["changes"]
    assert "residents.moved_in" in [e["type"] for e in feed["nodes"]]
    seen.update(e["eventId"] for e in feed["nodes"])
    end = feed["pageInfo"]["endCursor"]
    assert client.execute(GraphQLRequest(FEED, variable_values={"after": end}))["changes"]["nodes"] == []  # nothing new yet

    # 4. A new 異動 is approved at the counter; the vendor resumes after its end cursor.
    _move_in(clerk_a, in_a, approve, "古賀", "コガ", "12345678908", given="花子")
    connection.set_schema_to_public()
    fresh = client.execute(GraphQLRequest(FEED, variable_values={"after": end}))["changes"]
    new = [e for e in fresh["nodes"] if e["eventId"] not in seen]
    assert [e["type"] for e in new] == ["residents.change_submitted", "residents.change_approved",
                                        "residents.moved_in"]
    moved = new[-1]
    named = client.execute(GraphQLRequest(NAMES, variable_values={"ids": moved["subjects"]}))["nodes"]
    assert [n for n in named if n] == [{"fullName": "古賀 花子"}]  # the household and the 異動 are subjects too
    seen.update(e["eventId"] for e in new)
    # At least once: reading from the old cursor again delivers the same events, de-duplicated by eventId.
    again = client.execute(GraphQLRequest(FEED, variable_values={"after": end}))["changes"]["nodes"]
    assert {e["eventId"] for e in again} <= seen
    assert client.execute(GraphQLRequest(FEED, variable_values={"after": fresh["pageInfo"]["endCursor"]}))["changes"]["nodes"] == []

    # 5. Throttling: a small bucket (the server runs in this process, so it sees this setting).
    settings.KYODO_API = dataclasses.replace(settings.KYODO_API, bucket_size=60, max_cost=60, restore_rate=2.0)
    from kyodo.api.throttle import _redis

    for key in _redis().scan_iter("kyodo:api:bucket:*"):
        _redis().delete(key)
    refused = None
    for _ in range(5):
        try:
            client.execute(BIG_PAGE)  # 59 taken, 59 − 6 given back (4 persons): the next one is refused
        except TransportQueryError as error:  # gql reads the GraphQL body of the 429
            refused = error
            break
    assert refused is not None and refused.errors is not None
    extensions = refused.errors[0]["extensions"]
    assert extensions["code"] == "THROTTLED" and extensions["messageJa"].startswith("利用上限")
    assert transport.response_headers is not None
    retry_after = int(transport.response_headers["Retry-After"])
    assert extensions["retryAfter"] == retry_after and 1 <= retry_after <= 3
    assert refused.extensions is not None
    status = refused.extensions["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 60 and status["currentlyAvailable"] < 59
    # The same request over plain HTTP, within the wait: 429 with Retry-After, and nothing taken.
    raw = requests.post(f"{live_town_server}/graphql/", json={"query": "{ persons(first: 57) { nodes { id } } }"},
                        headers={"Authorization": f"Bearer {token}", "Host": TAKEO}, timeout=10)
    assert raw.status_code == 429 and int(raw.headers["Retry-After"]) >= 1
    time.sleep(retry_after)
    assert len(client.execute(BIG_PAGE)["persons"]["nodes"]) == 4  # after waiting: answered
