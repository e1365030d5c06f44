"""Schemathesis (GraphQL mode) against the running endpoint over real HTTP: queries generated from the
committed SDL, sent to town A's host with a vendor token whose contract is 412066 × residents only.
No answer may be a 500, and none may carry the resident of another town (「鹿島 特異」)."""

from __future__ import annotations

import threading

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import TAKEO, vendor_token
from tests.conftest import PASSWORD
from tests.residents.conftest import move_in_data, person_data

pytestmark = pytest.mark.slow

SDL = "platform/kyodo/api/schema.graphql"
OTHER_HOST = "shiroishi-hostile.test"
UNIQUE_NAME = ("鹿島", "特異")
MAX_EXAMPLES = 60


@pytest.fixture
def other_town_resident(committed):
    """A town the token does not cover, committed (the server's threads see only committed rows), with one
    resident whose name is found nowhere else; the town and its users are removed afterwards."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import StaffMembership
    from tenants.residents import services

    town = committed.provision(code="414255", name="白石町", name_kana="シロイシチョウ", hosts=[OTHER_HOST],
                               applications=["residents"])
    users = []
    for username, role in (("hostile-clerk", "counter_clerk"), ("hostile-approver", "approver")):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        StaffMembership.objects.create(user=user, municipality=town, role=role)
        users.append(user)
    with tenant_context(town):
        change = services.change_submit(
            actor=users[0], town=town, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
            data=move_in_data([person_data(family_name=UNIQUE_NAME[0], given_name=UNIQUE_NAME[1],
                                           family_name_kana="カシマ", given_name_kana="トクイ")],
                              address="佐賀県杵島郡白石町大字福田1247番地1", katagaki=""))
        services.change_approve(actor=users[1], town=town, change=change)
        from tenants.residents.models import PersonVersion

        assert PersonVersion.objects.filter(is_current=True, given_name=UNIQUE_NAME[1]).count() == 1
    try:
        yield town
    finally:
        for user in users:
            StaffMembership.objects.filter(user=user).delete()
            user.delete()


@pytest.fixture
def live_endpoint(committed, other_town_resident, oidc_settings, idp):
    """The Django application on a free loopback port, in threads of this process (so it sees the test
    settings: the IdP, the test database), and a token of vendor-acme with its contract narrowed to
    town A × residents (committed, restored afterwards)."""
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from kyodo.api.throttle import _redis
    from kyodo.identity.models import ServiceAccount

    account, created = ServiceAccount.objects.update_or_create(client_id="vendor-acme", defaults={
        "vendor_name": "ACME滞納管理", "municipality_codes": ["412066"], "datasets": ["residents"],
        "persisted_queries_only": False, "active": True})
    cache.clear()

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):  # noqa: ANN002
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", vendor_token(idp), _redis
    finally:
        server.shutdown()
        server.server_close()
        if created:
            account.delete()


def test_schemathesis_finds_no_500_and_no_other_towns_resident(live_endpoint):
    import schemathesis

    base_url, token, redis = live_endpoint
    headers = {"Host": TAKEO, "Authorization": f"Bearer {token}", "Idempotency-Key": "schemathesis"}
    session = requests.Session()
    schema = schemathesis.graphql.from_path(SDL)
    seen: list[tuple[str, int]] = []
    failures: list[str] = []

    def examples(operation):
        @given(case=operation.as_strategy(), fresh=st.booleans())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case, fresh):
            if fresh:  # half the cases with a full bucket, so that throttling does not hide the rest
                for key in redis().scan_iter("kyodo:api:bucket:*"):
                    redis().delete(key)
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
            seen.append((operation.label, response.status_code))
            body = response.content.decode("utf-8", "replace")
            if response.status_code >= 500:
                failures.append(f"{operation.label}: {response.status_code} for {case.body!r}: {body[:300]}")
            if "特異" in body or "トクイ" in body or OTHER_HOST in body:
                failures.append(f"{operation.label}: another town's resident in the answer to {case.body!r}")

        return run

    for result in schema.get_all_operations():
        examples(result.ok())()

    labels = {label for label, _ in seen}
    assert len(labels) >= 8, labels  # every root field of Query and Mutation was exercised
    assert len(seen) >= 8 * 10, len(seen)
    assert any(status == 200 for _, status in seen), seen[:20]
    assert failures == [], failures[:10]
