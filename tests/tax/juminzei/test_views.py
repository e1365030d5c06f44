"""個人住民税's pages: list, detail (the calculation step by step), import, the year's run (税務課長), the
notice PDFs read back, 統合照会, 400s to bad input, and isolation (town B's 税務 staff reach nothing of A's)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tenants.tax.juminzei import services
from tenants.tax.juminzei.models import Assessment
from tests.tax.juminzei.helpers import atena, csv_bytes

pytestmark = pytest.mark.django_db
FY = 2025


@pytest.fixture
def issued(tax_a, tax_clerk_a, tax_chief_a, linked):
    services.incomes_import(actor=tax_clerk_a, town=tax_a, fiscal_year=FY, data=csv_bytes(
        f"{atena(linked['taro'])},給与支払報告書,K0001,武雄商事株式会社,4000000,0,600000,0,,,",
        f"{atena(linked['hanako'])},申告,,,0,2003000,300000,0,,,"))
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    return linked


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_list_and_the_detail_show_the_tax_step_by_step(tax_client_a, issued):
    body = tax_client_a.get(f"/tax/juminzei/?year={FY}").content.decode()
    assert "山田\u3000太郎" in body and "176,000円" in body
    taro = issued["taro"].person_id
    detail = tax_client_a.get(f"/tax/juminzei/taxpayers/{taro}/?year={FY}").content.decode()
    assert 'id="assessment-total">176,000円' in detail
    assert "課税総所得金額" in detail and "調整控除" in detail and "6月分" in detail
    assert "武雄商事株式会社" in detail and "J2025-" in detail


def test_the_notices_read_back_with_their_schedules(tax_client_a, issued):
    taro = Assessment.objects.get(person_id=issued["taro"].person_id, is_current=True)
    text = _pdf_text(tax_client_a.get(f"/tax/juminzei/notices/{taro.pk}.pdf"))
    assert "特別徴収税額決定通知書" in text and "市民税・県民税" in text and taro.notice_no in text
    assert "176,000円" in text and "15,400円" in text and "14,600円" in text and "5月分" in text
    hanako = Assessment.objects.get(person_id=issued["hanako"].person_id, is_current=True)
    text = _pdf_text(tax_client_a.get(f"/tax/juminzei/notices/{hanako.pk}.pdf"))
    assert "納税通知書" in text and "第4期" in text and f"{hanako.total:,}円" in text
    assert "佐賀県武雄市武雄町大字武雄1234番地" in text  # the 送付先


def test_the_year_run_and_notices_are_for_the_chief(tax_client_a, tax_chief_client_a, linked):
    assert tax_client_a.post("/tax/juminzei/year/calculate/", {"year": FY}).status_code == 403
    assert tax_client_a.post("/tax/juminzei/year/issue/", {"year": FY}).status_code == 403
    page = tax_chief_client_a.post("/tax/juminzei/year/calculate/", {"year": FY}, follow=True)
    assert page.status_code == 200 and "税額を計算しました: 3人" in page.content.decode()
    assert Assessment.objects.filter(fiscal_year=FY, is_current=True).count() == 3


def test_the_import_page_reports_errors_by_line_and_takes_nothing(tax_client_a, linked):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = csv_bytes(f"{atena(linked['taro'])},給与支払報告書,K0001,武雄商事,１０００,0,0,0,,,")
    page = tax_client_a.post("/tax/juminzei/incomes/", {"fiscal_year": str(FY),
                                                        "file": SimpleUploadedFile("a.csv", bad)})
    assert page.status_code == 400 and "2行目 給与収入" in page.content.decode()
    good = csv_bytes(f"{atena(linked['taro'])},給与支払報告書,K0001,武雄商事,1000000,0,0,0,,,")
    page = tax_client_a.post("/tax/juminzei/incomes/", {"fiscal_year": str(FY),
                                                        "file": SimpleUploadedFile("b.csv", good)})
    assert page.status_code == 302


@pytest.mark.parametrize("url", [
    "/tax/juminzei/?year=２０２５", "/tax/juminzei/?year=99999999999999999999999", "/tax/juminzei/?year=1999",
    "/tax/juminzei/?page=%00", "/tax/juminzei/?q=%00", "/tax/juminzei/taxpayers/１２/",
    "/tax/juminzei/taxpayers/12%00/", "/tax/juminzei/taxpayers/99999999999999999999999/",
    "/tax/juminzei/notices/abc.pdf", "/tax/juminzei/?q=" + "あ" * 60,
])
def test_bad_input_is_a_400(tax_client_a, tax_a, url):
    assert tax_client_a.get(url).status_code == 400


def test_bad_post_input_is_a_400(tax_chief_client_a, tax_a):
    assert tax_chief_client_a.post("/tax/juminzei/year/calculate/", {"year": "２０２５"}).status_code == 400
    assert tax_chief_client_a.post("/tax/juminzei/taxpayers/1/recalculate/", {"year": "20\x0025"}).status_code == 400


def test_town_b_staff_reach_nothing_of_town_a(tax_client_b_on_a, tax_client_b, tax_clerk_b, issued):
    taro = issued["taro"].person_id
    notice = Assessment.objects.get(person_id=taro, is_current=True)
    for url in (f"/tax/juminzei/?year={FY}", f"/tax/juminzei/taxpayers/{taro}/?year={FY}",
                f"/tax/juminzei/notices/{notice.pk}.pdf", f"/tax/juminzei/year/?year={FY}"):
        response = tax_client_b_on_a.get(url)
        assert response.status_code in (403, 404), url
        assert "山田" not in response.content.decode(errors="replace")
    # On their own town's host, A's ids are simply not found.
    for url in (f"/tax/juminzei/taxpayers/{taro}/?year={FY}", f"/tax/juminzei/notices/{notice.pk}.pdf"):
        response = tax_client_b.get(url)
        assert response.status_code == 404, url
        assert "山田" not in response.content.decode(errors="replace")
    assert "山田" not in tax_client_b.get(f"/tax/juminzei/?year={FY}").content.decode()
    assert tax_client_b_on_a.post("/tax/juminzei/year/link/", {"year": FY}).status_code == 403
    inquiry = tax_client_b_on_a.get(f"/inquiry/persons/{taro}/")
    assert inquiry.status_code in (403, 404) and "176,000円" not in inquiry.content.decode()


def test_the_inquiry_shows_the_persons_resident_tax(tax_client_a, issued):
    body = tax_client_a.get(f"/inquiry/persons/{issued['taro'].person_id}/").content.decode()
    assert 'id="inquiry-juminzei-total">176,000円' in body and "納税義務者" in body


def test_a_protected_address_is_neither_shown_nor_printed(tax_client_a, approver_a, tax_a, issued):
    from tenants.residents import services as residents

    residents.support_measure_create(
        actor=approver_a, town=tax_a, person_id=issued["hanako"].person_id, starts_on="2024-05-01",
        subjects=[], aggressors=[{"name": "加害 次郎", "name_kana": "カガイ ジロウ", "birth_date": "1975-03-03",
                                  "sex": "1", "address": "福岡県福岡市中央区天神1丁目1番1号"}])
    hanako = Assessment.objects.get(person_id=issued["hanako"].person_id, is_current=True)
    text = _pdf_text(tax_client_a.get(f"/tax/juminzei/notices/{hanako.pk}.pdf"))
    assert "武雄1234番地" not in text and "窓口でお渡しします" in text
    detail = tax_client_a.get(f"/tax/juminzei/taxpayers/{hanako.person_id}/?year={FY}").content.decode()
    assert "武雄1234番地" not in detail and "支援措置" in detail
