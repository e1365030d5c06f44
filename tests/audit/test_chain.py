"""The platform audit log is append-only and tamper-evident."""

import pytest
from django.db import DatabaseError, connection, transaction

from kyodo.audit.models import PlatformAuditEntry
from kyodo.audit.services import platform_audit_record, platform_audit_verify

pytestmark = pytest.mark.django_db


def _three_entries(actor):
    return [platform_audit_record(actor=actor, action=f"test.{i}", detail={"n": i, "名前": "武雄"}) for i in range(3)]


def test_chain_verifies_when_untouched(pref_admin):
    _three_entries(pref_admin)
    report = platform_audit_verify()
    assert report.ok and report.entries_checked >= 3


def test_update_and_delete_are_refused_by_the_database(pref_admin):
    entry = _three_entries(pref_admin)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        PlatformAuditEntry.objects.filter(pk=entry.pk).update(purpose="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        PlatformAuditEntry.objects.filter(pk=entry.pk).delete()


def _as_superuser_bypassing_trigger(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_platformauditentry DISABLE TRIGGER audit_platformauditentry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_platformauditentry ENABLE TRIGGER audit_platformauditentry_append_only")


def test_edited_row_is_reported_as_the_first_broken_link(pref_admin):
    entries = _three_entries(pref_admin)
    _as_superuser_bypassing_trigger("UPDATE audit_platformauditentry SET purpose = 'forged' WHERE id = %s",
                                    [entries[1].pk])
    report = platform_audit_verify()
    assert not report.ok
    assert report.first_broken_seq == entries[1].seq
    assert "content" in report.reason


def test_deleted_row_is_detected(pref_admin):
    entries = _three_entries(pref_admin)
    _as_superuser_bypassing_trigger("DELETE FROM audit_platformauditentry WHERE id = %s", [entries[1].pk])
    report = platform_audit_verify()
    assert not report.ok and report.first_broken_seq == entries[1].seq


def test_truncated_tail_is_detected(pref_admin):
    entries = _three_entries(pref_admin)
    _as_superuser_bypassing_trigger("DELETE FROM audit_platformauditentry WHERE id = %s", [entries[-1].pk])
    report = platform_audit_verify()
    assert not report.ok and report.first_broken_seq == entries[-1].seq
