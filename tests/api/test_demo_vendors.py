"""The demo's vendors: a client-credentials client each in the demo realm, with a secret from the state
dir, and a matching contract (ServiceAccount) — so a vendor can follow docs/api.md against the demo."""

from __future__ import annotations

import pytest


def test_demo_realm_has_the_vendor_clients_with_their_towns_and_datasets(tmp_path):
    from integrations.keycloak.devidp.demo import demo_realm
    from kyodo.demo import DEMO_VENDORS, vendor_secret

    secrets = {v.client_id: vendor_secret(tmp_path, v) for v in DEMO_VENDORS}
    assert len(set(secrets.values())) == len(DEMO_VENDORS)
    assert secrets == {v.client_id: vendor_secret(tmp_path, v) for v in DEMO_VENDORS}  # stable per state dir
    assert (tmp_path / "secrets" / "vendor_vendor-takeo-tainou").stat().st_mode & 0o077 == 0
    realm = demo_realm(password="pw", web_port=8000, client_secret="portal", vendor_secrets=secrets)
    clients = {c["clientId"]: c for c in realm["clients"]}
    takeo = clients["vendor-takeo-tainou"]
    assert takeo["serviceAccountsEnabled"] and not takeo["standardFlowEnabled"]
    assert takeo["secret"] == secrets["vendor-takeo-tainou"]
    assert takeo["defaultClientScopes"] == ["town-412066", "dataset-residents", "dataset-tax", "dataset-tax:write"]
    assert clients["vendor-kashima-kenshin"]["defaultClientScopes"] == ["town-412074", "dataset-residents"]
    assert "vendor-takeo-tainou" not in {c["clientId"] for c in demo_realm(
        password="pw", web_port=8000, client_secret="portal")["clients"]}


@pytest.mark.django_db
def test_demo_vendor_contracts_match_the_realm():
    from kyodo.demo import DEMO_VENDORS, demo_vendors_setup
    from kyodo.identity.models import ServiceAccount

    demo_vendors_setup()
    demo_vendors_setup()  # idempotent
    for vendor in DEMO_VENDORS:
        account = ServiceAccount.objects.get(client_id=vendor.client_id)
        assert (account.vendor_name, account.municipality_codes, account.datasets, account.active) == (
            vendor.name, list(vendor.towns), list(vendor.datasets), True)
    assert ServiceAccount.objects.get(client_id="vendor-takeo-tainou").vendor_name == "武雄市の滞納管理"
