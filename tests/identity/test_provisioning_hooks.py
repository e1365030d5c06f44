"""Onboarding calls the identity provisioner after commit; a failing IdP never undoes the onboarding; the
``kyodo identity sync-town`` command completes the step (against recorded Keycloak responses)."""

from __future__ import annotations

import pytest

from kyodo.audit.models import PlatformAuditEntry
from kyodo.tenancy.models import Municipality
from kyodo.tenancy.services import municipality_provision

from .test_keycloak_provisioner import replay

pytestmark = pytest.mark.django_db


def _keycloak(settings, url="http://keycloak.test:8080"):
    identity = settings.KYODO_IDENTITY
    settings.KYODO_IDENTITY = type(identity)(**{**identity.__dict__, "provisioner": "keycloak", "keycloak_url": url,
                                                "keycloak_admin_client_secret": "recorded",
                                                "public_url_template": "https://{host}"})


def test_onboarding_runs_the_identity_step_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        municipality_provision(actor=None, code="412091", name="嬉野市", name_kana="ウレシノシ",
                               hosts=["ureshino.test"], applications=["residents"])
    entry = PlatformAuditEntry.objects.filter(action="identity.town_ensure", municipality_code="412091").get()
    assert entry.outcome == "ok" and entry.detail == {"provisioner": "null", "hosts": ["ureshino.test"]}


def test_an_unreachable_keycloak_does_not_undo_onboarding(settings, django_capture_on_commit_callbacks):
    _keycloak(settings, url="http://127.0.0.1:9")  # nothing listens on the discard port
    with django_capture_on_commit_callbacks(execute=True):
        municipality_provision(actor=None, code="412091", name="嬉野市", name_kana="ウレシノシ",
                               hosts=["ureshino.test"], applications=["residents"])
    assert Municipality.objects.filter(code="412091").exists()
    entry = PlatformAuditEntry.objects.filter(action="identity.town_ensure", municipality_code="412091").get()
    assert entry.outcome == "failed"


def test_sync_town_command_completes_the_step(settings, town_a, capsys):
    from kyodo.cli import main

    _keycloak(settings)
    mock, _ = replay("town_onboard_new.json")
    with mock:
        assert main(["identity", "sync-town", "--code", "412066"]) == 0
    assert "認証基盤に反映しました" in capsys.readouterr().out
    assert main(["identity", "sync-town", "--code", "999999"]) == 2
