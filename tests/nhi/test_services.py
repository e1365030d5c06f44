"""資格取得・喪失 and 納付義務者 through the services: every reason, the date rules, history rows added."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kyodo.tenantlog.models import AuditEntry
from tenants.nhi import services
from tenants.nhi.models import AcquisitionReason, Enrolment, LossReason, Payer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reason", list(AcquisitionReason.values))
def test_each_acquisition_reason_is_recorded(nhi_a, family, clerk_a, reason):
    row = services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="令和6年4月1日",
                                     reason=reason)
    assert (row.acquired_on, row.acquisition_reason, row.lost_on, row.history_no) == (
        dt.date(2024, 4, 1), reason, None, 1)
    assert AuditEntry.objects.filter(chain="nhi:412066", action="enrolment.acquire",
                                     target_id=str(family["taro"])).exists()


@pytest.mark.parametrize("reason", list(LossReason.values))
def test_each_loss_reason_adds_a_row_and_keeps_the_first(nhi_a, family, clerk_a, reason):
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-04-01",
                               reason="move_in")
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=family["taro"], lost_on="2024-06-01", reason=reason)
    rows = list(Enrolment.objects.filter(person_id=family["taro"]).order_by("history_no"))
    assert [(r.history_no, r.is_current, r.lost_on, r.loss_reason) for r in rows] == [
        (1, False, None, ""), (2, True, dt.date(2024, 6, 1), reason)]
    assert rows[1].acquired_on == dt.date(2024, 4, 1)


def test_bad_reason_and_dates_are_named(nhi_a, family, clerk_a):
    with pytest.raises(ValidationError) as bad_reason:
        services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-04-01",
                                   reason="転入")
    assert "reason" in bad_reason.value.message_dict
    with pytest.raises(ValidationError) as bad_date:
        services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-02-30",
                                   reason="move_in")
    assert "acquired_on" in bad_date.value.message_dict
    with pytest.raises(ValidationError) as before_birth:
        services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="1970-01-01",
                                   reason="move_in")
    assert before_birth.value.message_dict["acquired_on"] == ["取得日が生年月日より前です。"]
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-04-01",
                               reason="move_in")
    with pytest.raises(ValidationError, match="すでに資格を取得"):
        services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-05-01",
                                   reason="other")
    with pytest.raises(ValidationError) as early_loss:
        services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=family["taro"], lost_on="2024-03-31",
                                reason="move_out")
    assert early_loss.value.message_dict["lost_on"] == ["喪失日が取得日より前です。"]
    with pytest.raises(ValidationError, match="資格を取得していない"):
        services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=family["hanako"], lost_on="2024-06-01",
                                reason="move_out")


def test_reacquiring_after_a_loss_continues_the_history(nhi_a, family, clerk_a):
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-04-01",
                               reason="move_in")
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=family["taro"], lost_on="2024-06-01",
                            reason="joined_employee_insurance")
    with pytest.raises(ValidationError, match="前回の喪失日より前"):
        services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-05-01",
                                   reason="left_employee_insurance")
    row = services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2025-01-01",
                                     reason="left_employee_insurance")
    assert row.history_no == 3 and Enrolment.objects.filter(person_id=family["taro"]).count() == 3


def test_payer_is_the_head_or_the_deemed_head_when_the_head_is_not_insured(nhi_a, family, clerk_a):
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["hanako"], acquired_on="2024-04-01",
                               reason="move_in")
    with pytest.raises(ValidationError, match="世帯主"):
        services.payer_set(actor=clerk_a, town=nhi_a, household_id=family["household_id"],
                           person_id=family["hanako"], valid_from="2024-04-01")
    payer = services.payer_set(actor=clerk_a, town=nhi_a, household_id=family["household_id"],
                               person_id=family["taro"], valid_from="2024-04-01")
    assert (payer.person_id, payer.kind) == (family["taro"], "deemed_head")
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=family["taro"], acquired_on="2024-05-01",
                               reason="left_employee_insurance")
    again = services.payer_set(actor=clerk_a, town=nhi_a, household_id=family["household_id"],
                               person_id=family["taro"], valid_from="2024-05-01")
    assert (again.kind, again.history_no) == ("head", 2)
    assert Payer.objects.filter(household_id=family["household_id"], is_current=True).count() == 1


def test_staff_of_a_town_without_nhi_or_without_a_role_are_refused(town_a, in_a, clerk_b):
    with pytest.raises(PermissionDenied):
        services.enrolment_acquire(actor=clerk_b, town=in_a, person_id=1, acquired_on="2024-04-01", reason="move_in")


def test_demo_insures_about_a_quarter_once(nhi_a, clerk_a):
    from django.db import connection

    from tenants.nhi.demo import nhi_demo_load
    from tenants.residents.demo import residents_demo_populate

    connection.set_schema_to_public()
    residents_demo_populate(town=nhi_a, scale=0.005, seed=1)
    lines = nhi_demo_load(town=nhi_a, staff={"counter_clerk": clerk_a}, scale=0.005, seed=1)
    assert lines and lines[0].startswith("国保の被保険者（デモ）")
    assert nhi_demo_load(town=nhi_a, staff={"counter_clerk": clerk_a}, scale=0.005, seed=1) == []
    from django_tenants.utils import tenant_context

    with tenant_context(nhi_a):
        assert Enrolment.objects.exists() and Payer.objects.filter(kind="head").exists()


def test_demo_gives_the_town_an_approved_table_of_the_latest_national_year(nhi_a, clerk_a, approver_a):
    """The demo's 武雄市 table: proposed by the clerk, approved by the approver (two people), for the latest year
    with national figures, so that a 転入 of that year is levied."""
    from tenants.nhi.demo import _demo_table, latest_national_year
    from tenants.nhi.models import RateTable

    year = latest_national_year()
    assert year == 2025  # national.toml: 令和8年度's national figures are not recorded yet (tax-nhi.md §6)
    lines = _demo_table(nhi_a, clerk_a, approver_a)
    row = RateTable.objects.get(fiscal_year=year)
    assert lines and row.status == "approved" and row.is_current
    assert (row.requested_by_username, row.decided_by_username) == ("clerk-a", "approver-a")
    assert row.data["parts"]["medical"]["income_rate"] == "10.22%" and row.data["table"]["fiscal_year"] == year
    assert _demo_table(nhi_a, clerk_a, approver_a) == []  # once


def test_carrying_a_table_forward_waits_for_a_second_person(nhi_a, clerk_a, approver_a, mitaka_table):
    from django.core.exceptions import ValidationError

    from tenants.nhi import levy_services

    row = levy_services.ratetable_carry_forward(actor=clerk_a, town=nhi_a, source_table_id=mitaka_table.pk,
                                                fiscal_year="2026")
    assert (row.status, row.is_current, row.data["table"]["fiscal_year"]) == ("pending", False, 2026)
    assert row.data["parts"] == mitaka_table.data["parts"] and "2025年度の税率を据え置き" in row.note
    with pytest.raises(PermissionDenied):
        levy_services.ratetable_decide(actor=clerk_a, town=nhi_a, table_id=row.pk, approve=True)  # own proposal
    assert levy_services.ratetable_decide(actor=approver_a, town=nhi_a, table_id=row.pk, approve=True).is_current
    with pytest.raises(ValidationError) as same:
        levy_services.ratetable_carry_forward(actor=clerk_a, town=nhi_a, source_table_id=row.pk, fiscal_year=2026)
    assert "fiscal_year" in same.value.message_dict
    with pytest.raises(ValidationError) as missing:
        levy_services.ratetable_carry_forward(actor=clerk_a, town=nhi_a, source_table_id=99999, fiscal_year=2027)
    assert "source_table_id" in missing.value.message_dict


@pytest.mark.parametrize("year", ["２０２６", "20\x0026", "9" * 300, ""])
def test_carry_forward_page_answers_bad_years_with_400(nhi_a, clerk_a, mitaka_table, year):
    from tests.conftest import logged_in_client

    client = logged_in_client(clerk_a, "takeo.test")
    response = client.post(f"/nhi/levy/tables/{mitaka_table.pk}/carry/", {"fiscal_year": year})
    body = response.content.decode()
    assert response.status_code == 400 and ("年度は西暦4桁" in body or "'fiscal_year'" in body)  # NUL: the middleware
    ok = client.post(f"/nhi/levy/tables/{mitaka_table.pk}/carry/", {"fiscal_year": "2026"})
    assert ok.status_code == 302
