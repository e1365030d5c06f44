"""Town A's staff cannot find, open, change or certify town B's residents by any route."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.residents import services
from tenants.residents.models import CertificateIssuance, Change, PersonVersion

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_resident(town_b, clerk_b):
    from django.contrib.auth import get_user_model

    with tenant_context(town_b):
        change = services.change_submit(
            actor=clerk_b, town=town_b, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
            data=move_in_data([person_data(family_name="鹿島", family_name_kana="カシマ", given_name="花",
                                           given_name_kana="ハナ")], address="佐賀県鹿島市大字納富分1番地"))
        services.change_approve(actor=get_user_model().objects.get(username="approver-b"), town=town_b,
                                change=change)
        version = PersonVersion.objects.get(family_name="鹿島")
        return {"person_id": version.person_id, "household_id": version.household_id, "change_id": change.pk}


def test_search_does_not_find_town_b(b_resident, client_a):
    body = client_a.get("/residents/", {"q": "カシマ"}).content.decode()
    assert "鹿島 花" not in body and "該当する住民は見つかりませんでした" in body


def test_number_and_partial_search_do_not_find_town_b(b_resident, client_a, town_b):
    """The new search modes (宛名番号・世帯番号・住民票コード, 部分一致) stay inside town A too."""
    from tenants.residents.models import Household, Person

    with tenant_context(town_b):
        person = Person.objects.get(pk=b_resident["person_id"])
        numbers = [person.atena_number, person.resident_code,
                   Household.objects.get(pk=b_resident["household_id"]).number]
    for query in [*numbers, "シマ"]:
        body = client_a.get("/residents/", {"q": query, "partial": "1"}).content.decode()
        assert "鹿島 花" not in body and person.atena_number not in body.replace(f'value="{query}"', "")


@pytest.mark.parametrize("path", [
    "/residents/persons/{person_id}/", "/residents/households/{household_id}/",
    "/residents/persons/{person_id}/certificate/", "/residents/changes/{change_id}/",
])
def test_guessing_town_b_ids_gives_the_uniform_not_found(b_resident, client_a, path):
    response = client_a.get(path.format(**b_resident))
    assert response.status_code == 404
    assert "鹿島" not in response.content.decode()


def test_certificate_post_for_a_town_b_id_issues_nothing(b_resident, client_a, town_a, town_b):
    response = client_a.post(f"/residents/persons/{b_resident['person_id']}/certificate/", {
        "kind": "copy", "requester_name": "x", "requester_relation": "本人", "purpose": "x",
        "person_ids": [str(b_resident["person_id"])]})
    assert response.status_code == 404
    for town in (town_a, town_b):
        with tenant_context(town):
            assert not CertificateIssuance.objects.exists()


def test_town_b_clerk_on_town_a_host_is_refused(b_resident, clerk_b):
    from tests.conftest import logged_in_client

    client = logged_in_client(clerk_b, "takeo.test")
    response = client.get("/residents/", {"q": "カシマ"})
    assert response.status_code == 403


def test_approving_town_b_change_from_town_a_is_impossible(b_resident, approver_client, town_b):
    response = approver_client.post(f"/residents/changes/{b_resident['change_id']}/decide/",
                                    {"decision": "reject", "reason": "x"})
    assert response.status_code == 404
    with tenant_context(town_b):
        assert Change.objects.get(pk=b_resident["change_id"]).status == "approved"


def test_export_of_town_a_holds_nothing_of_town_b(b_resident, household, approver_client):
    response = approver_client.get("/residents/export.csv", {"purpose": "照合"})
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and "山田" in body  # town A's own residents are there
    assert "鹿島" not in body and "納富分" not in body


def test_town_b_audit_chain_records_nothing_of_town_a_reads(b_resident, client_a, town_b):
    from kyodo.tenantlog.models import AuditEntry

    client_a.get(f"/residents/persons/{b_resident['person_id']}/")
    with tenant_context(town_b):
        assert not AuditEntry.objects.filter(actor_username="clerk-a").exists()


@pytest.fixture
def b_activity(b_resident, town_b, clerk_b):
    """Town B also has a pending change, an issued certificate, a support measure with a pending
    request, and a blocked attempt — everything town A's list pages could leak."""
    from django.contrib.auth import get_user_model

    from tenants.residents.certificates.issue import certificate_issue
    from tenants.residents.models import BlockedAttempt, MeasureRequest

    approver_b = get_user_model().objects.get(username="approver-b")
    with tenant_context(town_b):
        pending = services.change_submit(
            actor=clerk_b, town=town_b, kind="move_in", notified_on="2024-05-02", effective_on="2024-05-01",
            data=move_in_data([person_data(family_name="鹿島", family_name_kana="カシマ", given_name="次郎",
                                           given_name_kana="ジロウ")], address="佐賀県鹿島市大字高津原2番地"))
        issued = certificate_issue(actor=clerk_b, town=town_b, kind="copy", person_ids=[b_resident["person_id"]],
                                   requester_name="鹿島花", requester_relation="本人", purpose="鹿島の手続")
        measure = services.support_measure_create(actor=approver_b, town=town_b,
                                                  person_id=b_resident["person_id"], starts_on="2024-06-01",
                                                  aggressors=[{"name": "鹿島の加害者"}])
        request = services.support_measure_request(actor=approver_b, town=town_b, measure=measure, kind="end",
                                                   purpose="鹿島の申請")
        lift = services.lift_request(actor=clerk_b, town=town_b, person_id=b_resident["person_id"],
                                     purpose="鹿島の一時解除")
        block = services.suppression_set(actor=approver_b, town=town_b, process="inquiry", severity="alert",
                                         reason="other", person_id=b_resident["person_id"], starts_on="2024-06-01",
                                         note="鹿島の抑止")
        # A flagged record in B: B's clerk opens the now-protected person behind the warning.
        from tests.conftest import logged_in_client

        client_b = logged_in_client(clerk_b, "kashima.test")
        client_b.post("/residents/alerts/acknowledge/", {"person_ids": [str(b_resident["person_id"])],
                                                         "purpose": "鹿島の照会"})
        assert client_b.get(f"/residents/persons/{b_resident['person_id']}/").status_code == 200
        assert BlockedAttempt.objects.exists() and MeasureRequest.objects.filter(pk=request.pk).exists()
    return {**b_resident, "pending_id": pending.pk, "measure_id": measure.pk, "request_id": request.pk,
            "lift_id": lift.pk, "suppression_id": block.pk, "town_b": town_b, "issuance_id": issued.issuance.pk}


@pytest.mark.parametrize("path", [
    "/residents/persons/{person_id}/changes/relocation/", "/residents/persons/{person_id}/correct/",
    "/residents/households/{household_id}/changes/head_change/", "/residents/changes/{pending_id}/",
    "/residents/changes/{pending_id}/decide/", "/residents/measures/{measure_id}/action/",
    "/residents/measures/requests/{request_id}/decide/", "/residents/lifts/{lift_id}/decide/",
    "/residents/suppressions/{suppression_id}/end/",
    "/residents/certificates/{issuance_id}/destroy/",
])
def test_every_id_route_answers_not_found_for_town_b_ids(b_activity, town_a, path):
    from kyodo.identity.models import StaffMembership
    from tests.conftest import logged_in_client

    chief = StaffMembership.objects.get(user__username="approver-a").user
    StaffMembership.objects.create(user=chief, municipality=town_a, role="section_chief")
    client = logged_in_client(chief, "takeo.test")
    url = path.format(**b_activity)
    got, posted = client.get(url), client.post(url)
    assert got.status_code in (404, 405)  # 405: the route only takes POST; nothing is looked up
    assert posted.status_code in (302, 404)  # 302: an action route answers with a message, below
    follow = client.get("/residents/measures/")
    for response in (got, posted, follow):
        assert "鹿島" not in response.content.decode()
    from tenants.residents.models import MeasureRequest, SupportMeasure, Suppression, SuppressionLift

    with tenant_context(b_activity["town_b"]):
        assert SupportMeasure.objects.get(pk=b_activity["measure_id"]).extended_times == 0
        assert MeasureRequest.objects.get(pk=b_activity["request_id"]).status == "pending"
        assert SuppressionLift.objects.get(pk=b_activity["lift_id"]).status == "pending"
        assert Suppression.objects.get(pk=b_activity["suppression_id"]).ended_at is None


@pytest.mark.parametrize("path", ["/residents/persons/{person_id}/lift/", "/residents/persons/{person_id}/suppressions/"])
def test_person_action_routes_write_nothing_for_town_b_persons(b_activity, town_a, chief_a, path):
    from tenants.residents.models import Suppression, SuppressionLift
    from tests.conftest import logged_in_client

    client = logged_in_client(chief_a, "takeo.test")
    response = client.post(path.format(**b_activity), {
        "purpose": "越境", "reason": "other", "process": "inquiry", "severity": "alert", "starts_on": "2024-06-01"},
        follow=True)
    assert "鹿島" not in response.content.decode()
    assert not SuppressionLift.objects.exists() and not Suppression.objects.exists()  # town A's schema
    with tenant_context(b_activity["town_b"]):
        assert SuppressionLift.objects.count() == 1 and Suppression.objects.filter(measure=None).count() == 1


@pytest.mark.parametrize("path", [
    "/residents/changes/", "/residents/certificates/", "/residents/measures/", "/residents/alerts/",
    "/residents/audit/", "/residents/certificates/overflow/", "/residents/certificates/issuances.csv",
    "/residents/inspections/", "/residents/export/",
])
def test_town_a_list_pages_show_nothing_of_town_b(b_activity, town_a, path):
    from kyodo.identity.models import StaffMembership
    from tests.conftest import logged_in_client

    chief = StaffMembership.objects.get(user__username="approver-a").user
    StaffMembership.objects.create(user=chief, municipality=town_a, role="section_chief")
    response = logged_in_client(chief, "takeo.test").get(path)
    assert response.status_code == 200
    assert "鹿島" not in response.content.decode()


def test_the_protection_cache_of_one_town_never_answers_for_another(household, in_a, approver_a, b_resident,
                                                                    town_b):
    """The per-process protection cache is keyed by the town's schema: town A's measures and blocks
    (cached by a check in A) never cover or block anyone in town B, even where the person ids and
    the towns' generation numbers coincide."""
    from tenants.residents import protection, suppression

    services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                    starts_on="2024-05-01")
    a_ids = [household[k].person_id for k in ("taro", "hanako", "ichiro")]
    assert protection.protected_person_ids(a_ids) == set(a_ids)
    assert suppression.check("certificate", a_ids).errors == set(a_ids)
    from tenants.residents.models import Counter

    a_generation = Counter.objects.get(name="protection").value
    with tenant_context(town_b):
        Counter.objects.filter(name="protection").update(value=a_generation)  # the same number in B
        b_id = b_resident["person_id"]
        assert protection.protected_person_ids([b_id, *a_ids]) == set()
        assert suppression.check("certificate", [b_id, *a_ids]).clear
        assert protection.outside_redaction().hidden == frozenset()
    assert protection.protected_person_ids(a_ids) == set(a_ids)  # and A's is still A's
