"""一時停止 / 再開 from the console: a confirmation page (no JS needed) with a required reason, kept with
who and when and in the platform audit chain; a suspended town's hosts show only the notice."""

from __future__ import annotations

import pytest
from django.test import Client

from kyodo.audit.models import PlatformAuditEntry
from kyodo.audit.services import platform_audit_verify
from kyodo.tenancy.models import Municipality

from ..conftest import logged_in_client

pytestmark = pytest.mark.django_db
NOTICE = "この団体は現在利用停止中です"


def _suspend(console_client, **data):
    return console_client.post("/console/towns/412066/suspend/", data)


def test_the_list_links_to_a_confirmation_page_not_a_one_click_action(console_client):
    body = console_client.get("/console/").content.decode()
    assert 'href="/console/towns/412066/suspend/"' in body
    assert 'action="/console/towns/412066/suspend/"' not in body
    page = console_client.get("/console/towns/412066/suspend/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "武雄市（412066）を一時停止しますか" in text and 'name="reason"' in text and 'name="confirm"' in text
    assert Municipality.objects.get(code="412066").status == "active"


@pytest.mark.parametrize("data,field,message", [
    ({"confirm": "on"}, "reason", "理由を入力してください。"),
    ({"reason": "   ", "confirm": "on"}, "reason", "理由を入力してください。"),
    ({"reason": "あ" * 201, "confirm": "on"}, "reason", "理由は200文字以内で入力してください。"),
    ({"reason": "システム移行"}, "confirm", "「内容を確認しました」にチェックしてください。"),
])
def test_suspend_requires_a_reason_and_the_confirmation(console_client, data, field, message):
    response = _suspend(console_client, **data)
    assert response.status_code == 400
    assert f'id="errors-{field}"' in response.content.decode() and message in response.content.decode()
    assert Municipality.objects.get(code="412066").status == "active"
    assert not PlatformAuditEntry.objects.filter(action="municipality.suspend").exists()


def test_suspend_keeps_reason_who_and_when_and_audits_it(console_client, pref_admin):
    response = _suspend(console_client, reason="システム移行のため", confirm="on")
    assert response.status_code == 302
    town = Municipality.objects.get(code="412066")
    assert (town.status, town.status_reason, town.status_changed_by) == ("suspended", "システム移行のため", pref_admin)
    assert town.status_changed_at is not None
    entry = PlatformAuditEntry.objects.filter(action="municipality.suspend").latest("seq")
    assert (entry.actor_username, entry.municipality_code, entry.purpose) == ("pref-admin", "412066", "システム移行のため")
    assert platform_audit_verify().ok
    body = console_client.get("/console/").content.decode()
    assert "武雄市を一時停止しました" in body and "理由: システム移行のため" in body
    assert 'href="/console/towns/412066/resume/"' in body


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/residents/", "/oidc/authenticate/"])
def test_a_suspended_town_shows_only_the_notice_to_everyone(console_client, clerk_a, clerk_b, path):
    _suspend(console_client, reason="点検", confirm="on")
    for client in (Client(HTTP_HOST="takeo.test"), logged_in_client(clerk_a, "takeo.test"),
                   logged_in_client(clerk_b, "takeo.test")):
        response = client.get(path)
        body = response.content.decode()
        assert response.status_code == 403
        assert NOTICE in body
        main = body.split("<main>")[1].split("</main>")[0]
        assert "武雄" not in main and "点検" not in main and "412066" not in main and "<form" not in main
    # the other town is untouched, and its own login page carries no notice
    assert NOTICE not in Client(HTTP_HOST="kashima.test").get("/accounts/login/").content.decode()
    assert logged_in_client(clerk_b, "kashima.test").get("/").status_code == 200


def test_a_signed_in_attempt_at_a_suspended_town_is_audited(console_client, clerk_a):
    _suspend(console_client, reason="点検", confirm="on")
    logged_in_client(clerk_a, "takeo.test").get("/residents/")
    entry = PlatformAuditEntry.objects.filter(action="town.access_refused").latest("seq")
    assert (entry.actor_username, entry.municipality_code, entry.outcome, entry.detail["reason"]) == (
        "clerk-a", "412066", "refused", "suspended")


def test_resume_needs_its_own_reason_and_restores_the_town(console_client, clerk_a):
    _suspend(console_client, reason="点検", confirm="on")
    assert console_client.post("/console/towns/412066/resume/", {"confirm": "on"}).status_code == 400
    assert Municipality.objects.get(code="412066").status == "suspended"
    page = console_client.get("/console/towns/412066/resume/").content.decode()
    assert "武雄市（412066）を再開しますか" in page and "理由: 点検" in page
    assert console_client.post("/console/towns/412066/resume/",
                               {"reason": "点検完了", "confirm": "on"}).status_code == 302
    town = Municipality.objects.get(code="412066")
    assert (town.status, town.status_reason) == ("active", "点検完了")
    assert logged_in_client(clerk_a, "takeo.test").get("/").status_code == 200
    assert NOTICE not in Client(HTTP_HOST="takeo.test").get("/accounts/login/").content.decode()


def test_a_town_that_is_not_suspended_cannot_be_resumed(console_client):
    response = console_client.post("/console/towns/412066/resume/", {"reason": "誤操作", "confirm": "on"})
    assert response.status_code == 400 and "「稼働中」のため、この操作はできません" in response.content.decode()


def test_unknown_town_is_404(console_client):
    assert console_client.get("/console/towns/999999/suspend/").status_code == 404
