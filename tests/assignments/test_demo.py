"""The demo's 業務配分: offices, a month of calendar data with proposed 繁忙係数, online applications waiting;
a second load changes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tenants.assignments.calendar import is_open
from tenants.assignments.demo import assignments_demo_load
from tenants.assignments.models import CalendarDay, Office, Task

pytestmark = pytest.mark.django_db


def test_the_demo_gives_takeo_its_offices_calendar_and_applications(in_town, town_a, approver_a):
    from tenants.residents.demo import residents_demo_populate

    type(town_a).objects.filter(pk=town_a.pk).update(enabled_applications=[*town_a.enabled_applications,
                                                                           "assignments"])
    town_a.refresh_from_db()
    residents_demo_populate(town=town_a, scale=0.002, seed=3)
    from django.db import connection

    connection.set_schema_to_public()  # as the demo calls it: the loader enters the town's schema itself
    notes = assignments_demo_load(town=town_a, staff={"approver": approver_a}, scale=0.01, seed=2026)
    with in_town(town_a):
        assert [o.name for o in Office.objects.order_by("code")] == ["本庁", "北方支所", "山内支所"]
        today = timezone.localdate()
        upcoming = CalendarDay.objects.filter(day__gte=today)
        assert upcoming.exists() and all(is_open(d.day) for d in upcoming)
        assert all(1 <= d.busy <= 1.5 and d.busy == d.busy_proposed for d in upcoming)
        assert Task.objects.filter(status="received").count() == 60
        drafts = {t.kind: t.prefill.get("kind") for t in Task.objects.all()}  # every one went through the intake
        assert drafts == {"relocation": "relocation", "move_out": "move_out", "move_in_reservation": "move_in"}
        assert notes == ["業務配分: 庁舎 3 か所、配分待ちのオンライン申請 60 件"]
        assert assignments_demo_load(town=town_a, staff={"approver": approver_a}, scale=0.01, seed=2026) == []
        assert Task.objects.count() == 60
