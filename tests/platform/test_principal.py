"""The caller principal: resolved once per request, roles read from it (no re-query), named in
audit records and event envelopes for staff, vendors and the system; tasks carry it explicitly."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from kyodo.identity.principal import (
    StaffPrincipal,
    SystemPrincipal,
    VendorPrincipal,
    from_task,
    staff_principal,
    task_principal,
)
from tenants.residents import permissions, selectors, services
from tests.residents.conftest import move_in_data

pytestmark = pytest.mark.django_db


def _membership_queries(ctx) -> int:
    return sum("identity_staffmembership" in q["sql"] for q in ctx.captured_queries)


def _pending(town, clerk, n):
    with tenant_context(town):
        for i in range(n):
            services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                   effective_on="2024-04-01",
                                   data=move_in_data(address=f"佐賀県武雄市武雄町大字武雄{100 + i}番地"))


@pytest.mark.parametrize("rows", [1, 6])
def test_roles_are_read_once_per_request_whatever_the_number_of_rows(town_a, clerk_a, approver_a, rows):
    from tests.conftest import logged_in_client

    _pending(town_a, clerk_a, rows)
    client = logged_in_client(approver_a, "takeo.test")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/residents/changes/")
    assert response.status_code == 200
    assert _membership_queries(ctx) == 1  # the access middleware's, reused by every check


def test_a_principal_answers_permission_checks_without_queries(town_a, clerk_a):
    principal = staff_principal(clerk_a, town_a, {"counter_clerk"})
    with tenant_context(town_a), CaptureQueriesContext(connection) as ctx:
        assert permissions.can_read(principal, town_a)
        assert not permissions.can_approve_changes(principal, town_a)
    assert _membership_queries(ctx) == 0


def test_a_principal_has_no_roles_in_another_town(town_a, town_b, clerk_a):
    principal = staff_principal(clerk_a, town_a, {"counter_clerk", "approver"})
    assert principal.roles_in(town_b) == frozenset()
    with tenant_context(town_b):
        assert not permissions.can_read(principal, town_b)
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            selectors.persons_search(actor=principal, town=town_b, query="ヤマダ")


def test_audit_records_say_who_for_staff_vendor_and_system(town_a, clerk_a):
    from kyodo.tenantlog import audit
    from kyodo.tenantlog.models import AuditEntry

    staff = staff_principal(clerk_a, town_a, {"counter_clerk"})
    vendor = VendorPrincipal(client_id="vendor-acme", vendor_name="ACME滞納管理", municipality_codes=frozenset({"412066"}),
                             datasets=frozenset({"residents"}))
    system = SystemPrincipal("relay:nhi.enrol")
    with tenant_context(town_a):
        for who in (staff, vendor, system):
            audit.record(application="residents", town=town_a, actor=who, action="person.read", person_id=1,
                         purpose="照会")
        rows = list(AuditEntry.objects.order_by("-seq").values_list("actor_kind", "actor_id", "actor_username")[:3])
    assert rows[::-1] == [("staff", clerk_a.pk, "clerk-a"), ("vendor", None, "ACME滞納管理"),
                          ("system", None, "system:relay:nhi.enrol")]


def test_tasks_carry_the_principal_and_refuse_to_run_without_one(clerk_a, town_a):
    staff = staff_principal(clerk_a, town_a, {"approver"})
    assert from_task(staff.to_task()) == staff
    vendor = VendorPrincipal(client_id="v", vendor_name="V", municipality_codes=frozenset({"412066"}),
                             datasets=frozenset({"residents"}))
    assert from_task(vendor.to_task()) == vendor
    on_behalf = from_task(task_principal(clerk_a, "console"))
    assert isinstance(on_behalf, SystemPrincipal) and on_behalf.on_behalf_of.name == "clerk-a"
    assert from_task(task_principal(None, "beat")) == SystemPrincipal("beat")
    for bad in ({}, None, {"kind": "root"}):
        with pytest.raises(ValueError):
            from_task(bad)
    from kyodo.tenancy.tasks import municipality_statistics_refresh

    with pytest.raises(TypeError):
        municipality_statistics_refresh(schema_name=town_a.schema_name)  # no principal: refused


def test_staff_principal_is_what_the_middleware_puts_on_the_request(client_a, town_a, clerk_a):
    from django.urls import path

    seen = {}

    def probe(request):
        from django.http import HttpResponse

        seen["principal"] = request.principal
        return HttpResponse("ok")

    from kyodo import registry
    from kyodo.registry import TownApplication

    module = type("M", (), {"urlpatterns": [path("", probe)]})
    import sys

    sys.modules["tests._principal_probe"] = module  # type: ignore[assignment]
    try:
        with registry.temporarily(TownApplication(code="probe", label="確認", urls="tests._principal_probe",
                                                  selectable=False)):
            assert client_a.get("/probe/").status_code == 200
    finally:
        del sys.modules["tests._principal_probe"]
    assert seen["principal"] == StaffPrincipal(user_id=clerk_a.pk, username="clerk-a", municipality_code="412066",
                                               roles=frozenset({"counter_clerk"}))


def test_every_beat_entry_of_a_new_task_names_its_principal():
    """Beat-started tasks carry the system principal of their schedule, like every other task."""
    from kyodo.celery import app
    from kyodo.tenantlog.tasks import relay_sweep

    sweep = app.conf.beat_schedule["events-relay-sweep"]
    assert from_task(sweep["kwargs"]["principal"]) == SystemPrincipal("beat:events-relay-sweep")
    with pytest.raises(TypeError):
        relay_sweep()
    assert relay_sweep(**sweep["kwargs"]) >= 0
