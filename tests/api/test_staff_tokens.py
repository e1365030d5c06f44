"""Staff use the API with their own roles: the access token the realm issued to the portal client at
sign-in is accepted as a bearer token, with the roles the member holds in the town of the host."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import KASHIMA, TAKEO, Api
from tests.identity.conftest import sso_login

pytestmark = pytest.mark.django_db

QUERY = "query Who { municipality { code datasets } persons(first: 5) { nodes { fullName } } }"


def _staff_token(idp, username: str, host: str) -> str:
    client = Client(HTTP_HOST=host)
    assert sso_login(client, idp, username).status_code == 302
    token = client.session.get("oidc_access_token")
    assert token
    return token


def test_a_clerks_portal_token_reads_their_town_with_their_roles(oidc_settings, idp, town_a, town_b):
    token = _staff_token(idp, "sso-clerk-a", TAKEO)
    api = Api(Client(), token)
    data = api.data(QUERY)
    assert data["municipality"] == {"code": "412066", "datasets": ["residents"]}
    refused = api.post(QUERY, host=KASHIMA)  # no role in town B
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_the_staff_read_is_audited_as_staff(oidc_settings, idp, town_a, in_town):
    from kyodo.tenantlog.models import AuditEntry
    from tenants.residents.demo import residents_demo_populate

    residents_demo_populate(town=town_a, scale=0.0002, seed=2)
    token = _staff_token(idp, "sso-clerk-a", TAKEO)
    names = Api(Client(), token).data(QUERY)["persons"]["nodes"]
    assert names
    with in_town(town_a):
        entry = AuditEntry.objects.filter(action="api.read").latest("seq")
    assert entry.actor_kind == "staff" and entry.actor_username == "sso-clerk-a" and entry.purpose == "API: Who"


def test_a_prefecture_administrator_is_no_town_reader(oidc_settings, idp, town_a):
    token = _staff_token(idp, "sso-admin", "localhost")
    body = Api(Client(), token).post(QUERY).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_token_of_no_one_and_a_garbage_token_are_unauthenticated(oidc_settings, idp, town_a):
    for header in ("Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "):
        response = Client().post("/graphql/", data=b'{"query": "{ municipality { code } }"}',
                                 content_type="application/json", HTTP_HOST=TAKEO, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
