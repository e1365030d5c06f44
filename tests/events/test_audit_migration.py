"""The residents registry's audit chain and outbox, written before they moved onto the shared
per-town tables, are carried over by the data migration: the chain still verifies, the outbox keeps
its order, and new entries continue the same chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from kyodo.audit.chain import GENESIS, HashChainedEntry, canonical
from kyodo.tenancy.db import use_public_schema

pytestmark = pytest.mark.django_db
SCHEMA = "town_mig_check"


def _legacy_entries(chain: str, n: int) -> list[dict]:
    """Entries exactly as the residents app hashed them before (no actor kind, no application)."""
    rows, prev = [], GENESIS
    start = dt.datetime(2024, 4, 1, 9, 0, tzinfo=dt.UTC)
    for seq in range(1, n + 1):
        data = {"chain": chain, "seq": seq, "created_at": start + dt.timedelta(minutes=seq), "actor_id": 7,
                "actor_username": "clerk-old", "municipality_code": "412066", "action": "person.read",
                "target_type": "person", "target_id": str(100 + seq), "purpose": "住民照会", "outcome": "ok",
                "detail": {"as_of": ""}, "prev_hash": prev}
        assert set(data) == set(HashChainedEntry.HASHED_FIELDS)
        digest = hashlib.sha256(canonical(data)).hexdigest()
        rows.append({**data, "entry_hash": digest})
        prev = digest
    return rows


def test_a_chain_written_before_the_move_verifies_after_it():
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{SCHEMA}"')
    call_command("migrate_schemas", "residents", "0002_append_only", schema_name=SCHEMA, tenant=True,
                 interactive=False, verbosity=0)
    town = SimpleNamespace(code="412066", schema_name=SCHEMA)
    entries = _legacy_entries("residents:412066", 5)
    with schema_context(SCHEMA), connection.cursor() as cursor:
        for e in entries:
            cursor.execute(
                "INSERT INTO residents_residentauditentry (chain, seq, created_at, actor_id, actor_username, "
                "municipality_code, action, target_type, target_id, purpose, outcome, detail, prev_hash, entry_hash) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [e["chain"], e["seq"], e["created_at"], e["actor_id"], e["actor_username"], e["municipality_code"],
                 e["action"], e["target_type"], e["target_id"], e["purpose"], e["outcome"], json.dumps(e["detail"]),
                 e["prev_hash"], e["entry_hash"]])
        cursor.execute("INSERT INTO residents_residentaudithead (chain, last_seq, last_hash) VALUES (%s, %s, %s)",
                       ["residents:412066", 5, entries[-1]["entry_hash"]])
        for n, kind in enumerate(("residents.change_approved", "residents.moved_in")):
            cursor.execute("INSERT INTO residents_outboxevent (event_type, aggregate_id, payload, created_at) "
                           "VALUES (%s, %s, %s, now())", [kind, "41", json.dumps({"schema": SCHEMA, "n": n})])
    use_public_schema()
    call_command("migrate_schemas", schema_name=SCHEMA, tenant=True, interactive=False, verbosity=0)

    from kyodo.tenantlog import audit
    from kyodo.tenantlog.models import AuditEntry, OutboxEvent

    with schema_context(SCHEMA):
        report = audit.verify(town, "residents")
        assert report.ok and report.entries_checked == 5
        assert set(AuditEntry.objects.values_list("scheme", flat=True)) == {1}
        # The chain goes on with entries of the new scheme, and still verifies.
        audit.record(application="residents", town=town, actor=None, action="person.read", person_id=101,
                     purpose="移行後の照会")
        report = audit.verify(town, "residents")
        assert report.ok and report.entries_checked == 6
        newest = AuditEntry.objects.order_by("-seq").first()
        assert (newest.scheme, newest.actor_kind, newest.application) == (2, "system", "residents")
        # Tampering with a moved entry is still found.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("UPDATE tenantlog_auditentry SET purpose = 'すり替え' WHERE seq = 3")
            cursor.execute("SET LOCAL session_replication_role = origin")
        assert audit.verify(town, "residents").first_broken_seq == 3
        events = list(OutboxEvent.objects.order_by("position").values_list("position", "event_type", "payload"))
        assert [(p, t) for p, t, _ in events] == [(1, "residents.change_approved"), (2, "residents.moved_in")]
        assert "schema" not in events[0][2] and events[0][2]["n"] == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('residents_residentauditentry'), to_regclass('residents_outboxevent')")
            assert cursor.fetchone() == (None, None)
    use_public_schema()
