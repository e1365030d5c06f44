"""The transactional outbox (送信箱): town applications write domain events here, in the same
transaction as the change they describe, so an event exists if and only if its change committed.

Commit order. ``position`` is taken from the town's one counter row with ``UPDATE … RETURNING``,
which holds that row's lock until the writing transaction ends. A second writer in the same town
waits for the first to commit (or roll back, which also undoes its increment), so positions are
gap-free and become visible in increasing order: a reader that sees position *n* has already seen
every position below it. That is what lets each consumer keep a simple cursor. The lock is per
town (no cross-town sequence), held only from the event write to commit — services write their
events last.

After commit the relay is kicked (kyodo.tenantlog.tasks); the periodic sweep catches anything a
lost kick missed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kyodo.identity.principal import AuditActor, audit_actor_of

from .audit import assert_in_town
from .models import OutboxEvent


@dataclass(frozen=True)
class Event:
    """What a consumer receives: the envelope and the payload of one event."""

    event_id: str
    position: int
    town_code: str
    application: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    schema_version: int
    occurred_at: dt.datetime
    actor: AuditActor
    payload: dict[str, Any]

    # Columns read by the relay, in the order of :meth:`from_values` (no model instances on the hot path).
    COLUMNS = ("event_id", "position", "application", "event_type", "aggregate_type", "aggregate_id",
               "schema_version", "occurred_at", "actor_kind", "actor_id", "actor_name", "payload")

    @classmethod
    def from_values(cls, values: tuple, town_code: str) -> Event:
        (event_id, position, application, event_type, aggregate_type, aggregate_id, schema_version, occurred_at,
         actor_kind, actor_id, actor_name, payload) = values
        return cls(event_id=str(event_id), position=position, town_code=town_code, application=application,
                   event_type=event_type, aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                   schema_version=schema_version, occurred_at=occurred_at,
                   actor=AuditActor(actor_kind, actor_id, actor_name), payload=payload)

    @classmethod
    def from_row(cls, row: OutboxEvent, town_code: str) -> Event:
        return cls(event_id=str(row.event_id), position=row.position, town_code=town_code,
                   application=row.application, event_type=row.event_type, aggregate_type=row.aggregate_type,
                   aggregate_id=row.aggregate_id, schema_version=row.schema_version, occurred_at=row.occurred_at,
                   actor=AuditActor(row.actor_kind, row.actor_id, row.actor_name), payload=dict(row.payload))


def _next_positions(count: int) -> int:
    """Reserve ``count`` positions; returns the last. Locks the town's counter until commit."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tenantlog_outboxcounter SET last_position = last_position + %s "
                       "WHERE id = 1 RETURNING last_position", [count])
        row = cursor.fetchone()
        if row is None:
            cursor.execute("INSERT INTO tenantlog_outboxcounter (id, last_position) VALUES (1, %s) "
                           "ON CONFLICT (id) DO UPDATE SET last_position = tenantlog_outboxcounter.last_position "
                           "+ EXCLUDED.last_position RETURNING last_position", [count])
            row = cursor.fetchone()
    return int(row[0])


def emit(*, application: str, event_type: str, town, actor=None, aggregate_type: str = "",
         aggregate_id: Any = "", payload: dict[str, Any] | None = None, schema_version: int = 1) -> OutboxEvent:
    """Write one event in the caller's transaction (see :func:`emit_many`)."""
    return emit_many(application=application, town=town, actor=actor, events=[{
        "event_type": event_type, "aggregate_type": aggregate_type, "aggregate_id": aggregate_id,
        "payload": payload or {}, "schema_version": schema_version}])[0]


def emit_many(*, application: str, town, actor, events: list[dict[str, Any]]) -> list[OutboxEvent]:
    """Write events (dicts of event_type, aggregate_type, aggregate_id, payload, schema_version) in
    the caller's transaction, in the given order, with the acting principal in each envelope."""
    assert_in_town(town)
    if not events:
        return []
    who = audit_actor_of(actor) or AuditActor("system", "", "")
    now = timezone.now()
    with transaction.atomic():
        last = _next_positions(len(events))
        rows = [OutboxEvent(
            position=last - len(events) + 1 + i, application=application, event_type=e["event_type"],
            aggregate_type=e.get("aggregate_type", ""), aggregate_id=str(e.get("aggregate_id", "")),
            schema_version=e.get("schema_version", 1),
            payload=json.loads(json.dumps(e.get("payload") or {}, ensure_ascii=False, default=str)),
            occurred_at=now, actor_kind=who.kind, actor_id=who.id[:100], actor_name=who.name[:150],
        ) for i, e in enumerate(events)]
        OutboxEvent.objects.bulk_create(rows)
        _kick_after_commit(town.schema_name)
    return rows


def _kick_after_commit(schema_name: str) -> None:
    """Wake the relay for this town once the transaction commits (once per transaction)."""
    for entry in connection.run_on_commit:
        if getattr(entry[1], "kyodo_relay_kick", None) == schema_name:
            return

    def kick() -> None:
        from .tasks import relay_kick

        relay_kick(schema_name)

    kick.kyodo_relay_kick = schema_name  # type: ignore[attr-defined]
    transaction.on_commit(kick)
