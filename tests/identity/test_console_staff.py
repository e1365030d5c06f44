"""Staff accounts from the console: invite into a town role and disable, through the Keycloak admin API
(recorded Keycloak 26 responses); only the prefecture administrator may do it."""

from __future__ import annotations

import pytest

from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.models import StaffMembership

from ..conftest import logged_in_client
from .test_keycloak_provisioner import replay
from .test_provisioning_hooks import _keycloak

pytestmark = pytest.mark.django_db


def test_prefecture_admin_invites_staff_through_keycloak(settings, console_client, town_a):
    _keycloak(settings)
    mock, _ = replay("staff_invite.json")
    with mock:
        response = console_client.post("/console/staff/", {
            "action": "invite", "invite-town": "412066", "invite-username": "takeo-newclerk",
            "invite-email": "takeo-newclerk@example.jp", "invite-full_name": "武雄市 新人",
            "invite-role": "counter_clerk"})
    assert response.status_code == 302
    assert "takeo-newclerk を武雄市に招待しました" in console_client.get("/console/staff/").content.decode()
    entry = PlatformAuditEntry.objects.get(action="identity.staff_invite", target_id="takeo-newclerk")
    assert entry.municipality_code == "412066" and entry.detail == {"role": "counter_clerk"}


def test_disabling_staff_refuses_them_at_once(settings, console_client, town_a):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="takeo-clerk")
    StaffMembership.objects.create(user=user, municipality=town_a, role="counter_clerk")
    staff_client = logged_in_client(user, "takeo.test")
    assert staff_client.get("/").status_code == 200
    _keycloak(settings)
    mock, _ = replay("staff_disable.json")
    with mock:
        response = console_client.post("/console/staff/", {"action": "disable", "disable-username": "takeo-clerk",
                                                           "disable-reason": "退職"})
    assert response.status_code == 302
    assert staff_client.get("/").status_code == 403
    assert PlatformAuditEntry.objects.filter(action="identity.staff_disable", target_id="takeo-clerk",
                                             purpose="退職").exists()


def test_only_the_prefecture_admin_manages_staff(clerk_a):
    client = logged_in_client(clerk_a, "localhost")
    assert client.get("/console/staff/").status_code == 403
    response = client.post("/console/staff/", {"action": "disable", "disable-username": "approver-a"})
    assert response.status_code == 403
    assert StaffMembership.objects.filter(user__username="approver-a", active=True).exists()
