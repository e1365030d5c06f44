"""The platform audit log's filter indexes: the console's filters (town, user, action, outcome, date)
run as index scans on a log of tens of thousands of entries, and the table stays append-only."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from kyodo.audit.models import PlatformAuditEntry
from kyodo.console.selectors import AuditFilter, platform_audit_search

pytestmark = pytest.mark.django_db

ROWS = 20_000
ACTIONS = ["identity.login", "identity.logout", "town.access_refused", "backup.run", "municipality.suspend"]


@pytest.fixture
def big_log():
    """A log as a busy consortium has it after months: 20 towns and a small one (1 in 500), 200 users,
    1 in 100 refused."""
    start = timezone.now() - dt.timedelta(days=300)
    PlatformAuditEntry.objects.bulk_create([
        PlatformAuditEntry(
            chain="bench-indexes", seq=i, created_at=start + dt.timedelta(minutes=15 * i),
            actor_username=f"user-{i % 200}", municipality_code="409999" if i % 500 == 0 else f"4{i % 20:05d}", action=ACTIONS[i % 5],
            outcome="refused" if i % 100 == 0 else "ok", prev_hash="0" * 64, entry_hash=uuid.uuid4().hex * 2)
        for i in range(1, ROWS + 1)], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_platformauditentry")
    return start


def _plan(filters: AuditFilter) -> str:
    return platform_audit_search(filters)[:50].explain()


@pytest.mark.parametrize("filters, index", [
    (AuditFilter(town="409999"), "audit_pae_town_seq"),
    (AuditFilter(user="user-17"), "audit_pae_user_seq"),
    (AuditFilter(outcome="refused"), "audit_pae_outcome_seq"),
    (AuditFilter(), "audit_pae_seq"),
])
def test_each_filter_uses_its_index(big_log, filters, index):
    plan = _plan(filters)
    assert index in plan and "Seq Scan" not in plan, plan


def test_a_date_range_uses_the_created_at_or_seq_index(big_log):
    day = (big_log + dt.timedelta(days=100)).astimezone(timezone.get_current_timezone()).date()
    plan = _plan(AuditFilter(date_from=day, date_to=day))
    assert ("audit_pae_created" in plan or "audit_pae_seq" in plan) and "Seq Scan" not in plan, plan
    assert len(platform_audit_search(AuditFilter(date_from=day, date_to=day))) == 96  # every 15 minutes


def test_an_action_filter_with_a_town_uses_an_index(big_log):
    plan = _plan(AuditFilter(action="backup.run", town="400003"))
    assert "Index" in plan and "Seq Scan" not in plan, plan


def test_the_table_is_still_append_only(big_log):
    entry = PlatformAuditEntry.objects.filter(chain="bench-indexes").first()
    for change in (lambda: PlatformAuditEntry.objects.filter(pk=entry.pk).update(outcome="ok"),
                   lambda: PlatformAuditEntry.objects.filter(pk=entry.pk).delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
