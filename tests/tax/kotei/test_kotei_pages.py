"""固定資産税's pages: search, parcel, assessment with 課税明細, the 納税通知書 PDF (read back), the notice import
page (errors by record and item, or the created work list), the work list's decisions, 400s for bad input,
and isolation (town B's 税務 staff reach nothing of town A's: pages, PDF, work items)."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.tax.kotei import services
from tenants.tax.kotei.models import Parcel, PropertyAssessment
from tenants.tax.models import WorkItem
from tests.tax.kotei.factories import FY

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(tax_a, tax_chief_a, estate):
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    taro = estate["taro"].person_id
    return {**estate, "mine": PropertyAssessment.objects.get(taxpayer_key=f"p{taro}", is_current=True)}


def test_search_parcel_and_assessment_pages(tax_client_a, issued):
    home = issued["parcels"]["home"]
    page = tax_client_a.get("/tax/kotei/parcels/?location=大字武雄&number=1")
    body = page.content.decode()
    assert page.status_code == 200 and "武雄市大字武雄 1番" in body and "山田 太郎" in body
    body = tax_client_a.get(f"/tax/kotei/parcels/{home.pk}/").content.decode()
    assert "宅地" in body and "17,000,000円" in body and "2,641,666円" in body  # 課税標準額 (負担調整)
    mine = issued["mine"]
    body = tax_client_a.get(f"/tax/kotei/assessments/{mine.pk}/").content.decode()
    assert f"{mine.total:,}円" in body and mine.notice_no in body and "第4期" in body


def test_the_notice_pdf_reads_back_with_its_detail_lines(tax_client_a, issued):
    from pypdf import PdfReader

    mine = issued["mine"]
    response = tax_client_a.get(f"/tax/kotei/assessments/{mine.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    first, detail = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "固定資産税 納税通知書" in first and mine.notice_no in first and f"{mine.total:,}円" in first
    assert "課税明細書" in detail and "1番の1" in detail and "2,641,666円" in detail and "17,000,000円" in detail
    assert "武雄町大字武雄1234" not in first + detail  # no address is printed


def test_the_chief_calculates_and_issues_from_the_page(tax_chief_client_a, tax_client_a, estate):
    page = tax_chief_client_a.post("/tax/kotei/assessments/calculate/", {"fiscal_year": "2025"})
    assert page.status_code == 302
    assert PropertyAssessment.objects.filter(fiscal_year=FY, is_current=True).count() == 3
    assert tax_chief_client_a.post("/tax/kotei/assessments/issue/", {"fiscal_year": "2025"}).status_code == 302
    assert PropertyAssessment.objects.exclude(notice_no="").count() == 2
    assert tax_client_a.post("/tax/kotei/assessments/calculate/", {"fiscal_year": "2025"}).status_code == 403


def test_the_import_page_lists_errors_by_record_and_item_or_the_work(tax_client_a, estate):
    bad = SimpleUploadedFile("bad.csv", "1,20250610,05,1,武雄市大字武雄,3番,,88,,,,,\n".encode())
    page = tax_client_a.post("/tax/kotei/notices/", {"file": bad})
    body = page.content.decode()
    assert page.status_code == 400 and "地目・種類" in body and "コード表にありません" in body
    good = SimpleUploadedFile("good.csv", "2,20250610,05,1,武雄市大字武雄,3番,,02,,,,,\n".encode())
    body = tax_client_a.post("/tax/kotei/notices/", {"file": good}).content.decode()
    assert "1件の通知を取り込みました" in body and "地目変更 武雄市大字武雄 3番" in body
    item = WorkItem.objects.get(tax="kotei", kind="revaluation")
    body = tax_client_a.get("/tax/kotei/work/").content.decode()
    assert f"adjust-{item.pk}" in body
    page = tax_client_a.post(f"/tax/kotei/work/{item.pk}/decide/", {"decision": "adjusted", "value-value": "x1"})
    assert page.status_code == 302
    item.refresh_from_db()
    assert item.status == "pending"  # a bad value: nothing applied
    tax_client_a.post(f"/tax/kotei/work/{item.pk}/decide/", {"decision": "adjusted", "value-value": "420000"})
    item.refresh_from_db()
    assert item.status == "adjusted" and Parcel.objects.get(pk=estate["parcels"]["small"].pk).value == 420_000


@pytest.mark.parametrize("url", [
    "/tax/kotei/parcels/{bad}/", "/tax/kotei/assessments/{bad}/", "/tax/kotei/assessments/{bad}/notice.pdf",
    "/tax/kotei/assessments/?year={bad}", "/tax/kotei/parcels/?atena={bad}",
])
@pytest.mark.parametrize("bad", ["１２", "1\x00", "9" * 400, "-1"])
def test_bad_input_is_a_400(tax_client_a, estate, url, bad):
    assert tax_client_a.get(url.format(bad=quote(bad))).status_code == 400


def test_bad_input_to_the_posts_is_a_400(tax_chief_client_a, estate):
    for value in ("２０２５", "2025\x00", "9" * 400):
        assert tax_chief_client_a.post("/tax/kotei/assessments/calculate/", {"fiscal_year": value}).status_code == 400
    assert tax_chief_client_a.post("/tax/kotei/work/１/decide/", {"decision": "confirmed"}).status_code == 400
    nul = SimpleUploadedFile("nul.csv", b"1,2025\x000610,05,1,x,3,,02,,,,,\n")
    assert tax_chief_client_a.post("/tax/kotei/notices/", {"file": nul}).status_code == 400


def test_an_unknown_record_is_a_404(tax_client_a, estate):
    assert tax_client_a.get("/tax/kotei/parcels/999999/").status_code == 404
    assert tax_client_a.get("/tax/kotei/assessments/999999/notice.pdf").status_code == 404


def test_town_b_staff_reach_nothing_of_town_a(tax_a, tax_b, tax_client_b_on_a, tax_client_b, issued):
    from django_tenants.utils import tenant_context

    mine, home = issued["mine"], issued["parcels"]["home"]
    item = WorkItem.objects.create(kind="revaluation", tax="kotei", parcel_id=home.pk, subject_key="parcel:x",
                                   summary="A町の評価変更", source_key="notice:x", source_type="registry.loss",
                                   proposed={"notice": 0})
    for url in ("/tax/kotei/parcels/?location=武雄", f"/tax/kotei/parcels/{home.pk}/",
                f"/tax/kotei/assessments/{mine.pk}/", f"/tax/kotei/assessments/{mine.pk}/notice.pdf",
                "/tax/kotei/work/", "/tax/kotei/notices/", "/tax/kotei/assessments/"):
        assert tax_client_b_on_a.get(url).status_code == 403, url
    assert tax_client_b_on_a.post(f"/tax/kotei/work/{item.pk}/decide/", {"decision": "confirmed"}).status_code == 403
    with tenant_context(tax_b):  # on B's own host: A's records are simply not there
        assert tax_client_b.get(f"/tax/kotei/parcels/{home.pk}/").status_code == 404
        assert tax_client_b.get(f"/tax/kotei/assessments/{mine.pk}/notice.pdf").status_code == 404
        body = tax_client_b.get("/tax/kotei/parcels/?location=武雄").content.decode()
        assert "山田 太郎" not in body
        assert "A町の評価変更" not in tax_client_b.get("/tax/kotei/work/").content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_the_audit_chain_verifies_after_the_work(tax_a, tax_client_a, issued):
    from tenants.tax import audit

    tax_client_a.get(f"/tax/kotei/assessments/{issued['mine'].pk}/notice.pdf")
    assert audit.verify(tax_a).ok
