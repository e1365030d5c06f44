"""The console's イベント配信状況 page and ``kyodo audit verify --town [--app]``."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from kyodo.cli import build_parser
from kyodo.tenantlog import outbox, relay

pytestmark = pytest.mark.django_db


def test_console_shows_lag_failures_and_parked_events_per_town(console_client, town_a, town_b, consumers):
    from kyodo.config import RELAY
    from kyodo.tenantlog.models import ConsumerState

    with tenant_context(town_a):
        with transaction.atomic():
            rows = [outbox.emit(application="relaytest", event_type="test.x", town=town_a) for _ in range(3)]
        consumers.FAIL_ON.add(str(rows[1].event_id))
        for _ in range(RELAY.max_failures):
            ConsumerState.objects.filter(consumer="relaytest.flaky").update(next_attempt_at=None)
            relay.relay_town(town_a)
    with tenant_context(town_b), transaction.atomic():
        outbox.emit(application="relaytest", event_type="test.y", town=town_b)
    page = console_client.get("/console/events/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-code="412066" data-consumer="relaytest.flaky" class="parked"' in body
    assert 'data-code="412074" data-consumer="relaytest.all"' in body
    assert "flaky consumer refuses" in body
    assert "kyodo events replay" in body
    # Only the prefecture administrator sees it; town staff are refused.
    from django.contrib.auth import get_user_model

    from tests.conftest import logged_in_client

    clerk = logged_in_client(get_user_model().objects.get(username="clerk-a"), "localhost")
    assert clerk.get("/console/events/").status_code == 403


def test_console_list_links_to_the_event_status(console_client):
    assert 'id="event-status-link"' in console_client.get("/console/").content.decode()


def _verify(*argv) -> int:
    args = build_parser().parse_args(["audit", "verify", *argv])
    return args.func(args)


def test_audit_verify_for_a_town_and_one_application(town_a, clerk_a, capsys):
    from kyodo.tenantlog import audit

    with tenant_context(town_a):
        for app in ("residents", "relaytest"):
            audit.record(application=app, town=town_a, actor=clerk_a, action="person.read", person_id=1,
                         purpose="確認")
    assert _verify("--town", "412066") == 0
    out = capsys.readouterr().out
    assert "residents:412066 audit chain ok" in out and "relaytest:412066 audit chain ok" in out
    assert _verify("--town", "412066", "--app", "residents") == 0
    out = capsys.readouterr().out
    assert "residents:412066" in out and "relaytest" not in out
    assert _verify("--town", "999999") == 2
    assert _verify() == 0  # the platform chain, as before
    assert "platform audit chain ok" in capsys.readouterr().out


def test_audit_verify_reports_a_broken_chain_of_one_application(town_a, clerk_a, capsys):
    from django.db import connection

    from kyodo.tenantlog import audit

    with tenant_context(town_a):
        for _ in range(3):
            audit.record(application="relaytest", town=town_a, actor=clerk_a, action="person.read", person_id=2)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("UPDATE tenantlog_auditentry SET purpose = 'x' WHERE chain = 'relaytest:412066' AND seq = 2")
            cursor.execute("SET LOCAL session_replication_role = origin")
    assert _verify("--town", "412066", "--app", "relaytest") == 1
    assert "relaytest:412066 audit chain BROKEN at entry 2" in capsys.readouterr().err
