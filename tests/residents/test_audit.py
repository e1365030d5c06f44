"""The per-town audit chain: `kyodo residents audit-verify --town CODE` finds the first broken link."""

from __future__ import annotations

import pytest
from django.db import connection

from kyodo.cli import build_parser
from kyodo.tenantlog.models import AuditEntry
from tenants.residents import audit, selectors

pytestmark = pytest.mark.django_db


def _verify(code: str) -> int:
    args = build_parser().parse_args(["residents", "audit-verify", "--town", code])
    return args.func(args)


def _reads(household, clerk_a, town, n=3):
    for _ in range(n):
        selectors.person_get(actor=clerk_a, town=town, person_id=household["taro"].person_id)


def test_intact_chain_verifies(household, clerk_a, in_a, capsys):
    _reads(household, clerk_a, in_a)
    assert _verify("412066") == 0
    out = capsys.readouterr().out
    assert "residents audit chain ok" in out


def test_tampered_row_is_reported_as_the_first_broken_link(household, clerk_a, in_a, capsys):
    _reads(household, clerk_a, in_a)
    target = AuditEntry.objects.filter(action="person.read").order_by("seq").first()
    with connection.cursor() as cursor:
        # The append-only trigger blocks ordinary updates; a superuser bypassing triggers is what the chain is for.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE tenantlog_auditentry SET purpose = 'すり替え' WHERE id = %s", [target.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert _verify("412066") == 1
    err = capsys.readouterr().err
    assert f"BROKEN at entry {target.seq}" in err
    assert audit.verify(in_a).first_broken_seq == target.seq


def test_deleted_row_is_found(household, clerk_a, in_a):
    _reads(household, clerk_a, in_a)
    last = AuditEntry.objects.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM tenantlog_auditentry WHERE id = %s", [last.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    report = audit.verify(in_a)
    assert not report.ok and report.first_broken_seq == last.seq


def test_audit_rows_cannot_be_updated_normally(household, in_a):
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tenantlog_auditentry")


def test_each_town_has_its_own_chain(household, clerk_a, in_a, town_b, in_town):
    assert _verify("412074") == 0
    with in_town(town_b):
        assert not AuditEntry.objects.exists()


def test_unknown_town_is_an_error(capsys):
    assert _verify("999999") == 2


def test_audit_page_is_for_auditors_and_chiefs(household, client_a, chief_a, in_a):
    from tests.conftest import logged_in_client

    assert client_a.get("/residents/audit/").status_code == 403
    chief = logged_in_client(chief_a, "takeo.test")
    body = chief.get("/residents/audit/", {"atena": household["taro"].person.atena_number}).content.decode()
    assert "ハッシュ連鎖: 正常" in body and "異動の決裁（本登録）" in body and ">change.approve<" not in body
