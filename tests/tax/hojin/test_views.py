"""法人住民税's pages: search, the one-screen inquiry (everything in one response, 43 → 18 minutes in Saga),
the corporation and return forms, 400 for bad input (NUL, 全角数字, huge values), and the isolation fixture —
town B's 税務担当 reaches nothing of town A's corporations."""

from __future__ import annotations

from datetime import date

import pytest

from kyodo.tenantlog.models import AuditEntry
from tenants.tax.hojin import services
from tenants.tax.models import Charge, DelinquencyStatus, Payment, WorkItem
from tests.tax.hojin.conftest import corporate_number, corporation_data, final_return

pytestmark = pytest.mark.django_db


def _filed(town, clerk, corporation):
    return services.return_file(actor=clerk, town=town, corporation=corporation, data=final_return())


def test_search_by_number_and_by_name(tax_a, tax_client_a, corporation_a):
    page = tax_client_a.get("/tax/hojin/", {"q": corporation_a.corporate_number})
    assert page.status_code == 200 and "株式会社武雄製作所" in page.content.decode()
    page = tax_client_a.get("/tax/hojin/", {"q": "武雄製作"})
    assert f"/tax/hojin/{corporation_a.pk}/" in page.content.decode()
    page = tax_client_a.get("/tax/hojin/", {"q": "存在しない法人"})
    assert "該当する法人はありません" in page.content.decode()
    assert AuditEntry.objects.filter(action="corporation.search").count() == 3


def test_the_one_screen_inquiry_shows_everything_in_one_response(tax_a, tax_clerk_a, tax_client_a, corporation_a):
    record = _filed(tax_a, tax_clerk_a, corporation_a)
    charge = Charge.objects.get(corporate_number=corporation_a.corporate_number)
    Payment.objects.create(charge=charge, amount=100_000, paid_on=date(2025, 6, 10), channel="窓口",
                           recorded_by="tax-clerk-a")
    DelinquencyStatus.objects.create(charge=charge, stage="reminded", as_of=date(2025, 6, 20), note="督促状発送",
                                     recorded_by="vendor")
    WorkItem.objects.create(kind="address_change", tax="hojin", corporate_number=corporation_a.corporate_number,
                            subject_key=f"corporation:{corporation_a.corporate_number}", summary="本店移転の確認",
                            source_key="notice:1", source_type="test")
    page = tax_client_a.get(f"/tax/hojin/{corporation_a.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    for shown in (corporation_a.corporate_number, "佐賀県武雄市武雄町大字昭和1番地",  # profile, office
                  "確定申告", "130,000円", "274,000円", "404,000円",  # the return and its calculation
                  record.explanation[0], charge.notice_no, "100,000円", "304,000円",  # charge, payment, balance
                  "督促", "督促状発送", "本店移転の確認"):  # 滞納の状況, pending 作業
        assert shown in text, shown


def test_registering_and_filing_through_the_pages(tax_a, tax_client_a):
    number = corporate_number("900000000011")
    form = {**corporation_data(corporate_number=number), "status": "active", "office_opened_on": "",
            "office_closed_on": "", "capital_and_reserve": ""}
    page = tax_client_a.post("/tax/hojin/new/", form)
    assert page.status_code == 302
    pk = int(page["Location"].rstrip("/").split("/")[-1])
    data = {"kind": "final", "period_start": "2024-04-01", "period_end": "2025-03-31", "capital": "30000000",
            "employees": "12", "corporate_tax": "4,567,890", "filed_on": "2025-05-20"}
    page = tax_client_a.post(f"/tax/hojin/{pk}/returns/new/", data)
    assert page.status_code == 302
    assert Charge.objects.get(corporate_number=number).amount == 404_000


def test_a_wrong_check_digit_on_the_form_is_a_400_naming_the_field(tax_a, tax_client_a):
    good = corporate_number("900000000011")
    bad = str((int(good[0]) + 1) % 10) + good[1:]
    form = {**corporation_data(corporate_number=bad), "status": "active"}
    page = tax_client_a.post("/tax/hojin/new/", form)
    assert page.status_code == 400
    text = page.content.decode()
    assert "法人番号" in text and "check digit" in text and bad in text


@pytest.mark.parametrize("value", ["１２", "12\x00", "9" * 40, "-5", "abc"])
def test_bad_numbers_on_the_return_form_are_400(tax_a, tax_client_a, corporation_a, value):
    data = {"kind": "final", "period_start": "2024-04-01", "period_end": "2025-03-31", "capital": value,
            "employees": "12", "filed_on": "2025-05-20"}
    page = tax_client_a.post(f"/tax/hojin/{corporation_a.pk}/returns/new/", data)
    assert page.status_code == 400
    assert Charge.objects.count() == 0


@pytest.mark.parametrize("path", ["/tax/hojin/１/", "/tax/hojin/²/", "/tax/hojin/99999999999999999999/",
                                  "/tax/hojin/{pk}/returns/new/?corrects=x",
                                  "/tax/hojin/{pk}/returns/new/?corrects=１"])
def test_bad_ids_are_400(tax_a, tax_client_a, corporation_a, path):
    assert tax_client_a.get(path.format(pk=corporation_a.pk)).status_code == 400


def test_search_with_nul_is_400(tax_a, tax_client_a):
    assert tax_client_a.get("/tax/hojin/", {"q": "a\x00b"}).status_code == 400


def test_town_b_staff_reach_nothing_of_town_a(tax_a, tax_clerk_a, corporation_a, tax_client_b_on_a, tax_client_b,
                                              client_a):
    _filed(tax_a, tax_clerk_a, corporation_a)
    pk = corporation_a.pk
    for path in ("/tax/hojin/", f"/tax/hojin/{pk}/", f"/tax/hojin/{pk}/edit/", f"/tax/hojin/{pk}/returns/new/",
                 "/tax/hojin/new/"):
        assert tax_client_b_on_a.get(path, {"q": "武雄"} if path == "/tax/hojin/" else {}).status_code == 403
        assert client_a.get(path).status_code == 403  # 市民課's 窓口担当 is not 税務課
    assert tax_client_b_on_a.post(f"/tax/hojin/{pk}/returns/new/", final_return()).status_code == 403
    # on its own host, town B's clerk finds nothing of A's and the id answers like a missing one
    page = tax_client_b.get("/tax/hojin/", {"q": corporation_a.corporate_number})
    assert page.status_code == 200 and "株式会社武雄製作所" not in page.content.decode()
    missing = tax_client_b.get("/tax/hojin/987654321/")
    same_id = tax_client_b.get(f"/tax/hojin/{pk}/")
    assert same_id.status_code == missing.status_code == 404
    assert "武雄" not in same_id.content.decode().replace("武雄市", "")
    from django_tenants.utils import tenant_context

    with tenant_context(tax_a):  # the client's requests on B's host left the connection in B's schema
        assert Charge.objects.count() == 1


def test_editing_a_corporation_keeps_its_number_and_is_audited(tax_a, tax_client_a, corporation_a):
    form = {**corporation_data(name="株式会社武雄製作所（新商号）", corporate_number="9999999999999"),
            "status": "active", "office_opened_on": "", "office_closed_on": "", "capital_and_reserve": ""}
    page = tax_client_a.post(f"/tax/hojin/{corporation_a.pk}/edit/", form)
    assert page.status_code == 302
    corporation_a.refresh_from_db()
    assert corporation_a.name == "株式会社武雄製作所（新商号）"
    assert corporation_a.corporate_number == corporate_number("123456789012")  # the disabled field is ignored
    entry = AuditEntry.objects.get(action="corporation.update")
    assert entry.detail["changed"] == ["name"]


def test_an_amended_return_through_the_page_pays_the_increase(tax_a, tax_clerk_a, tax_client_a, corporation_a):
    first = _filed(tax_a, tax_clerk_a, corporation_a)
    page = tax_client_a.get(f"/tax/hojin/{corporation_a.pk}/returns/new/", {"corrects": str(first.pk)})
    assert page.status_code == 200 and '<option value="amended" selected>' in page.content.decode()
    data = {"kind": "amended", "corrects": str(first.pk), "period_start": "2024-04-01", "period_end": "2025-03-31",
            "capital": "30000000", "employees": "12", "corporate_tax": "6000000", "filed_on": "2025-08-01"}
    assert tax_client_a.post(f"/tax/hojin/{corporation_a.pk}/returns/new/", data).status_code == 302
    assert sorted(Charge.objects.values_list("amount", flat=True)) == [86_000, 404_000]
    from tenants.tax.hojin.models import CorporateReturnRecord

    latest = CorporateReturnRecord.objects.get(kind="amended")
    lower = {**data, "corrects": str(latest.pk), "corporate_tax": "100000"}
    page = tax_client_a.post(f"/tax/hojin/{corporation_a.pk}/returns/new/", lower)
    assert page.status_code == 400 and "更正の請求" in page.content.decode()
