"""Vendor service accounts: client-credentials tokens from the IdP, validated by introspection over HTTP
and limited to the towns and datasets of our contract record (ServiceAccount)."""

from __future__ import annotations

import pytest
import requests
from django.core.exceptions import ValidationError

from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.selectors import ServiceTokenInvalid, service_token_principal
from kyodo.identity.services import service_account_create, service_account_disable

from .conftest import VENDOR_SECRET

pytestmark = pytest.mark.django_db


def _vendor_token(idp, client_id="vendor-acme") -> dict:
    response = requests.post(f"{idp.issuer}/protocol/openid-connect/token", timeout=10,
                             data={"grant_type": "client_credentials"}, auth=(client_id, VENDOR_SECRET))
    assert response.status_code == 200, response.text
    return response.json()


def test_vendor_token_reaches_only_contracted_towns_and_datasets(oidc_settings, idp, town_a, town_b):
    account, secret = service_account_create(actor=None, client_id="vendor-acme", vendor_name="ACME滞納管理",
                                             municipality_codes=["412066"], datasets=["residents"])
    assert secret is None  # the null provisioner: the client was registered at the IdP by hand (realm import)
    token = _vendor_token(idp)
    assert set(token["scope"].split()) >= {"town-412066", "town-412074", "dataset-residents", "dataset-tax"}
    principal = service_token_principal(token["access_token"])
    assert principal.client_id == "vendor-acme"
    assert principal.municipality_codes == {"412066"} and principal.datasets == {"residents"}
    assert principal.may_read(municipality_code="412066", dataset="residents")
    assert not principal.may_read(municipality_code="412074", dataset="residents")  # IdP scope, no contract
    assert not principal.may_read(municipality_code="412066", dataset="tax")
    assert PlatformAuditEntry.objects.filter(action="identity.service_account_create", target_id="vendor-acme").exists()


def test_tokens_without_a_contract_or_not_issued_are_refused(oidc_settings, idp, town_a):
    with pytest.raises(ServiceTokenInvalid):
        service_token_principal(_vendor_token(idp, "vendor-unknown")["access_token"])
    for token in ("", "made-up-token"):
        with pytest.raises(ServiceTokenInvalid):
            service_token_principal(token)


def test_disabled_service_account_is_refused(oidc_settings, idp, town_a):
    service_account_create(actor=None, client_id="vendor-acme", vendor_name="ACME", municipality_codes=["412066"],
                           datasets=["residents"])
    token = _vendor_token(idp)["access_token"]
    service_token_principal(token)
    service_account_disable(actor=None, client_id="vendor-acme")
    with pytest.raises(ServiceTokenInvalid):
        service_token_principal(token)


def test_service_account_input_is_validated(db, town_a):
    with pytest.raises(ValidationError) as error:
        service_account_create(actor=None, client_id="X", vendor_name="v", municipality_codes=["999999"],
                               datasets=["secrets"])
    assert set(error.value.message_dict) == {"client_id", "municipality_codes", "datasets"}
