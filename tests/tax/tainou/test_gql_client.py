"""The 滞納管理 vendor's exchange as its own client runs it: ``gql`` (RequestsHTTPTransport, the committed SDL)
over real HTTP against a live server with a client-credentials token — read the 調定 page by page, write a
payment back with an Idempotency-Key, retry it after a lost answer (``replayed``, no second 収納), and fetch
the day's file."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.requests import RequestsHTTPTransport

from tests.api.conftest import TAKEO
from tests.api.test_walkthrough import live_town_server  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCHEMA = (Path(__file__).resolve().parents[3] / "platform" / "kyodo" / "api" / "schema.graphql").read_text()
CHARGES = gql("""query Charges($after: String) {
  taxCharges(townCode: "412066", fiscalYear: null, first: 1, after: $after) {
    nodes { id name amount balance } pageInfo { hasNextPage endCursor } } }""")
PAY = gql("""mutation Pay($id: ID!, $amount: BigInt!) {
  taxPaymentRecord(chargeId: $id, amount: $amount, paidOn: "2025-06-30", channel: "滞納整理") {
    payment { amount } charge { balance } errors { field } replayed } }""")
FILES = gql("{ taxDeliveries { nodes { fileName sha256 contentBase64 } } }")


def _client(base: str, token: str, key: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}", "Host": TAKEO}
    if key:
        headers["Idempotency-Key"] = key
    return Client(transport=RequestsHTTPTransport(url=f"{base}/graphql/", timeout=10, retries=0, headers=headers),
                  schema=SCHEMA)


def test_the_vendor_reads_writes_back_and_fetches_over_http(live_town_server, tax_vendor, ledger, tax_a):  # noqa: F811
    import hashlib

    from django.db import connection
    from django_tenants.utils import tenant_context

    from tenants.tax.models import Payment
    from tenants.tax.tainou import services

    services.deliveries_write(actor=None, town=tax_a)
    connection.set_schema_to_public()  # as between requests: the server's middleware picks the town
    reader = _client(live_town_server, tax_vendor.token)
    names, after = [], None
    while True:
        page = reader.execute(GraphQLRequest(CHARGES, variable_values={"after": after}))["taxCharges"]
        names += [(n["name"], n["amount"], n["id"]) for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [(n, a) for n, a, _ in names] == [("山田 太郎", 50_000), ("株式会社武雄製作所", 404_000)]

    writer = _client(live_town_server, tax_vendor.token, key="gql-pay-1")
    variables = {"id": names[1][2], "amount": 104_000}
    first = writer.execute(GraphQLRequest(PAY, variable_values=variables))["taxPaymentRecord"]
    retry = writer.execute(GraphQLRequest(PAY, variable_values=variables))["taxPaymentRecord"]  # answer "lost"
    assert first == {"payment": {"amount": 104_000}, "charge": {"balance": 300_000}, "errors": [], "replayed": False}
    assert retry["replayed"] is True and retry["charge"] == {"balance": 300_000}

    files = reader.execute(GraphQLRequest(FILES))["taxDeliveries"]["nodes"]
    content = base64.b64decode(files[0]["contentBase64"])
    assert hashlib.sha256(content).hexdigest() == files[0]["sha256"] and "武雄製作所".encode() in content
    with tenant_context(tax_a):
        assert list(Payment.objects.values_list("amount", flat=True)) == [104_000]
