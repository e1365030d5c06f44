"""What the residents pages do with the values they are sent: the warning's acknowledgment goes back
only to a page of this host, and ids are ASCII digits or a 400 naming the parameter."""

from __future__ import annotations

import pytest

from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db

HOST_A = "takeo.test"


@pytest.fixture
def measure(household, in_a, approver_a):
    from tenants.residents import services

    return services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                           starts_on="2024-05-01")


def _request(client, measure, next_url, **extra):
    return client.post("/residents/alerts/acknowledge/",
                       {"person_ids": [str(measure.person_id)], "purpose": "照会", "next": next_url}, **extra)


@pytest.mark.parametrize("next_url", [
    "https://evil.example/phish", "//evil.example/", "http://kashima.test/residents/", "javascript:alert(1)",
    "https:evil.example", "/\\evil.example", "",
])
def test_the_acknowledgment_never_goes_to_another_site(client_a, measure, next_url):
    response = _request(client_a, measure, next_url)
    assert response.status_code == 302
    assert response["Location"] == "/residents/"


@pytest.mark.parametrize("next_url", ["/residents/measures/", f"http://{HOST_A}/residents/measures/"])
def test_the_acknowledgment_goes_back_to_a_page_of_this_host(client_a, measure, next_url):
    response = _request(client_a, measure, next_url)
    assert response.status_code == 302 and response["Location"] == next_url


@pytest.mark.parametrize("fields", [
    {"person_ids": ["１２"], "purpose": "照会"}, {"person_ids": ["1\x002"], "purpose": "照会"},
    {"person_ids": ["9" * 40], "purpose": "照会"}, {"person_ids": ["1"], "purpose": "x" * 201},
    {"person_ids": [], "purpose": "照会"},
])
def test_a_malformed_acknowledgment_is_a_400(client_a, measure, fields):
    assert client_a.post("/residents/alerts/acknowledge/", fields).status_code == 400


@pytest.mark.parametrize("fields", [
    {"valid_minutes": "６０"}, {"valid_minutes": "99999999999999999999"}, {"valid_minutes": "-1"},
])
def test_a_malformed_release_decision_is_refused_with_a_message(chief_a, measure, client_a, in_a, fields):
    from tenants.residents import services
    from tenants.residents.models import SuppressionLift

    lift = services.lift_request(actor=chief_a, town=in_a, person_id=measure.person_id, purpose="審査")
    clerk = logged_in_client(chief_a, HOST_A)
    response = clerk.post(f"/residents/lifts/{lift.pk}/decide/", {"decision": "approve", **fields}, follow=True)
    assert response.status_code == 200
    assert SuppressionLift.objects.get(pk=lift.pk).status == "pending"


def test_on_https_the_way_back_must_be_https(client_a, measure):
    plain = _request(client_a, measure, f"http://{HOST_A}/residents/measures/", secure=True)
    assert plain["Location"] == "/residents/"
    secure = _request(client_a, measure, f"https://{HOST_A}/residents/measures/", secure=True)
    assert secure["Location"] == f"https://{HOST_A}/residents/measures/"


@pytest.fixture
def chief_client(chief_a):
    return logged_in_client(chief_a, HOST_A)


@pytest.mark.parametrize("value", ["²", "１２", "1a", "", "-1"])
def test_an_alert_id_that_is_not_ascii_digits_is_a_400(chief_client, value):
    response = chief_client.post("/residents/alerts/", {"attempt": value})
    assert response.status_code == 400
    assert "'attempt'" in response.content.decode() and "半角数字" in response.content.decode()


def test_an_alert_is_acknowledged_by_its_id(chief_client, measure, client_a, in_a):
    from tenants.residents.models import BlockedAttempt

    _request(client_a, measure, "/")
    client_a.get(f"/residents/persons/{measure.person_id}/")  # seen behind the warning: flagged
    attempt = BlockedAttempt.objects.latest("pk")
    assert chief_client.post("/residents/alerts/", {"attempt": str(attempt.pk)}).status_code == 302
    attempt.refresh_from_db()
    assert attempt.acknowledged_at is not None


@pytest.mark.parametrize("value", ["²", "１２", "x"])
def test_an_audit_filter_that_is_not_ascii_digits_is_a_400(chief_client, value):
    response = chief_client.get("/residents/audit/", {"atena": value})
    assert response.status_code == 400 and "'atena'" in response.content.decode()
    assert chief_client.get("/residents/audit/", {"atena": ""}).status_code == 200
    assert chief_client.get("/residents/audit/", {"atena": "12"}).status_code == 200
    assert chief_client.get("/residents/audit/", {"atena": "9" * 40}).status_code == 400
