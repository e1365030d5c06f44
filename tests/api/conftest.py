"""Fixtures for the API: the development OpenID provider (real client-credentials tokens, validated
by introspection over HTTP), vendor contracts, and a small client that posts GraphQL as vendors do."""

from __future__ import annotations

import json

import pytest
import requests

from tests.identity.conftest import VENDOR_SECRET, idp, oidc_settings  # noqa: F401  (fixtures)
from tests.residents.conftest import approve, chief_a, in_a  # noqa: F401  (fixtures)

TAKEO, KASHIMA = "takeo.test", "kashima.test"


def vendor_token(idp, client_id: str = "vendor-acme") -> str:  # noqa: F811
    response = requests.post(f"{idp.issuer}/protocol/openid-connect/token", timeout=10,
                             data={"grant_type": "client_credentials"}, auth=(client_id, VENDOR_SECRET))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class Api:
    """Posts to ``/graphql/`` on a host with a bearer token, through the whole Django stack."""

    def __init__(self, client, token: str | None, host: str = TAKEO) -> None:
        self.client, self.token, self.host = client, token, host

    def post(self, query: str | None = None, variables=None, *, host: str | None = None, raw: bytes | None = None,
             operation_name: str | None = None, extensions=None, headers: dict | None = None):
        body = raw if raw is not None else json.dumps(
            {k: v for k, v in {"query": query, "variables": variables, "operationName": operation_name,
                               "extensions": extensions}.items() if v is not None}).encode()
        extra = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        for name, value in (headers or {}).items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return self.client.post("/graphql/", data=body, content_type="application/json",
                                HTTP_HOST=host or self.host, **extra)

    def data(self, query: str, variables=None, **kwargs) -> dict:
        response = self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.content.decode()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def contract(db, oidc_settings, idp, town_a, town_b):  # noqa: F811
    """``contract(towns, datasets)``: vendor-acme's contract record (its IdP token carries both towns
    and residents + tax) set to these towns and datasets; returns an ``Api`` with a fresh token."""
    from django.test import Client

    from kyodo.identity.models import ServiceAccount

    def _contract(towns=("412066",), datasets=("residents",), persisted_only=False) -> Api:
        ServiceAccount.objects.update_or_create(client_id="vendor-acme", defaults={
            "vendor_name": "ACME滞納管理", "municipality_codes": list(towns), "datasets": list(datasets),
            "persisted_queries_only": persisted_only, "active": True})
        from django.core.cache import cache

        cache.clear()  # principals are cached per token for a few seconds
        from kyodo.api.throttle import _redis

        for key in _redis().scan_iter("kyodo:api:bucket:*"):  # every test starts with full buckets
            _redis().delete(key)
        return Api(Client(), vendor_token(idp))

    return _contract


@pytest.fixture
def vendor_api(contract):
    return contract()
