"""税務's shared parts: its own roles (税務課), the 作業 decisions and their audit chain, the 統合照会 part,
and the isolation fixture (town B's 税務 staff reach nothing of town A's)."""

from __future__ import annotations

import uuid

import pytest

from kyodo.tenantlog.models import AuditEntry
from tenants.tax import audit, services
from tenants.tax.models import WorkItem
from tests.residents.conftest import household  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _item(person_id=None, **extra) -> WorkItem:
    return WorkItem.objects.create(kind="address_change", tax="juminzei", person_id=person_id,
                                   subject_key=f"person:{person_id}", summary="送付先の変更 テスト",
                                   source_key=f"event:{uuid.uuid4()}", source_type="residents.relocated", **extra)


def test_only_the_tax_roles_open_the_tax_pages(tax_client_a, client_a):
    assert tax_client_a.get("/tax/").status_code == 200
    assert client_a.get("/tax/").status_code == 403  # 窓口担当 (市民課) is not 税務課


def test_a_town_without_tax_refuses_even_tax_staff(town_a):
    from tests.conftest import logged_in_client
    from tests.tax.conftest import _staff

    client = logged_in_client(_staff("tax-clerk-no-tax", town_a, "tax_clerk"), "takeo.test")
    assert "tax" not in town_a.enabled_applications
    assert client.get("/tax/").status_code == 403


def test_confirming_a_work_item_records_who_and_audits_it(tax_a, tax_clerk_a, tax_client_a):
    item = _item(person_id=41)
    page = tax_client_a.post(f"/tax/work/{item.pk}/decide/", {"decision": "confirmed"})
    assert page.status_code == 302
    item.refresh_from_db()
    assert item.status == "confirmed" and item.decided_by and item.decided_at
    entry = AuditEntry.objects.filter(chain=f"tax:{tax_a.code}", action="workitem.confirmed").get()
    assert entry.target_id == "41"
    assert audit.verify(tax_a).ok


def test_a_rejection_needs_a_reason_and_a_decided_item_is_not_decided_again(tax_a, tax_clerk_a):
    from django.core.exceptions import ValidationError

    item = _item(person_id=42)
    with pytest.raises(ValidationError) as excinfo:
        services.workitem_decide(actor=tax_clerk_a, town=tax_a, item_id=item.pk, decision="rejected", note="  ")
    assert "note" in excinfo.value.message_dict
    services.workitem_decide(actor=tax_clerk_a, town=tax_a, item_id=item.pk, decision="rejected", note="重複")
    with pytest.raises(ValidationError) as excinfo:
        services.workitem_decide(actor=tax_clerk_a, town=tax_a, item_id=item.pk, decision="confirmed")
    assert "status" in excinfo.value.message_dict
    item.refresh_from_db()
    assert (item.status, item.decision_note) == ("rejected", "重複")


def test_an_unknown_decision_is_refused_by_field(tax_a, tax_clerk_a):
    from django.core.exceptions import ValidationError

    item = _item(person_id=43)
    with pytest.raises(ValidationError) as excinfo:
        services.workitem_decide(actor=tax_clerk_a, town=tax_a, item_id=item.pk, decision="approve\x00")
    assert "decision" in excinfo.value.message_dict
    item.refresh_from_db()
    assert item.status == "pending"


@pytest.mark.parametrize("pk", ["１２", "1\x00", "9" * 400, "-1"])
def test_a_malformed_work_item_id_is_a_400(tax_client_a, pk):
    from urllib.parse import quote

    assert tax_client_a.post(f"/tax/work/{quote(pk)}/decide/", {"decision": "confirmed"}).status_code == 400


@pytest.mark.parametrize("query", ["?tax=income", "?kind=%00", "?tax=juminzei\x00"])
def test_a_bad_filter_is_a_400(tax_client_a, query):
    assert tax_client_a.get(f"/tax/work/{query}").status_code == 400


def test_town_b_staff_reach_nothing_of_town_a(tax_a, tax_client_b_on_a, tax_client_b, tax_b):
    item = _item(person_id=44)
    assert tax_client_b_on_a.get("/tax/").status_code == 403  # B's staff hold no role in town A
    assert tax_client_b_on_a.post(f"/tax/work/{item.pk}/decide/", {"decision": "confirmed"}).status_code == 403
    from django_tenants.utils import tenant_context

    with tenant_context(tax_b):
        page = tax_client_b.get("/tax/work/")  # town B's list, on B's host: not A's item
    assert page.status_code == 200 and "送付先の変更 テスト" not in page.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_inquiry_shows_the_tax_part_to_tax_staff_only(tax_a, tax_client_a, client_a, household):  # noqa: F811
    from tenants.tax.models import Charge

    person_id = household["taro"].person_id
    Charge.objects.create(tax="juminzei", fiscal_year=2025, subject_kind="person", person_id=person_id,
                          name="テスト", notice_no="J2025-000001", instalment=1, collection="ordinary",
                          amount=12_000, due_on="2025-06-30", issued_by="t")
    body = tax_client_a.get(f"/inquiry/persons/{person_id}/").content.decode()
    assert "税務（住民税・固定資産税）" in body and "12,000" in body
    assert AuditEntry.objects.filter(chain=f"tax:{tax_a.code}", action="inquiry.read", target_id=str(person_id)).exists()
    other = client_a.get(f"/inquiry/persons/{person_id}/").content.decode()
    assert "税務（住民税・固定資産税）" not in other and "12,000" not in other
