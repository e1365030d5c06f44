"""75歳到達 (高齢者の医療の確保に関する法律 第50条・第52条; 国民健康保険法 第6条第8号): the daily job proposes the
喪失 on the 75th birthday itself, a month ahead, once; the 納付義務者 who reaches 75 while others stay insured
becomes 擬制世帯主 when staff confirm."""

from __future__ import annotations

import datetime as dt

import pytest

from kyodo.tenantlog.models import AuditEntry
from tenants.nhi import services
from tenants.nhi.age import late_elderly_propose
from tenants.nhi.models import Enrolment, Payer, WorkItem
from tests.residents.conftest import person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder_household(move_in, nhi_a, clerk_a):
    """A head born 1950-12-20 (75 on 2025-12-20) and his wife born 1955-03-01, both insured."""
    from tenants.residents.models import PersonVersion

    change = move_in([person_data(birth_date="1950-12-20"),
                      person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻",
                                  birth_date="1955-03-01", resident_code="12345678902")], effective_on="2024-04-01")
    versions = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}
    for v in versions.values():
        services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=v.person_id, acquired_on="2024-04-01",
                                   reason="move_in")
    services.payer_set(actor=clerk_a, town=nhi_a, household_id=change.household_id,
                       person_id=versions["太郎"].person_id, valid_from="2024-04-01")
    return {"household_id": change.household_id, **versions}


def test_the_75th_birthday_is_proposed_a_month_ahead_and_only_once(nhi_a, elder_household):
    taro = elder_household["太郎"].person_id
    assert late_elderly_propose(town=nhi_a, today=dt.date(2025, 11, 18)) == []  # 32 days ahead: not yet
    made = late_elderly_propose(town=nhi_a, today=dt.date(2025, 11, 19))
    assert sorted((i.kind, i.person_id, i.proposed.get("date"), i.proposed.get("reason")) for i in made) == [
        ("lose", taro, "2025-12-20", "late_elderly"), ("payer", taro, "2025-12-20", None)]
    assert late_elderly_propose(town=nhi_a, today=dt.date(2025, 11, 20)) == []  # the next day: nothing twice
    assert WorkItem.objects.count() == 2
    entry = AuditEntry.objects.get(chain="nhi:412066", action="workitem.propose")
    assert entry.actor_kind == "system" and entry.actor_username == "system:job:nhi.late_elderly"


def test_confirming_ends_the_enrolment_on_the_birthday_and_the_head_becomes_deemed(nhi_a, clerk_a, elder_household):
    late_elderly_propose(town=nhi_a, today=dt.date(2025, 12, 20))  # on the day itself, still proposed
    services.workitems_confirm_household(actor=clerk_a, town=nhi_a, household_id=elder_household["household_id"])
    row = Enrolment.objects.get(person_id=elder_household["太郎"].person_id, is_current=True)
    assert (row.lost_on, row.loss_reason) == (dt.date(2025, 12, 20), "late_elderly")
    payer = Payer.objects.get(household_id=elder_household["household_id"], is_current=True)
    assert (payer.person_id, payer.kind) == (elder_household["太郎"].person_id, "deemed_head")


def test_a_birthday_already_past_or_a_person_not_insured_is_not_proposed(nhi_a, clerk_a, elder_household):
    assert late_elderly_propose(town=nhi_a, today=dt.date(2025, 12, 21)) == []  # the day after: too late
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=elder_household["太郎"].person_id,
                            lost_on="2025-06-01", reason="joined_employee_insurance")
    assert late_elderly_propose(town=nhi_a, today=dt.date(2025, 11, 30)) == []


def test_a_29_february_birthday(nhi_a, clerk_a, move_in):
    """Born 1952-02-29: 75 on 2027-03-01 in a common year (年齢計算ニ関スル法律: the day before the anniversary
    ends the year; cards/rules.anniversary)."""
    from tenants.nhi.cards.rules import late_elderly_from

    change = move_in([person_data(birth_date="1952-02-29")], effective_on="2024-04-01")
    pid = change.person_ids[0]
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=pid, acquired_on="2024-04-01", reason="move_in")
    on = late_elderly_from(dt.date(1952, 2, 29))
    made = late_elderly_propose(town=nhi_a, today=on - dt.timedelta(days=5))
    assert [(i.person_id, i.proposed["date"]) for i in made] == [(pid, on.isoformat())]


def test_the_job_runs_per_town_as_a_task_and_touches_only_its_town(nhi_a, elder_household, town_b):
    from django.db import connection

    from kyodo import registry
    from kyodo.identity.principal import SystemPrincipal
    from tenants.nhi.tasks import late_elderly_propose as task

    assert any(j.task == "tenants.nhi.tasks.late_elderly_propose" for j in registry.get("nhi").periodic)
    connection.set_schema_to_public()
    beat = SystemPrincipal("beat").to_task()
    assert task(schema_name=town_b.schema_name, principal=beat) == 0  # town B does not use 国保
    assert task(schema_name=nhi_a.schema_name, principal=beat) == 0  # today: no 75th birthday within a month
    connection.set_tenant(nhi_a)
    assert not WorkItem.objects.exists()
