"""KeycloakProvisioner against recorded Keycloak 26 admin-API exchanges (tests/identity/keycloak26/*.json),
served at the HTTP layer by ``responses`` in strict order, so python-keycloak's real client code runs and
every request it makes (method, path, query, JSON body) must match the recording exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses
from django.core.exceptions import ValidationError
from responses import matchers
from responses.registries import OrderedRegistry

from integrations.keycloak import (
    DevIdpProvisioner,
    KeycloakProvisioner,
    NullProvisioner,
    provisioner_from_settings,
)

RECORDINGS = Path(__file__).parent / "keycloak26"


def _subset(expected: dict):
    def match(request):
        body = json.loads(request.body or b"{}")
        missing = {k: v for k, v in expected.items() if body.get(k) != v}
        return (not missing, f"body differs in {sorted(missing)}")
    return match


def replay(name: str, *, rename: dict[str, str] | None = None) -> tuple[responses.RequestsMock, dict]:
    """Serve the recording ``name``; ``rename`` replaces strings in it first (e.g. another client id), so
    the replay expects exactly the requests Keycloak would see for that name."""
    text = (RECORDINGS / name).read_text()
    for old, new in (rename or {}).items():
        text = text.replace(old, new)
    recording = json.loads(text)
    mock = responses.RequestsMock(registry=OrderedRegistry, assert_all_requests_are_fired=True)
    for exchange in recording["exchanges"]:
        method, path = exchange["request"].split(" ", 1)
        match = []
        url = recording["server"] + path
        if "?" in path:
            url, query = url.split("?", 1)
            match.append(matchers.query_string_matcher(query))
        if "expect_json" in exchange:
            match.append(matchers.json_params_matcher(exchange["expect_json"]))
        if "expect_json_subset" in exchange:
            match.append(_subset(exchange["expect_json_subset"]))
        mock.add(method, url, status=exchange["status"], json=exchange.get("json"),
                 headers=exchange.get("headers"), match=match)
    return mock, recording


def _provisioner(recording, portal_client_id: str = "kyodo-portal") -> KeycloakProvisioner:
    return KeycloakProvisioner(server_url=recording["server"], realm=recording["realm"],
                               client_id="kyodo-provisioner", client_secret="recorded",
                               portal_client_id=portal_client_id)


PORTAL = "/admin/realms/kyodo/clients/6a1f0c2e-7b3d-4e8a-9c5f-2d4b6e8a0c13"


def test_onboarding_creates_the_towns_groups_and_client_scope():
    mock, recording = replay("town_onboard_new.json")
    with mock:
        _provisioner(recording).town_ensure(code="412066", name="武雄市", hosts=["takeo.test"])
        writes = [c.request for c in mock.calls if c.request.method in {"POST", "PUT", "DELETE"}
                  and "/admin/" in c.request.url and PORTAL not in c.request.url]
    assert [json.loads(w.body)["name"] for w in writes] == [
        "412066", "counter_clerk", "approver", "section_chief", "auditor", "town-412066"]


def test_onboarding_registers_the_towns_hosts_on_the_portal_client():
    """No host wildcards in Keycloak: the new town's host gets its redirect URI and its post-logout URI
    (``##``-joined attribute) on ``kyodo-portal``; the URIs already there and every other field are kept."""
    mock, recording = replay("town_onboard_new.json")
    with mock:
        _provisioner(recording).town_ensure(code="412066", name="武雄市", hosts=["takeo.test"])
        puts = [c.request for c in mock.calls if c.request.method == "PUT"]
    assert len(puts) == 1 and puts[0].url.endswith(PORTAL)
    body = json.loads(puts[0].body)
    assert body["redirectUris"] == ["https://kashima.test/oidc/callback/", "https://localhost/oidc/callback/",
                                    "https://takeo.test/oidc/callback/"]
    assert body["attributes"]["post.logout.redirect.uris"] == (
        "https://kashima.test/accounts/login/##https://localhost/accounts/login/##https://takeo.test/accounts/login/")
    assert body["attributes"]["pkce.code.challenge.method"] == "S256" and body["secret"] == "recorded-portal-secret"


def test_onboarding_again_changes_nothing():
    mock, recording = replay("town_onboard_again.json")
    with mock:
        _provisioner(recording).town_ensure(code="412066", name="武雄市", hosts=["takeo.test"])
        writes = [c for c in mock.calls if c.request.method != "GET" and "/admin/" in c.request.url]
        assert len(mock.calls) == 9
        assert mock.calls[-1].request.url.endswith(PORTAL)  # the portal client was read, not written
    assert not writes


def test_portal_uris_follow_the_public_url_template():
    from kyodo.identity.conf import portal_uris

    assert portal_uris(["takeo.localhost"], url_template="http://{host}:8000") == (
        ["http://takeo.localhost:8000/oidc/callback/"], ["http://takeo.localhost:8000/accounts/login/"])
    assert portal_uris(["takeo.kyodo.example"], url_template="https://{host}/")[0] == [
        "https://takeo.kyodo.example/oidc/callback/"]
    with pytest.raises(ValueError):
        portal_uris(["takeo.test"], url_template="https://takeo.test")


def test_the_portal_client_is_the_configured_one(settings):
    """KYODO_OIDC_CLIENT_ID names the portal client everywhere: the provisioner built from the configuration
    reads and updates that client at onboarding and names it in the invitation e-mail; the recording of
    the default client no longer matches."""
    from keycloak.exceptions import KeycloakConnectionError

    from integrations.keycloak import provisioner_from_settings

    from .test_provisioning_hooks import _keycloak

    _keycloak(settings)
    identity = settings.KYODO_IDENTITY
    settings.KYODO_IDENTITY = type(identity)(**{**identity.__dict__, "oidc_client_id": "takeo-portal"})
    rename = {"kyodo-portal": "takeo-portal"}

    mock, _ = replay("town_onboard_new.json", rename=rename)
    with mock:
        provisioner_from_settings().town_ensure(code="412066", name="武雄市", hosts=["takeo.test"])
        urls = [c.request.url for c in mock.calls]
    assert "http://keycloak.test:8080/admin/realms/kyodo/clients?clientId=takeo-portal" in urls

    mock, _ = replay("staff_invite.json", rename=rename)
    with mock:
        provisioner_from_settings().staff_invite(username="takeo-newclerk", email="takeo-newclerk@example.jp",
                                                 full_name="武雄市 新人", group_path="/towns/412066/counter_clerk")
        urls = [c.request.url for c in mock.calls]
    assert any(u.endswith("/execute-actions-email?client_id=takeo-portal") for u in urls)

    mock, _ = replay("town_onboard_new.json")
    mock.assert_all_requests_are_fired = False
    with mock, pytest.raises(KeycloakConnectionError):
        provisioner_from_settings().town_ensure(code="412066", name="武雄市", hosts=["takeo.test"])


def test_offboarding_marks_the_town_disabled_and_empties_its_role_groups():
    mock, recording = replay("town_offboard.json")
    with mock:
        _provisioner(recording).town_disable(code="412066")
        deletes = [c.request.url for c in mock.calls if c.request.method == "DELETE"]
    assert len(deletes) == 1 and deletes[0].endswith("/groups/0e6d1f3a-8b2c-4e5d-9a7f-1c2b3d4e5f60")


def test_an_unexpected_request_fails_the_replay():
    """The replay is strict: a provisioner making calls the recording does not have cannot pass."""
    from keycloak.exceptions import KeycloakConnectionError

    mock, recording = replay("town_onboard_again.json")
    mock.assert_all_requests_are_fired = False
    with mock, pytest.raises(KeycloakConnectionError):  # responses refuses a call it has no recording for
        _provisioner(recording).town_ensure(code="412074", name="鹿島市")


def test_provisioner_is_chosen_by_configuration(settings):
    assert isinstance(provisioner_from_settings(), NullProvisioner)
    identity = settings.KYODO_IDENTITY
    settings.KYODO_IDENTITY = type(identity)(**{**identity.__dict__, "provisioner": "keycloak",
                                                "keycloak_url": "http://keycloak.test:8080",
                                                "keycloak_admin_client_secret": "x"})
    assert isinstance(provisioner_from_settings(), KeycloakProvisioner)
    settings.KYODO_IDENTITY = type(identity)(**{**identity.__dict__, "provisioner": "devidp",
                                                "devidp_state_dir": "/nonexistent/devidp"})
    assert isinstance(provisioner_from_settings(), DevIdpProvisioner)


@pytest.mark.django_db
def test_service_account_creation_registers_a_client_credentials_client(settings, town_a):
    from kyodo.identity.models import ServiceAccount
    from kyodo.identity.services import service_account_create

    from .test_provisioning_hooks import _keycloak

    _keycloak(settings)
    mock, _ = replay("service_account_create.json")
    with mock:
        account, secret = service_account_create(actor=None, client_id="vendor-acme", vendor_name="ACME",
                                                 municipality_codes=["412066"], datasets=["residents"])
    assert secret == "recorded-vendor-secret"
    assert ServiceAccount.objects.get(client_id="vendor-acme").municipality_codes == ["412066"]


@pytest.mark.django_db
def test_a_service_account_create_that_failed_at_keycloak_is_completed_by_repeating_it(settings, town_a):
    """Keycloak answers 500: nothing of ours is committed, the failure is audited; the same create again
    registers the client at Keycloak and leaves exactly one record."""
    from kyodo.audit.models import PlatformAuditEntry
    from kyodo.identity.models import ServiceAccount
    from kyodo.identity.services import IdentityProviderError, service_account_create

    from .test_provisioning_hooks import _keycloak

    _keycloak(settings)
    create = dict(actor=None, client_id="vendor-acme", vendor_name="ACME", municipality_codes=["412066"],
                  datasets=["residents"])
    mock, _ = replay("service_account_create_idp_error.json")
    with mock, pytest.raises(IdentityProviderError) as error:
        service_account_create(**create)
    assert "vendor-acme" in error.value.message
    assert not ServiceAccount.objects.filter(client_id="vendor-acme").exists()
    failed = PlatformAuditEntry.objects.get(action="identity.service_account_create", target_id="vendor-acme")
    assert failed.outcome == "failed" and failed.detail["error"] == "KeycloakGetError"

    mock, _ = replay("service_account_create.json")
    with mock:
        account, secret = service_account_create(**create)
        created = [json.loads(c.request.body)["clientId"] for c in mock.calls
                   if c.request.method == "POST" and c.request.url.endswith("/admin/realms/kyodo/clients")]
    assert created == ["vendor-acme"] and secret == "recorded-vendor-secret"
    assert list(ServiceAccount.objects.filter(client_id="vendor-acme").values_list("pk", flat=True)) == [account.pk]
    outcomes = PlatformAuditEntry.objects.filter(action="identity.service_account_create",
                                                 target_id="vendor-acme").order_by("pk")
    assert [e.outcome for e in outcomes] == ["failed", "ok"]
    with pytest.raises(ValidationError):
        service_account_create(**create)
    assert ServiceAccount.objects.filter(client_id="vendor-acme").count() == 1


@pytest.mark.django_db
def test_sync_vendor_registers_an_existing_record_at_keycloak(settings, town_a, capsys):
    """A record whose client is missing at Keycloak (made while the provisioner was null, or Keycloak
    answered 500): ``kyodo identity sync-vendor`` registers it, without a second record."""
    from kyodo.audit.models import PlatformAuditEntry
    from kyodo.cli import main
    from kyodo.identity.models import ServiceAccount
    from kyodo.identity.services import service_account_create

    from .test_provisioning_hooks import _keycloak

    service_account_create(actor=None, client_id="vendor-acme", vendor_name="ACME", municipality_codes=["412066"],
                           datasets=["residents"])  # the null provisioner: nothing at the IdP
    _keycloak(settings)
    mock, _ = replay("service_account_create_idp_error.json")
    with mock:
        assert main(["identity", "sync-vendor", "--client-id", "vendor-acme"]) == 1
    assert "vendor-acme" in capsys.readouterr().err
    mock, _ = replay("service_account_create.json")
    with mock:
        assert main(["identity", "sync-vendor", "--client-id", "vendor-acme"]) == 0
        posted = [c.request.url for c in mock.calls if c.request.method == "POST"]
    assert "http://keycloak.test:8080/admin/realms/kyodo/clients" in posted
    assert "recorded-vendor-secret" in capsys.readouterr().out
    assert ServiceAccount.objects.filter(client_id="vendor-acme").count() == 1
    outcomes = PlatformAuditEntry.objects.filter(action="identity.service_account_sync", target_id="vendor-acme")
    assert sorted(e.outcome for e in outcomes) == ["failed", "ok"]
    assert main(["identity", "sync-vendor", "--client-id", "vendor-none"]) == 2
