"""Inline validation of the fields that take a code (htmx, views.code_check): 続柄 by the service's own
rule, the 支援措置 form's 宛名番号 by the person's 氏名 — or the very error the service gives — and a
400 for over-long values, NUL and digits other than ASCII."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, logged_in_client

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/residents/check/code/"


def test_relationship_fields_carry_the_inline_check(client_a):
    html = client_a.get("/residents/changes/new/move-in/").content.decode()
    rel = re.search(r'<input[^>]*id="id_p0_relationship"[^>]*>', html).group(0)
    assert f'hx-get="{URL}"' in rel and "relationship" in rel and "id_p0_relationship-check" in rel
    assert '<p class="kd-field__check" id="id_p0_relationship-check" aria-live="polite"></p>' in html


def test_relationship_is_answered_by_the_services_rule(client_a):
    ok = client_a.get(URL, {"kind": "relationship", "p0_relationship": "子の妻"}, **HTMX)
    assert ok.status_code == 200 and ok.content.decode().strip() == "<span>続柄「子の妻」</span>"
    bad = client_a.get(URL, {"kind": "relationship", "p0_relationship": "孫"}).content.decode()
    assert "続柄「孫」は使えません（例: 世帯主、妻、子、子の妻、母、縁故者、同居人）。" in bad
    assert "kd-field__check-error" in bad
    deep = client_a.get(URL, {"kind": "relationship", "p0_relationship": "子の子の子の子の子"}).content.decode()
    assert "4段階を超えます" in deep
    assert client_a.get(URL, {"kind": "relationship", "p0_relationship": ""}).content == b""


@pytest.mark.parametrize("params", [
    {"kind": "relationship", "p0_relationship": "子" * 201},
    {"kind": "relationship", "p0_relationship": "子\x00"},
    {"kind": "nonsense", "p0_relationship": "子"},
])
def test_bad_relationship_input_is_a_400(client_a, params):
    assert client_a.get(URL, params).status_code == 400


def test_atena_is_answered_with_the_persons_name(household, approver_client):
    atena = household["taro"].person.atena_number
    html = approver_client.get("/residents/measures/").content.decode()
    field = re.search(r'<input[^>]*id="id_atena_number"[^>]*>', html).group(0)
    assert f'hx-get="{URL}"' in field and "atena" in field
    ok = approver_client.get(URL, {"kind": "atena", "label": "申出者", "atena_number": atena}, **HTMX)
    assert ok.status_code == 200 and ok.content.decode().strip() == f"<span>{atena} 山田 太郎</span>"
    both = approver_client.get(URL, {"kind": "atenas", "subject_atenas": f"{atena}, {household['hanako'].person.atena_number}"})
    assert "山田 太郎、" in both.content.decode() and "山田 花子" in both.content.decode()


def test_an_unknown_atena_gets_the_services_error_and_never_an_internal_id(household, approver_client):
    # an internal person id typed as a 宛名番号 must not find that person
    pk = str(household["taro"].person_id)
    answer = approver_client.get(URL, {"kind": "atena", "label": "申出者", "atena_number": "999999999"}).content.decode()
    assert "申出者の住民が見つかりません。" in answer
    if pk != household["taro"].person.atena_number:
        assert "山田" not in approver_client.get(URL, {"kind": "atena", "atena_number": pk}).content.decode()
    # and the service is given no internal id either: the same error on posting the form
    posted = approver_client.post("/residents/measures/", {"kind": "formal", "atena_number": "999999999",
                                                            "starts_on": "令和6年4月1日"})
    assert posted.status_code == 400 and "申出者の住民が見つかりません。" in posted.content.decode()


@pytest.mark.parametrize("value", ["１２３", "12²", "1" * 13, "a\x00"])
def test_bad_atena_input_is_a_400(approver_client, value):
    assert approver_client.get(URL, {"kind": "atena", "atena_number": value}).status_code == 400


def test_atena_check_needs_the_measures_role_and_stays_in_its_town(household, client_a, town_b):
    atena = household["taro"].person.atena_number
    assert client_a.get(URL, {"kind": "atena", "atena_number": atena}).status_code == 403
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    user = get_user_model().objects.create_user(username="approver-b-check", password=PASSWORD)
    StaffMembership.objects.create(user=user, municipality=town_b, role="approver")
    other = logged_in_client(user, "kashima.test").get(URL, {"kind": "atena", "atena_number": atena})
    assert other.status_code == 200 and "山田" not in other.content.decode()
    assert "申出者の住民が見つかりません。" in other.content.decode()


def test_the_label_named_in_the_answer_is_one_of_the_forms(approver_client):
    aggressor = approver_client.get(URL, {"kind": "atena", "label": "加害者", "aggressor_atena": "999999999"})
    assert "加害者の住民が見つかりません。" in aggressor.content.decode()
    other = approver_client.get(URL, {"kind": "atena", "label": "<b>誰か</b>", "atena_number": "999999999"})
    assert "申出者の住民が見つかりません。" in other.content.decode() and "誰か" not in other.content.decode()
