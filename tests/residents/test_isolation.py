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


def test_export_of_town_a_holds_nothing_of_town_b(b_resident, client_a):
    body = client_a.get("/residents/export.csv", {"purpose": "照合"}).content.decode()
    assert "鹿島" not in body and "納富分" not in body


def test_town_b_audit_chain_records_nothing_of_town_a_reads(b_resident, client_a, town_b):
    from tenants.residents.models import ResidentAuditEntry

    client_a.get(f"/residents/persons/{b_resident['person_id']}/")
    with tenant_context(town_b):
        assert not ResidentAuditEntry.objects.filter(actor_username="clerk-a").exists()
