"""国保の画面: 作業一覧, confirm one / a household, 資格履歴, 取得・喪失 forms; bad input is a 400; town B's
staff reach nothing of town A's 国保."""

from __future__ import annotations

import pytest

from tenants.nhi.models import Enrolment, WorkItem
from tests.conftest import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(clerk_a):
    return logged_in_client(clerk_a, "takeo.test")


def test_work_list_shows_pending_items_and_confirming_a_household_applies_them(nhi_a, family, relay, clerk):
    relay(nhi_a)
    page = clerk.get("/nhi/")
    body = page.content.decode()
    assert page.status_code == 200 and "作業一覧" in body and "資格取得（転入）: 山田 花子" in body
    assert "この世帯の作業をすべて確定する" in body
    response = clerk.post(f"/nhi/households/{family['household_id']}/confirm/")
    assert response.status_code == 302
    assert Enrolment.objects.filter(is_current=True).count() == 3
    assert "未処理の作業はありません。" in clerk.get("/nhi/").content.decode()


def test_confirm_one_item_and_the_history_page(nhi_a, family, relay, clerk):
    relay(nhi_a)
    item = WorkItem.objects.get(kind="acquire", person_id=family["taro"])
    assert clerk.post(f"/nhi/work/{item.pk}/confirm/").status_code == 302
    body = clerk.get(f"/nhi/persons/{family['taro']}/").content.decode()
    assert "資格履歴: 山田 太郎" in body and "令和6年4月1日" in body and "転入" in body and "被保険者" in body


def test_acquire_and_lose_forms(nhi_a, family, clerk):
    bad = clerk.post(f"/nhi/persons/{family['hanako']}/acquire/", {"acquired_on": "令和6年2月30日", "reason": "birth"})
    assert bad.status_code == 400 and "取得日" in bad.content.decode()
    ok = clerk.post(f"/nhi/persons/{family['hanako']}/acquire/", {"acquired_on": "令和6年4月1日",
                                                                  "reason": "left_employee_insurance"})
    assert ok.status_code == 302
    early = clerk.post(f"/nhi/persons/{family['hanako']}/lose/", {"lost_on": "2024-01-01", "reason": "death"})
    assert early.status_code == 400 and "喪失日が取得日より前です。" in early.content.decode()
    assert clerk.post(f"/nhi/persons/{family['hanako']}/lose/", {"lost_on": "2024-09-01",
                                                                 "reason": "late_elderly"}).status_code == 302
    assert Enrolment.objects.get(person_id=family["hanako"], is_current=True).loss_reason == "late_elderly"


@pytest.mark.parametrize("pk", ["²", "9999999999999999999", "-1"])
def test_bad_ids_are_400_not_500(nhi_a, clerk, pk):
    from urllib.parse import quote

    assert clerk.get(f"/nhi/persons/{quote(pk)}/").status_code == 400
    assert clerk.post(f"/nhi/work/{quote(pk)}/confirm/").status_code == 400


def test_an_unknown_person_is_not_found(nhi_a, clerk):
    assert clerk.get("/nhi/persons/999999/").status_code == 404


def test_town_b_staff_reach_nothing_of_town_a(nhi_a, family, relay, clerk_b, town_b):
    """Isolation: town B's staff (even with 国保 enabled in B) get the refusal on A's host, and A's ids on
    B's host find nothing."""
    from django_tenants.utils import tenant_context

    relay(nhi_a)
    item = WorkItem.objects.get(kind="acquire", person_id=family["taro"])
    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications, "nhi"])
    town_b.refresh_from_db()
    on_a = logged_in_client(clerk_b, "takeo.test")
    for path in ("/nhi/", f"/nhi/persons/{family['taro']}/"):
        assert on_a.get(path).status_code == 403
    assert on_a.post(f"/nhi/work/{item.pk}/confirm/").status_code == 403
    on_b = logged_in_client(clerk_b, "kashima.test")
    assert on_b.get(f"/nhi/persons/{family['taro']}/").status_code == 404
    assert on_b.post(f"/nhi/work/{item.pk}/confirm/").status_code == 404
    assert "山田" not in on_b.get("/nhi/").content.decode()
    with tenant_context(nhi_a):
        item.refresh_from_db()
        assert item.status == "pending"
    with tenant_context(town_b):
        assert not WorkItem.objects.exists() and not Enrolment.objects.exists()


def test_a_town_that_has_not_enabled_nhi_refuses_its_pages(in_a, client_a):
    assert client_a.get("/nhi/").status_code == 403
