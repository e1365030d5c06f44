"""The change feed (at least once, stable cursors, resumable, filtered by scope, protected persons
withheld), throttling, registered queries, introspection, and onboarding through the API with an
idempotency key."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from tests.api.conftest import Api
from tests.residents.conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

FEED = """query Feed($after: String, $first: Int, $types: [String!]) {
  changes(after: $after, first: $first, types: $types) {
    edges { cursor node { eventId type subjects data } } pageInfo { hasNextPage endCursor } } }"""


def _move_in(clerk, town, approve, family="田中", kana="タナカ", code="12345678905"):
    from tenants.residents import services

    change = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data(
                                        [person_data(family_name=family, family_name_kana=kana, resident_code=code)],
                                        address=f"佐賀県武雄市朝日町{code[-2:]}番地"))
    return approve(change)


def test_the_feed_delivers_events_in_order_and_resumes_after_its_cursor(vendor_api, in_a, clerk_a, approve):
    _move_in(clerk_a, in_a, approve)
    first = vendor_api.data(FEED, {"first": 2})["changes"]
    types = [e["node"]["type"] for e in first["edges"]]
    assert types == ["residents.change_submitted", "residents.change_approved"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = vendor_api.data(FEED, {"after": first["pageInfo"]["endCursor"]})["changes"]
    assert [e["node"]["type"] for e in rest["edges"]] == ["residents.moved_in"]
    moved = rest["edges"][0]["node"]
    assert moved["data"] == {"kind": "move_in", "effectiveOn": "2024-04-01"}
    person = vendor_api.data("query N($id: ID!) { node(id: $id) { ... on Person { fullName } } }",
                             {"id": moved["subjects"][0]})["node"]
    assert person == {"fullName": "田中 太郎"}
    # Nothing new: an empty page with the same end cursor; the same cursor again gives the same events.
    end = rest["pageInfo"]["endCursor"]
    assert vendor_api.data(FEED, {"after": end})["changes"] == {"edges": [], "pageInfo": {"hasNextPage": False,
                                                                                         "endCursor": end}}
    again = vendor_api.data(FEED, {"after": first["pageInfo"]["endCursor"]})["changes"]
    assert [e["node"]["eventId"] for e in again["edges"]] == [moved["eventId"]]
    _move_in(clerk_a, in_a, approve, family="中村", kana="ナカムラ", code="12345678906")
    later = vendor_api.data(FEED, {"after": end, "types": ["residents.moved_in"]})["changes"]
    assert [e["node"]["type"] for e in later["edges"]] == ["residents.moved_in"]


def test_the_feed_withholds_protected_persons_and_suppression_events(vendor_api, in_a, clerk_a, approve, chief_a):
    from tenants.residents import services

    change = _move_in(clerk_a, in_a, approve)
    services.support_measure_create(actor=chief_a, town=in_a, person_id=change.person_ids[0], starts_on="2024-06-01")
    edges = vendor_api.data(FEED, {"first": 100})["changes"]["edges"]
    assert edges == []  # every event so far concerns the protected person, or is a 抑止
    assert "田中" not in str(edges)


def test_the_feed_needs_a_dataset_the_token_may_read(contract, in_a, clerk_a, approve):
    _move_in(clerk_a, in_a, approve)
    body = contract(datasets=("tax",)).post(FEED).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"] is None


def test_a_vendor_over_its_bucket_is_throttled_politely(vendor_api, settings, in_a, clerk_a, approve):
    settings.KYODO_API = dataclasses.replace(settings.KYODO_API, bucket_size=60, max_cost=60, restore_rate=1.0)
    query = "{ persons(first: 50) { nodes { id } } }"  # requested 2 + 50 × 1 = 52
    vendor_api.data(query)  # actual cost 2 (no persons): 50 refunded
    assert vendor_api.post(query).status_code == 200
    response = None
    for _ in range(3):
        response = vendor_api.post("{ persons(first: 57) { nodes { id } } }")  # 59 points: more than is left
        if response.status_code == 429:
            break
    assert response is not None and response.status_code == 429
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert int(response["Retry-After"]) >= 1
    assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 60


def test_introspection_is_off_for_vendors_outside_debug(vendor_api, settings):
    settings.DEBUG = False
    response = vendor_api.post("{ __schema { types { name } } }")
    assert response.status_code == 400
    assert "introspection" in response.json()["errors"][0]["message"].lower()
    typo = vendor_api.post("{ persns(first: 1) { nodes { id } } }").json()
    assert "Did you mean" not in typo["errors"][0]["message"]


def test_registered_queries_and_a_vendor_that_may_run_only_those(contract, in_a, clerk_a, approve):
    from kyodo.api.services import persisted_query_register

    _move_in(clerk_a, in_a, approve)
    strict = contract(persisted_only=True)
    text = "query Names { persons(first: 5) { nodes { fullName } } }"
    refused = strict.post(text).json()
    assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"
    digest = hashlib.sha256(text.encode()).hexdigest()
    unknown = strict.post(extensions={"persistedQuery": {"version": 1, "sha256Hash": digest}}).json()
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    row = persisted_query_register(actor=None, client_id="vendor-acme", document=text, name="names")
    assert row.sha256 == digest
    answer = strict.data(None, extensions={"persistedQuery": {"version": 1, "sha256Hash": digest}})
    assert answer["persons"]["nodes"] == [{"fullName": "田中 太郎"}]


def test_municipality_create_runs_once_per_idempotency_key(oidc_settings, pref_admin, clerk_a):
    from django.test import Client

    from kyodo.tenancy.models import Municipality

    client = Client()
    client.force_login(pref_admin)
    api = Api(client, None, host="localhost")
    mutation = """mutation On($input: MunicipalityCreateInput!) { municipalityCreate(input: $input) {
                    municipality { code name } errors { field messageJa } replayed } }"""
    new_town = {"code": "413411", "name": "基山町", "nameKana": "キヤマチョウ", "applications": ["residents"]}
    token = client.get("/console/").cookies.get("csrftoken")
    headers = {"Idempotency-Key": "onboard-413411", "X-CSRFToken": token.value if token else ""}
    client.handler.enforce_csrf_checks = False
    first = api.data(mutation, {"input": new_town}, headers=headers)["municipalityCreate"]
    assert first == {"municipality": {"code": "413411", "name": "基山町"}, "errors": [], "replayed": False}
    again = api.data(mutation, {"input": new_town}, headers=headers)["municipalityCreate"]
    assert again["replayed"] is True and Municipality.objects.filter(code="413411").count() == 1
    other = api.post(mutation, {"input": {**new_town, "name": "別の町"}}, headers=headers).json()
    assert other["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    bad = api.data(mutation, {"input": {**new_town, "code": "999999"}},
                   headers={**headers, "Idempotency-Key": "onboard-bad"})["municipalityCreate"]
    assert bad["municipality"] is None and bad["errors"][0]["field"] == "code"
    clerk = Client()
    clerk.force_login(clerk_a)
    refused = Api(clerk, None, host="localhost").post(mutation, {"input": new_town}, headers={
        "Idempotency-Key": "x"}).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
