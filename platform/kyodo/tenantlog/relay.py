"""The outbox relay (イベント配信): deliver a town's committed events to every registered consumer.

Guarantees (docs/events.md):

- **In order.** Each consumer has a cursor (``ConsumerState.position``) and reads the town's events in
  commit order; it never passes an event it has not handled or parked, so the order of events of
  one aggregate (and of the whole town) holds for every consumer.
- **At least once, handled once.** The consumer's handler runs inside the transaction that records
  ``HandledEvent(consumer, event_id)`` and moves the cursor. If the worker dies half-way, that
  transaction never commits: the events are delivered again, and whatever the handler wrote to the
  town's tables was rolled back with it. An event already recorded as handled is skipped, so a
  replay does nothing.
- **One consumer's failure blocks only itself.** A failing handler rolls back to the batch's
  savepoint; the events before it are re-run and committed, the failure is counted and the
  consumer waits (exponential back-off) before the next try. After ``KYODO_RELAY_MAX_FAILURES``
  failures the event is parked (``ParkedEvent``), shown in the console, and the consumer goes on.
  Other consumers are not held up.
- **One relay per consumer and town at a time**: the cursor row is locked ``FOR UPDATE SKIP
  LOCKED``; a second relay skips what the first is doing.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from kyodo import registry
from kyodo.config import RELAY
from kyodo.registry import ConsumerSpec

from .audit import assert_in_town
from .models import ConsumerState, HandledEvent, OutboxEvent, ParkedEvent
from .outbox import Event

logger = logging.getLogger(__name__)


@dataclass
class RelayReport:
    schema_name: str
    handled: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    parked: dict[str, int] = field(default_factory=dict)
    retry_in: float | None = None

    @property
    def total_handled(self) -> int:
        return sum(self.handled.values())

    def retry_after(self, seconds: float) -> None:
        """A consumer waits ``seconds`` before its next try: the relay comes back at the earliest."""
        self.retry_in = seconds if self.retry_in is None else min(self.retry_in, seconds)


def town_consumers(town) -> list[ConsumerSpec]:
    """The consumers of the applications this town uses."""
    enabled = {app.code for app in registry.enabled_for(town)}
    return [spec for app, spec in registry.consumers() if app.code in enabled]


def _backoff(failures: int) -> float:
    return min(RELAY.backoff_seconds * (2 ** max(0, failures - 1)), RELAY.backoff_max_seconds)


def _type_filter(spec: ConsumerSpec) -> Q:
    if not spec.event_types:
        return Q()
    condition = Q(pk__in=[])
    for pattern in spec.event_types:
        condition |= Q(event_type__startswith=pattern[:-1]) if pattern.endswith(".*") else Q(event_type=pattern)
    return condition


def relay_town(town, *, batch: int | None = None, max_batches: int | None = None,
               consumer: str | None = None) -> RelayReport:
    """Deliver every pending event of ``town`` (the current schema) to each of its consumers (or only to the
    one named ``consumer``)."""
    assert_in_town(town)
    report = RelayReport(town.schema_name)
    for spec in town_consumers(town):
        if consumer is not None and spec.name != consumer:
            continue
        _drain(town, spec, report, batch or RELAY.batch, max_batches)
    return report


def _drain(town, spec: ConsumerSpec, report: RelayReport, batch: int, max_batches: int | None) -> None:
    handler = registry.load_callable(spec.handler)
    many = registry.load_callable(spec.batch_handler) if spec.batch_handler else None
    rounds = 0
    while max_batches is None or rounds < max_batches:
        rounds += 1
        outcome = _one_batch(town, spec, handler, report, batch, many)
        if outcome == "missing":
            ConsumerState.objects.get_or_create(consumer=spec.name)
            outcome = _one_batch(town, spec, handler, report, batch, many)
        if outcome != "more":
            return


def _run(handler, town, events: list[Event]) -> tuple[int, Exception] | None:
    """Run the handler over ``events`` under one savepoint; on an error roll the whole run back and
    say where it failed."""
    savepoint = transaction.savepoint()
    for index, event in enumerate(events):
        try:
            handler(event, town)
        except Exception as exc:  # a consumer's failure of any kind is counted, never fatal here
            transaction.savepoint_rollback(savepoint)
            return index, exc
    transaction.savepoint_commit(savepoint)
    return None


class _HandlerFailed(Exception):
    """``index`` of the failing event, or None when a batch handler failed (which one is not known)."""

    def __init__(self, index: int | None, error: Exception):
        super().__init__(str(error))
        self.index = index
        self.error = error


def _one_batch(town, spec: ConsumerSpec, handler, report: RelayReport, batch: int, many=None) -> str:
    """One transaction: lock the cursor, take the next ``batch`` events, hand the wanted ones to the
    consumer (all at once to its batch handler, if it has one), record them as handled and move the cursor.
    A handler error rolls that transaction back; a second one then commits the events before the failing
    one and records the failure (after a batch handler's error, the second runs the handler event by
    event to find it)."""
    try:
        return _batch_transaction(town, spec, handler, report, batch, limit=None, many=many)
    except _HandlerFailed as failed:
        if failed.index is None:
            return _batch_transaction(town, spec, handler, report, batch, limit=None, one_by_one=True)
        return _batch_transaction(town, spec, handler, report, batch, limit=failed.index, failure=failed.error)


def _batch_transaction(town, spec: ConsumerSpec, handler, report: RelayReport, batch: int, *,
                       limit: int | None, failure: Exception | None = None, many=None,
                       one_by_one: bool = False) -> str:
    now = timezone.now()
    with transaction.atomic():
        state = ConsumerState.objects.select_for_update(skip_locked=True).filter(consumer=spec.name).first()
        if state is None:
            exists = ConsumerState.objects.filter(consumer=spec.name).exists()
            return "busy" if exists else "missing"  # busy: another relay is delivering to this consumer here
        if failure is None and state.next_attempt_at and state.next_attempt_at > now:
            report.retry_after((state.next_attempt_at - now).total_seconds())
            return "waiting"
        rows = [Event.from_values(values, town.code) for values in OutboxEvent.objects.filter(
            position__gt=state.position).order_by("position").values_list(*Event.COLUMNS)[:batch]]
        if not rows:
            return "empty"
        # Nothing past the cursor can have been handled: handling and moving the cursor commit together,
        # and a replay only ever handles events behind the cursor (tenantlog_handled_once guards it too).
        wanted = [r for r in rows if spec.wants(r.event_type)]
        if limit is None and many is not None:
            todo = wanted
            try:
                if todo:
                    many(todo, town)
            except Exception as exc:  # noqa: BLE001 - found event by event by the second pass
                raise _HandlerFailed(None, exc) from exc
        elif limit is None and not one_by_one:
            todo = wanted
            for index, event in enumerate(todo):
                try:
                    handler(event, town)
                except Exception as exc:  # noqa: BLE001 - counted by the second pass, never fatal here
                    raise _HandlerFailed(index, exc) from exc
        else:
            todo = wanted if limit is None else wanted[:limit]
            result = _run(handler, town, todo)
            if result is not None:  # it failed earlier this time: record that failure instead
                todo, failure = todo[: result[0]], result[1]
        handled_at = timezone.now()
        _record_handled(spec.name, todo, handled_at)
        report.handled[spec.name] = report.handled.get(spec.name, 0) + len(todo)
        if failure is None:
            state.position = rows[-1].position
            state.failures = 0
            state.next_attempt_at = None
            state.last_error = ""
            state.save(update_fields=["position", "failures", "next_attempt_at", "last_error", "updated_at"])
            return "more" if len(rows) == batch else "empty"
        return _record_failure(town, spec, state, wanted[len(todo)], failure, report, handled_at)


def _record_handled(consumer: str, events: list[Event], handled_at: dt.datetime) -> None:
    """One INSERT for a whole batch (arrays unnested by PostgreSQL)."""
    if not events:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenantlog_handledevent (consumer, event_id, position, handled_at, lag_ms) "
            "SELECT %s, e, p, %s, l FROM unnest(%s::uuid[], %s::bigint[], %s::float8[]) AS t(e, p, l)",
            [consumer, handled_at, [e.event_id for e in events], [e.position for e in events],
             [(handled_at - e.occurred_at).total_seconds() * 1000 for e in events]])


def _record_failure(town, spec: ConsumerSpec, state: ConsumerState, failed_row: Event, exc: Exception,
                    report: RelayReport, now) -> str:
    state.position = failed_row.position - 1
    state.failures += 1
    state.last_error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    report.failed[spec.name] = state.last_error
    logger.warning("consumer %s failed on event %s in %s (%d): %s", spec.name, failed_row.event_id,
                   town.schema_name, state.failures, state.last_error)
    if state.failures >= RELAY.max_failures:
        ParkedEvent.objects.create(consumer=spec.name, event_id=failed_row.event_id, position=failed_row.position,
                                   failures=state.failures, last_error=state.last_error, parked_at=now)
        report.parked[spec.name] = report.parked.get(spec.name, 0) + 1
        state.position = failed_row.position
        state.failures = 0
        state.next_attempt_at = None
        state.save()
        return "more"
    wait = _backoff(state.failures)
    state.next_attempt_at = now + dt.timedelta(seconds=wait)
    state.save()
    report.retry_after(wait)
    return "failed"


# --- replay, lag -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplayResult:
    consumer: str
    event_id: str
    outcome: str  # handled | already_handled | not_reached | failed | not_subscribed
    error: str = ""


def replay(town, *, event_id: str | None = None, consumer: str | None = None) -> list[ReplayResult]:
    """Deliver again: one event (to every consumer that wants it, or to ``consumer``), or every
    parked event. An event a consumer already handled is skipped (idempotent by event id); an event
    past a consumer's cursor is left to the relay, so order is never broken by a replay."""
    assert_in_town(town)
    specs = [s for s in town_consumers(town) if consumer is None or s.name == consumer]
    if event_id is not None:
        row = OutboxEvent.objects.filter(event_id=event_id).first()
        if row is None:
            return []
        targets = [(spec, row) for spec in specs if spec.wants(row.event_type)]
        if not targets:
            return [ReplayResult(s.name, str(row.event_id), "not_subscribed") for s in specs]
    else:
        names = {s.name: s for s in specs}
        parked = ParkedEvent.objects.filter(replayed_at__isnull=True, consumer__in=names).order_by("position")
        rows = {r.event_id: r for r in OutboxEvent.objects.filter(event_id__in=[p.event_id for p in parked])}
        targets = [(names[p.consumer], rows[p.event_id]) for p in parked if p.event_id in rows]
    return [_replay_one(town, spec, row) for spec, row in targets]


def _replay_one(town, spec: ConsumerSpec, row: OutboxEvent) -> ReplayResult:
    handler = registry.load_callable(spec.handler)
    with transaction.atomic():
        ConsumerState.objects.get_or_create(consumer=spec.name)
        state = ConsumerState.objects.select_for_update().get(consumer=spec.name)
        if HandledEvent.objects.filter(consumer=spec.name, event_id=row.event_id).exists():
            ParkedEvent.objects.filter(consumer=spec.name, event_id=row.event_id, replayed_at__isnull=True) \
                .update(replayed_at=timezone.now())
            return ReplayResult(spec.name, str(row.event_id), "already_handled")
        if row.position > state.position:
            return ReplayResult(spec.name, str(row.event_id), "not_reached")
        result = _run(handler, town, [Event.from_row(row, town.code)])
        if result is not None:
            error = "".join(traceback.format_exception_only(type(result[1]), result[1])).strip()[:2000]
            ParkedEvent.objects.filter(consumer=spec.name, event_id=row.event_id, replayed_at__isnull=True) \
                .update(last_error=error)
            return ReplayResult(spec.name, str(row.event_id), "failed", error)
        now = timezone.now()
        HandledEvent.objects.create(consumer=spec.name, event_id=row.event_id, position=row.position,
                                    handled_at=now, lag_ms=(now - row.occurred_at).total_seconds() * 1000)
        ParkedEvent.objects.filter(consumer=spec.name, event_id=row.event_id, replayed_at__isnull=True) \
            .update(replayed_at=now)
    return ReplayResult(spec.name, str(row.event_id), "handled")


@dataclass(frozen=True)
class ConsumerLag:
    consumer: str
    position: int
    pending: int
    oldest_pending_at: dt.datetime | None
    failures: int
    next_attempt_at: dt.datetime | None
    last_error: str
    parked: int
    parked_error: str = ""  # the newest parked event's last error

    @property
    def lag_seconds(self) -> float:
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, (timezone.now() - self.oldest_pending_at).total_seconds())


def consumer_lag(town) -> list[ConsumerLag]:
    """Per consumer: how far behind it is in this town (for ``kyodo events lag`` and the console)."""
    assert_in_town(town)
    states = {s.consumer: s for s in ConsumerState.objects.all()}
    parked = dict(ParkedEvent.objects.filter(replayed_at__isnull=True).values("consumer")
                  .annotate(n=Count("id")).values_list("consumer", "n"))
    out = []
    for spec in town_consumers(town):
        state = states.get(spec.name)
        position = state.position if state else 0
        pending = OutboxEvent.objects.filter(_type_filter(spec), position__gt=position)
        figures = pending.aggregate(n=Count("id"), oldest=Min("occurred_at"))
        parked_error = ""
        if parked.get(spec.name):
            parked_error = ParkedEvent.objects.filter(consumer=spec.name, replayed_at__isnull=True) \
                .order_by("-parked_at").values_list("last_error", flat=True).first() or ""
        out.append(ConsumerLag(spec.name, position, figures["n"], figures["oldest"],
                               state.failures if state else 0, state.next_attempt_at if state else None,
                               state.last_error if state else "", parked.get(spec.name, 0), parked_error))
    return out


def has_pending(town) -> bool:
    """Is a consumer of this town that is not backing off behind the newest event (two small
    queries)? A consumer in back-off has its own delayed retry and is not counted."""
    newest = OutboxEvent.objects.order_by("-position").values_list("position", flat=True).first()
    if newest is None:
        return False
    specs = town_consumers(town)
    if not specs:
        return False
    now = timezone.now()
    states = {name: (position, retry) for name, position, retry in ConsumerState.objects.filter(
        consumer__in=[s.name for s in specs]).values_list("consumer", "position", "next_attempt_at")}
    for spec in specs:
        position, retry = states.get(spec.name, (0, None))
        if position < newest and (retry is None or retry <= now):
            return True
    return False
