"""統合照会 (/inquiry/persons/<id>/): the residents and 国保 parts through the registry's inquiry hooks, each
shown only to permitted roles and audited by its own application; 支援措置 and 抑止 as on the person page;
town B's staff get nothing of town A's person."""

from __future__ import annotations

import pytest

from kyodo.tenantlog.models import AuditEntry
from tenants.residents.models import AttemptKind, BlockedAttempt
from tests.conftest import PASSWORD, logged_in_client
from tests.residents.conftest import household  # noqa: F401  (fixture: a town without 国保)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(clerk_a):
    return logged_in_client(clerk_a, "takeo.test")


@pytest.fixture
def insured(nhi_a, family, relay, clerk_a):
    """The family moved in and their 資格取得 and 納付義務者 confirmed in 国保."""
    from tenants.nhi import services

    relay(nhi_a)
    services.workitems_confirm_household(actor=clerk_a, town=nhi_a, household_id=family["household_id"])
    return family


def _reads(chain: str, action: str):
    return list(AuditEntry.objects.filter(chain=chain, action=action).order_by("seq"))


def test_a_clerk_sees_both_parts_each_audited_by_its_application(insured, clerk):
    page = clerk.get(f"/inquiry/persons/{insured['taro']}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "住民記録" in body and "国民健康保険（資格・保険税）" in body
    assert "山田 太郎（ヤマダ タロウ）" in body  # 氏 名, family name first, カナ likewise
    assert "佐賀県武雄市武雄町大字武雄1234番地" in body and "山田 花子" in body and "山田 一郎" in body  # household
    assert "被保険者（令和6年4月1日 取得）" in body and "転入" in body
    assert "山田 太郎（本人） 世帯主（令和6年4月1日から）" in body  # 納付義務者 by name and label
    [residents_read] = _reads("residents:412066", "person.read")
    [nhi_read] = _reads("nhi:412066", "enrolment.read")
    for entry in (residents_read, nhi_read):
        assert entry.purpose == "統合照会" and entry.actor_username == "clerk-a"
        assert entry.target_id == str(insured["taro"]) or insured["taro"] in entry.detail.get("persons", [])


def test_codes_are_shown_by_their_labels(insured, clerk):
    import re

    body = clerk.get(f"/inquiry/persons/{insured['taro']}/").content.decode()
    assert re.search(r'id="inquiry-sex">男</td>', body)  # 性別 by its label, never the code
    assert re.search(r'id="inquiry-status">住民</td>', body)
    for raw in ("move_in", "deemed_head", ">head<", "resident<", "left_employee_insurance"):
        assert raw not in body


def test_the_person_page_links_to_the_inquiry(insured, clerk):
    body = clerk.get(f"/residents/persons/{insured['taro']}/").content.decode()
    assert f'href="/inquiry/persons/{insured["taro"]}/"' in body and "統合照会" in body


def test_a_town_without_nhi_shows_only_the_residents_part(household, clerk):  # noqa: F811
    """Where 国保 may not be seen (here: the town does not use it, so no role reaches it) the page has
    the residents part only, and nothing is read or audited in 国保."""
    page = clerk.get(f"/inquiry/persons/{household['taro'].person_id}/")
    body = page.content.decode()
    assert page.status_code == 200 and "住民記録" in body and "国民健康保険" not in body
    assert not AuditEntry.objects.filter(application="nhi").exists()
    assert len(_reads("residents:412066", "person.read")) == 1


def test_a_role_that_may_see_no_part_is_refused(insured, town_a):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    auditor = get_user_model().objects.create_user(username="auditor-a", password=PASSWORD)
    StaffMembership.objects.create(user=auditor, municipality=town_a, role="auditor")
    response = logged_in_client(auditor, "takeo.test").get(f"/inquiry/persons/{insured['taro']}/")
    assert response.status_code == 403 and "山田" not in response.content.decode()
    assert not _reads("residents:412066", "person.read") and not _reads("nhi:412066", "enrolment.read")


def test_a_protected_person_goes_behind_the_warning_once_for_the_whole_page(insured, nhi_a, approver_a, clerk):
    from tenants.residents import services

    hanako = insured["hanako"]
    services.support_measure_create(actor=approver_a, town=nhi_a, person_id=hanako, starts_on="2024-05-01",
                                    subjects=[], aggressors=[])
    url = f"/inquiry/persons/{hanako}/"
    gate = clerk.get(url)
    body = gate.content.decode()
    assert gate.status_code == 200 and 'id="alert-gate"' in body and f'action="{url}"' in body
    assert "武雄町大字武雄1234番地" not in body and "資格の履歴" not in body
    assert not _reads("nhi:412066", "enrolment.read")  # nothing of 国保 read before the purpose
    assert clerk.post(url, {"purpose": ""}).status_code == 400
    assert not BlockedAttempt.objects.filter(kind=AttemptKind.ALERTED).exists()
    stated = clerk.post(url, {"purpose": "本人来庁（国保の手続）"})
    assert stated.status_code == 302 and stated["Location"] == url
    page = clerk.get(url).content.decode()
    assert "武雄町大字武雄1234番地" in page and "資格の履歴" in page and 'id="inquiry-suppression-banner"' in page
    [attempt] = BlockedAttempt.objects.filter(kind=AttemptKind.ALERTED, person_id=hanako)
    assert attempt.purpose == "本人来庁（国保の手続）" and attempt.channel == "inquiry"
    [residents_read] = _reads("residents:412066", "person.read")
    [nhi_read] = _reads("nhi:412066", "enrolment.read")
    assert residents_read.detail["under_alert"] is True
    assert residents_read.purpose == nhi_read.purpose == "統合照会（本人来庁（国保の手続））"


def test_the_stated_purpose_is_not_carried_to_another_town(insured, nhi_a, approver_a, clerk):
    from tenants.residents import services

    hanako = insured["hanako"]
    services.support_measure_create(actor=approver_a, town=nhi_a, person_id=hanako, starts_on="2024-05-01",
                                    subjects=[], aggressors=[])
    clerk.post(f"/inquiry/persons/{hanako}/", {"purpose": "本人来庁"})
    assert set(clerk.session.get(f"inquiry-alert-ack:{nhi_a.schema_name}", {})) == {str(hanako)}
    assert list(k for k in clerk.session.keys() if k.startswith("inquiry-alert-ack:")) == [
        f"inquiry-alert-ack:{nhi_a.schema_name}"]


def test_an_error_level_block_refuses_the_page(insured, nhi_a, approver_a, clerk):
    from tenants.residents import services

    taro = insured["taro"]
    services.suppression_set(actor=approver_a, town=nhi_a, process="inquiry", severity="error",
                             reason="court_order", person_id=taro, starts_on="2024-01-01")
    response = clerk.get(f"/inquiry/persons/{taro}/")
    body = response.content.decode()
    assert response.status_code == 403 and "裁判所等の命令" in body
    assert "武雄町大字武雄1234番地" not in body and "被保険者" not in body
    assert BlockedAttempt.objects.filter(kind=AttemptKind.REFUSED, person_id=taro, channel="inquiry").exists()
    assert not _reads("nhi:412066", "enrolment.read")
    # a purpose stated for a refused person opens nothing either
    clerk.post(f"/inquiry/persons/{taro}/", {"purpose": "確認"})
    assert clerk.get(f"/inquiry/persons/{taro}/").status_code == 403


def test_town_b_staff_get_nothing_of_town_a_s_person(insured, clerk_b, town_b):
    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications, "nhi"])
    taro = insured["taro"]
    on_a = logged_in_client(clerk_b, "takeo.test")
    assert on_a.get(f"/inquiry/persons/{taro}/").status_code == 403
    on_b = logged_in_client(clerk_b, "kashima.test")
    theirs, unknown = on_b.get(f"/inquiry/persons/{taro}/"), on_b.get("/inquiry/persons/999999/")
    assert theirs.status_code == unknown.status_code == 404
    import re

    def page(response):  # the body without its per-response CSRF tokens
        return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*"', "", response.content.decode())

    assert page(theirs) == page(unknown) and "山田" not in page(theirs)
    assert on_b.post(f"/inquiry/persons/{taro}/", {"purpose": ""}).status_code == 404


@pytest.mark.parametrize("pk", ["²", "9999999999999999999", "-1"])
def test_bad_ids_are_400(insured, clerk, pk):
    from urllib.parse import quote

    assert clerk.get(f"/inquiry/persons/{quote(pk)}/").status_code == 400
