"""ワンストップ確定: an approved 転入 family becomes, in one confirmation, insured with a 納付義務者, holds its
資格確認書 (or お知らせ) and has the year's 保険税 — or nothing at all when any part is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kyodo.tenantlog.models import AuditEntry
from tenants.nhi import onestop
from tenants.nhi.models import Assessment, CardIssuance, Enrolment, Payer, WorkItem
from tests.conftest import logged_in_client
from tests.nhi.conftest import mitaka_persons
from tests.nhi.test_levy_assessment import import_incomes
from tests.residents.conftest import person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(clerk_a):
    return logged_in_client(clerk_a, "takeo.test")


@pytest.fixture
def mitaka_move_in(move_in, relay, nhi_a):
    """三鷹市's worked-example family (tests/nhi/conftest.py) moving in on 2025-04-01, relayed."""
    from tenants.residents.models import PersonVersion

    change = move_in(mitaka_persons(), effective_on="2025-04-01")
    relay(nhi_a)
    versions = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}
    return {"household_id": change.household_id, **versions}


def test_one_confirmation_enrols_issues_and_levies(nhi_a, clerk_a, mitaka_table, mitaka_move_in):
    """The 転入 of 2025-04-01 → 令和7年度, the whole year: 三鷹市 489,400円 (https://www.city.mitaka.lg.jp/c_service/020/020149.html)."""
    family = mitaka_move_in
    import_incomes(nhi_a, clerk_a, family)
    hanako = family["花子"].person_id

    done = onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=family["household_id"],
                                     card_kinds={hanako: "notice"})

    assert len(done.items) == 5 and {i.status for i in done.items} == {"confirmed"}
    assert Enrolment.objects.filter(is_current=True, lost_on__isnull=True).count() == 4
    assert Payer.objects.get(household_id=family["household_id"], is_current=True).person_id == family["太郎"].person_id
    kinds = {c.issuance.person_id: c.issuance.kind for c in done.cards}
    assert kinds == {family[n].person_id: "certificate" for n in ("太郎", "一郎", "二郎")} | {hanako: "notice"}
    assert all(c.pdf.startswith(b"%PDF") for c in done.cards)
    assert done.assessment is not None and (done.assessment.fiscal_year, done.assessment.total) == (2025, 489_400)
    assert done.levy_note == ""
    actions = list(AuditEntry.objects.filter(chain="nhi:412066").values_list("action", flat=True))
    assert actions.count("card.issue") == 4 and "assessment.calculate" in actions
    assert actions.count("workitem.confirmed") == 5


def test_a_mid_year_move_in_is_levied_from_the_joining_month(nhi_a, clerk_a, mitaka_table, move_in, relay):
    """月割 (tax-nhi.md §1.4): moving in on 2025-10-31 counts October through March, 6 of 12 months."""
    change = move_in([person_data(birth_date="1983-01-15")], effective_on="2025-10-31")
    relay(nhi_a)
    done = onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=change.household_id)
    assert done.assessment is not None and done.assessment.fiscal_year == 2025
    assert any("6/12" in line or "6か月" in line for line in done.assessment.explanation), done.assessment.explanation


def test_without_a_table_for_the_year_the_levy_is_left_with_a_reason(nhi_a, clerk_a, move_in, relay):
    change = move_in([person_data()], effective_on="2024-04-01")
    relay(nhi_a)
    done = onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=change.household_id)
    assert done.assessment is None and "2024年度" in done.levy_note and "税率表" in done.levy_note
    assert Enrolment.objects.filter(is_current=True).count() == 1 and len(done.cards) == 1


def test_choosing_no_document_issues_none(nhi_a, clerk_a, mitaka_table, mitaka_move_in):
    family = mitaka_move_in
    ids = [family[n].person_id for n in ("太郎", "花子", "一郎", "二郎")]
    done = onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=family["household_id"],
                                     card_kinds=dict.fromkeys(ids, ""), calculate_levy=False)
    assert done.cards == () and not CardIssuance.objects.exists()
    assert done.assessment is None and not Assessment.objects.exists() and "指定" in done.levy_note


@pytest.mark.parametrize("kinds, field", [("not_an_id", None), ("bogus", "card_kinds"), ("stranger", "card_kinds")])
def test_a_bad_choice_confirms_nothing(nhi_a, clerk_a, mitaka_table, mitaka_move_in, kinds, field):
    family = mitaka_move_in
    taro = family["太郎"].person_id
    card_kinds = {"bogus": {taro: "insurance_card"}, "stranger": {taro + 10_000: "certificate"},
                  "not_an_id": {"x": "certificate"}}[kinds]
    with pytest.raises((ValidationError, ValueError)) as caught:
        onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=family["household_id"],
                                  card_kinds=card_kinds)
    if field:
        assert field in caught.value.message_dict
    assert not Enrolment.objects.exists() and not CardIssuance.objects.exists() and not Assessment.objects.exists()
    assert WorkItem.objects.filter(status="pending").count() == 5


def test_a_failure_after_the_enrolment_rolls_everything_back(nhi_a, clerk_a, mitaka_table, mitaka_move_in):
    """A document the person already holds is refused (新規 while one is in force): then no 資格 either."""
    from tenants.nhi import services
    from tenants.nhi.cards import services as cards

    family = mitaka_move_in
    taro = family["太郎"].person_id
    item = WorkItem.objects.get(kind="acquire", person_id=taro)
    services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)
    cards.card_issue(actor=clerk_a, town=nhi_a, person_id=taro, kind="certificate")
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=taro, lost_on="2025-04-02", reason="other")
    WorkItem.objects.create(kind="acquire", person_id=taro, household_id=family["household_id"],
                            proposed={"date": "2025-04-03", "reason": "other"}, summary="再取得",
                            source_event_id="00000000-0000-0000-0000-000000000001", source_event_type="test")
    before = Enrolment.objects.count()
    with pytest.raises(ValidationError, match="交付済み"):
        onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=family["household_id"])
    assert Enrolment.objects.count() == before and CardIssuance.objects.count() == 1
    assert WorkItem.objects.filter(status="pending").count() == 5


def test_only_this_towns_nhi_staff_may_confirm(nhi_a, mitaka_move_in, clerk_b):
    with pytest.raises(PermissionDenied):
        onestop.household_confirm(actor=clerk_b, town=nhi_a, household_id=mitaka_move_in["household_id"])
    assert not Enrolment.objects.exists()


def test_the_household_page_shows_what_the_confirmation_did(nhi_a, clerk_a, mitaka_table, mitaka_move_in,
                                                            clerk):
    family = mitaka_move_in
    import_incomes(nhi_a, clerk_a, family)
    taro = family["太郎"].person_id
    response = clerk.post(f"/nhi/households/{family['household_id']}/confirm/", {f"card-{taro}": "certificate"})
    assert response.status_code == 302 and response["Location"].endswith(f"/nhi/households/{family['household_id']}/")
    page = clerk.get(response["Location"]).content.decode()
    assert "489,400円" in page and page.count("資格確認書 ") >= 4 and "被保険者（令和7年4月1日 取得）" in page
    assert f"{dt.date.today().year}-" in page  # the 発行番号 of this year


@pytest.mark.parametrize("key", ["card-１２", "card-\x00", "card-" + "9" * 400, "card-"])
def test_a_malformed_document_field_is_a_400(nhi_a, mitaka_move_in, clerk, key):
    response = clerk.post(f"/nhi/households/{mitaka_move_in['household_id']}/confirm/", {key: "certificate"})
    assert response.status_code == 400
    assert not Enrolment.objects.exists()


def test_the_integrated_inquiry_shows_the_documents_and_the_levy(nhi_a, clerk_a, mitaka_table, mitaka_move_in,
                                                                 clerk):
    """統合照会 after the one confirmation: 資格, the 資格確認書 with its 発行番号, and 489,400円 with its steps."""
    family = mitaka_move_in
    import_incomes(nhi_a, clerk_a, family)
    done = onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=family["household_id"])
    body = clerk.get(f"/inquiry/persons/{family['花子'].person_id}/").content.decode()
    serial = next(c.issuance.serial for c in done.cards if c.issuance.person_id == family["花子"].person_id)
    assert f"資格確認書 {serial}" in body
    assert 'id="inquiry-nhi-levy-total">489,400円' in body
    assert "年税額 306,900円 + 119,100円 + 63,400円 = 489,400円" in body
    reads = AuditEntry.objects.filter(chain="nhi:412066", action="assessment.read",
                                      target_id=str(family["花子"].person_id))
    assert reads.count() == 1


def test_a_role_without_levy_sees_no_levy_on_the_inquiry(nhi_a, clerk_a, mitaka_table, mitaka_move_in, clerk,
                                                         monkeypatch):
    from tenants.nhi import permissions

    onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=mitaka_move_in["household_id"])
    monkeypatch.setattr(permissions, "LEVY_ROLES", set())
    body = clerk.get(f"/inquiry/persons/{mitaka_move_in['花子'].person_id}/").content.decode()
    assert "inquiry-nhi-status" in body and "inquiry-nhi-levy" not in body


def test_town_b_staff_reach_nothing_of_town_a_s_household(nhi_a, clerk_a, mitaka_table, mitaka_move_in, clerk_b,
                                                          town_b):
    """Isolation: town B's clerk (with 国保 in town B too) gets nothing of town A's household, by either host."""
    from django_tenants.utils import tenant_context

    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications, "nhi"])
    household = mitaka_move_in["household_id"]
    onestop.household_confirm(actor=clerk_a, town=nhi_a, household_id=household)
    on_a = logged_in_client(clerk_b, "takeo.test")
    assert on_a.get(f"/nhi/households/{household}/").status_code == 403
    assert on_a.post(f"/nhi/households/{household}/confirm/").status_code == 403
    on_b = logged_in_client(clerk_b, "kashima.test")
    page = on_b.get(f"/nhi/households/{household}/")
    assert page.status_code == 404 and "山田" not in page.content.decode()
    with tenant_context(town_b):
        assert not Enrolment.objects.exists() and not CardIssuance.objects.exists()
