"""The consortium console (共同利用コンソール): list, onboard with validation, suspend/resume."""

import pytest
from django.test import Client
from django_tenants.utils import schema_exists

from kyodo.tenancy.models import Municipality

pytestmark = pytest.mark.django_db


def test_console_requires_login(db):
    response = Client(HTTP_HOST="localhost").get("/console/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_console_lists_towns_with_status_and_applications(console_client):
    body = console_client.get("/console/").content.decode()
    assert "武雄市" in body and "鹿島市" in body
    assert 'data-code="412066"' in body and "住民記録" in body
    assert "稼働中" in body


def test_onboard_from_console(console_client):
    response = console_client.post("/console/towns/new/", {
        "code": "412091", "name": "嬉野市", "name_kana": "ウレシノシ", "prefecture": "佐賀県",
        "hosts": "ureshino.test", "applications": ["residents"],
    })
    assert response.status_code == 302
    town = Municipality.objects.get(code="412091")
    assert town.enabled_applications == ["residents"]
    assert schema_exists("town_412091")
    assert "嬉野市（412091）を構築しました" in console_client.get("/console/").content.decode()


def test_onboard_form_shows_field_errors_in_japanese(console_client):
    response = console_client.post("/console/towns/new/", {
        "code": "412092", "name": "嬉野市", "name_kana": "ureshino", "hosts": "takeo.test",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "検査数字が正しくありません" in body
    assert "カタカナで入力してください" in body
    assert not Municipality.objects.filter(code="412092").exists()


def test_console_actions_need_prefecture_admin(clerk_a):
    from ..conftest import logged_in_client

    staff = logged_in_client(clerk_a, "localhost")
    assert staff.post("/console/towns/412066/suspend/", {"reason": "x", "confirm": "on"}).status_code == 403
    assert Municipality.objects.get(code="412066").status == "active"
