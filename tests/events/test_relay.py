"""The outbox and its relay, in process: order, idempotency, failures, parking, replay, lag, CLI."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context

from kyodo.cli import build_parser
from kyodo.identity.principal import StaffPrincipal, VendorPrincipal
from kyodo.tenantlog import outbox, relay
from kyodo.tenantlog.models import ConsumerState, HandledEvent, OutboxEvent, ParkedEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(town_a):
    with tenant_context(town_a):
        yield town_a


def _emit(town, n, *, aggregate="a1", event_type="test.happened", actor=None):
    with transaction.atomic():
        return [outbox.emit(application="relaytest", event_type=event_type, town=town, actor=actor,
                            aggregate_type="thing", aggregate_id=aggregate, payload={"i": i}) for i in range(n)]


def test_events_get_gap_free_positions_and_the_envelope(in_a, clerk_a):
    principal = StaffPrincipal(user_id=clerk_a.pk, username="clerk-a", municipality_code="412066",
                               roles=frozenset({"counter_clerk"}))
    rows = _emit(in_a, 3, actor=principal)
    assert [r.position for r in rows] == [rows[0].position, rows[0].position + 1, rows[0].position + 2]
    stored = OutboxEvent.objects.get(pk=rows[0].pk)
    assert (stored.application, stored.event_type, stored.aggregate_type, stored.aggregate_id) == (
        "relaytest", "test.happened", "thing", "a1")
    assert (stored.actor_kind, stored.actor_id, stored.actor_name, stored.schema_version) == (
        "staff", str(clerk_a.pk), "clerk-a", 1)
    assert stored.event_id and stored.occurred_at is not None


def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(in_a):
    before = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _emit(in_a, 2)
        raise RuntimeError("the change failed")
    assert OutboxEvent.objects.count() == before
    after = _emit(in_a, 1)[0]
    assert after.position == (OutboxEvent.objects.exclude(pk=after.pk).order_by("-position")
                              .values_list("position", flat=True).first() or 0) + 1


def test_relay_delivers_in_order_once_and_replay_does_nothing(in_a, consumers):
    _emit(in_a, 3, aggregate="x")
    _emit(in_a, 2, aggregate="y")
    report = relay.relay_town(in_a)
    assert report.handled == {"relaytest.all": 5, "relaytest.flaky": 5, "relaytest.batched": 5}
    positions = [row[3] for row in consumers.RECORDED["relaytest.all"]]
    assert positions == sorted(positions)
    assert [row[2] for row in consumers.RECORDED["relaytest.all"]] == ["x", "x", "x", "y", "y"]
    # Again: nothing new, nothing handled twice.
    assert relay.relay_town(in_a).total_handled == 0
    event_id = consumers.RECORDED["relaytest.all"][0][1]
    results = relay.replay(in_a, event_id=event_id)
    assert {r.outcome for r in results} == {"already_handled"}
    assert len(consumers.RECORDED["relaytest.all"]) == 5
    assert HandledEvent.objects.filter(consumer="relaytest.all").count() == 5


def test_consumers_only_get_the_types_they_subscribed_to(in_a, consumers):
    _emit(in_a, 2, event_type="other.thing")
    _emit(in_a, 1, event_type="test.thing")
    relay.relay_town(in_a)
    assert len(consumers.RECORDED["relaytest.all"]) == 3
    assert len(consumers.RECORDED["relaytest.flaky"]) == 1
    # Both cursors are past every event, subscribed or not.
    newest = OutboxEvent.objects.order_by("-position").first().position
    assert set(ConsumerState.objects.values_list("position", flat=True)) == {newest}


def test_a_failing_consumer_backs_off_without_blocking_the_others_then_is_parked(in_a, consumers, settings):
    rows = _emit(in_a, 4)
    consumers.FAIL_ON.add(str(rows[2].event_id))
    report = relay.relay_town(in_a)
    assert report.handled == {"relaytest.all": 4, "relaytest.flaky": 2, "relaytest.batched": 2}
    assert "flaky consumer refuses" in report.failed["relaytest.flaky"]
    assert report.retry_in and report.retry_in > 0
    state = ConsumerState.objects.get(consumer="relaytest.flaky")
    assert state.failures == 1 and state.position == rows[1].position and state.next_attempt_at is not None
    # The events before the failing one were recorded as handled (once); nothing after it was delivered.
    # (They were run twice: the batch is rolled back to its savepoint and the part before the failure
    # re-run, so only effects outside the database can see a second delivery.)
    assert list(HandledEvent.objects.filter(consumer="relaytest.flaky").order_by("position")
                .values_list("event_id", flat=True)) == [rows[0].event_id, rows[1].event_id]
    assert {r[1] for r in consumers.RECORDED["relaytest.flaky"]} == {str(rows[0].event_id), str(rows[1].event_id)}
    # While backing off the consumer is not retried.
    assert relay.relay_town(in_a).handled.get("relaytest.flaky", 0) == 0
    from kyodo.config import RELAY

    for attempt in range(2, RELAY.max_failures + 1):
        ConsumerState.objects.filter(consumer="relaytest.flaky").update(next_attempt_at=None)
        report = relay.relay_town(in_a)
        if attempt < RELAY.max_failures:
            assert ConsumerState.objects.get(consumer="relaytest.flaky").failures == attempt
    parked = ParkedEvent.objects.get(consumer="relaytest.flaky")
    assert parked.event_id == rows[2].event_id and parked.failures == RELAY.max_failures
    # After parking, the consumer went on with the next event.
    assert [r[1] for r in consumers.RECORDED["relaytest.flaky"]][-1] == str(rows[3].event_id)
    lag = {c.consumer: c for c in relay.consumer_lag(in_a)}
    assert lag["relaytest.flaky"].parked == 1 and lag["relaytest.flaky"].pending == 0
    # Fixed: replaying the parked event delivers it once.
    consumers.FAIL_ON.clear()
    results = relay.replay(in_a)
    assert [(r.consumer, r.outcome) for r in results] == [("relaytest.flaky", "handled")]
    assert relay.replay(in_a) == []
    assert sum(1 for r in consumers.RECORDED["relaytest.flaky"] if r[1] == str(rows[2].event_id)) == 1
    assert ParkedEvent.objects.get(pk=parked.pk).replayed_at is not None


def test_replay_never_jumps_ahead_of_the_cursor(in_a, consumers):
    rows = _emit(in_a, 1)
    results = relay.replay(in_a, event_id=str(rows[0].event_id))
    assert {r.outcome for r in results} == {"not_reached"}
    assert consumers.RECORDED["relaytest.all"] == []


def test_lag_counts_pending_events_per_consumer(in_a, consumers):
    _emit(in_a, 3)
    lag = {c.consumer: c for c in relay.consumer_lag(in_a)}
    assert lag["relaytest.all"].pending >= 3 and lag["relaytest.all"].lag_seconds >= 0
    assert relay.has_pending(in_a)
    relay.relay_town(in_a)
    assert not relay.has_pending(in_a)
    assert all(c.pending == 0 for c in relay.consumer_lag(in_a))


def test_an_approved_change_reaches_a_consumer_with_the_actor_in_the_envelope(in_a, clerk_a, approver_a,
                                                                            consumers):
    from tenants.residents import services
    from tests.residents.conftest import move_in_data

    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data())
    services.change_approve(actor=approver_a, town=in_a, change=change)
    relay.relay_town(in_a)
    types = list(OutboxEvent.objects.filter(position__in=[r[3] for r in consumers.RECORDED["relaytest.all"]])
                 .order_by("position").values_list("event_type", "actor_name"))
    assert ("residents.change_submitted", "clerk-a") in types
    assert ("residents.change_approved", "approver-a") in types and ("residents.moved_in", "approver-a") in types
    assert [t for t, _ in types].index("residents.change_submitted") < [t for t, _ in types].index(
        "residents.moved_in")


def test_cli_list_lag_replay_relay(in_a, consumers, capsys):
    rows = _emit(in_a, 2)

    def run(*argv):
        args = build_parser().parse_args(["events", *argv])
        return args.func(args)

    assert run("lag", "--town", "412066") == 0
    assert "relaytest.all\tposition=" in capsys.readouterr().out
    assert run("relay", "--town", "412066") == 0
    assert "relaytest.all\thandled=" in capsys.readouterr().out
    assert run("list", "--town", "412066", "--limit", "2") == 0
    out = capsys.readouterr().out
    assert str(rows[1].event_id) in out and "relaytest.all" in out
    assert run("replay", "--town", "412066", "--event", str(rows[0].event_id)) == 0
    assert "already_handled" in capsys.readouterr().out
    assert run("replay", "--town", "412066") == 2
    assert run("lag", "--town", "999999") == 2


def test_events_and_cursors_of_one_town_are_invisible_from_another(in_a, town_b, consumers, capsys):
    rows = _emit(in_a, 2)
    relay.relay_town(in_a)
    with schema_context(town_b.schema_name):
        assert not OutboxEvent.objects.filter(event_id__in=[r.event_id for r in rows]).exists()
        assert not HandledEvent.objects.filter(event_id__in=[r.event_id for r in rows]).exists()
        assert relay.replay(town_b, event_id=str(rows[0].event_id)) == []
        with pytest.raises(RuntimeError):  # town A's call outside town A's schema is refused
            relay.relay_town(in_a)
    args = build_parser().parse_args(["events", "list", "--town", "412074"])
    args.func(args)
    assert str(rows[0].event_id) not in capsys.readouterr().out


def test_vendor_and_system_actors_are_named_in_the_envelope(in_a):
    vendor = VendorPrincipal(client_id="vendor-acme", vendor_name="ACME", municipality_codes=frozenset({"412066"}),
                             datasets=frozenset({"residents"}))
    row = _emit(in_a, 1, actor=vendor)[0]
    assert (row.actor_kind, row.actor_id, row.actor_name) == ("vendor", "vendor-acme", "ACME")
    row = _emit(in_a, 1)[0]
    assert row.actor_kind == "system"


def test_the_outbox_is_append_only(in_a):
    from django.db import DatabaseError

    _emit(in_a, 1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tenantlog_outboxevent SET event_type = 'forged'")


def test_a_batch_handler_gets_the_whole_batch_and_a_failure_is_found_event_by_event(in_a, consumers):
    rows = _emit(in_a, 7)
    relay.relay_town(in_a, batch=5, consumer="relaytest.batched")
    assert consumers.BATCHES == [5, 2]  # one call per relay batch, not per event
    assert [r[1] for r in consumers.RECORDED["relaytest.batched"]] == [str(r.event_id) for r in rows]

    more = _emit(in_a, 4)
    consumers.RECORDED["relaytest.batched"].clear()
    consumers.FAIL_ON.add(str(more[2].event_id))
    report = relay.relay_town(in_a, consumer="relaytest.batched")
    assert set(report.handled) <= {"relaytest.batched"} and report.handled.get("relaytest.batched") == 2
    assert "batched consumer refuses" in report.failed["relaytest.batched"]
    state = ConsumerState.objects.get(consumer="relaytest.batched")
    assert state.position == more[1].position and state.failures == 1
    assert list(HandledEvent.objects.filter(consumer="relaytest.batched", position__gt=rows[-1].position)
                .order_by("position").values_list("event_id", flat=True)) == [more[0].event_id, more[1].event_id]
