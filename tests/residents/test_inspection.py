"""閲覧 — 住民基本台帳の一部の写しの閲覧 (住基法11条・11条の2, 標準仕様 20.3.1 and 1.6): a request,
a second person's decision, and an extract of four items that never carries a protected person
or a protected address, audited with the persons it lists."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django_tenants.utils import tenant_context

from kyodo.tenantlog.models import AuditEntry
from tenants.residents import services
from tenants.residents.models import InspectionRequest
from tenants.residents.services import inspection

from .conftest import move_in_data, person_data
from .test_isolation import b_resident  # noqa: F401  (fixture)
from .test_protection_leaks import _leaks, _pdf_text, planted, protected  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

GOVERNMENT = {"requester_type": "government", "requester_name": "武雄市選挙管理委員会",
              "requester_address": "佐賀県武雄市武雄町昭和12番地10", "purpose": "選挙に関する世論調査"}
PRIVATE = {"requester_type": "corporation", "requester_name": "株式会社佐賀調査", "representative": "代表取締役 調査一郎",
           "requester_address": "佐賀県佐賀市城内1丁目1番1号", "viewers": "調査 花子（佐賀県佐賀市城内1丁目2番）",
           "purpose": "学術調査（統計の作成）", "data_handling": "施錠保管し調査終了後に裁断"}


def _approver():
    return get_user_model().objects.get(username="approver-a")


def _approved(town, clerk, **criteria) -> InspectionRequest:
    request = inspection.inspection_request_create(actor=clerk, town=town, **{**GOVERNMENT, **criteria})
    return inspection.inspection_request_decide(actor=_approver(), town=town, request=request, approve=True)


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _pdf(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return _pdf_text(response.content)


# --- 支援措置 -----------------------------------------------------------------------------------------

def test_the_scan_finds_the_planted_address_before_the_measure(planted, in_a, clerk_a, client_a):  # noqa: F811
    """標準仕様 1.6: without a measure the planted address is in the extract, so the check below
    looks where it would be."""
    request = _approved(in_a, clerk_a, address_prefix="佐賀県武雄市")
    rows = _csv_rows(client_a.get(f"/residents/inspections/{request.pk}/extract.csv"))
    assert _leaks("".join(map(str, rows))) and _leaks(_pdf(client_a.get(f"/residents/inspections/{request.pk}/extract.pdf")))


def test_extract_leaves_out_the_protected_person_and_the_same_address_household(protected, in_a, clerk_a,  # noqa: F811
                                                                                  client_a, approver_client):
    """標準仕様 1.6 (閲覧用の写しから支援対象者を除く) / 20.3.1: the protected person, her household and
    the other household at the same 住所+方書 are not in the PDF or the CSV; the member who moved
    away is, with his new address only."""
    request = _approved(in_a, clerk_a, address_prefix="佐賀県武雄市")
    for client in (client_a, approver_client):
        rows = _csv_rows(client.get(f"/residents/inspections/{request.pk}/extract.csv"))
        pdf = _pdf(client.get(f"/residents/inspections/{request.pk}/extract.pdf"))
        names = [r[0] for r in rows[1:]]
        assert _leaks("".join(map(str, rows))) == [] and _leaks(pdf) == []
        assert not any(n.endswith(("太郎", "花子")) or n.startswith("佐藤") for n in names)
        assert "山田\u3000一郎" in names and "山田一郎" in pdf and "甘久2000番地" in pdf
    entry = AuditEntry.objects.filter(action="inspection.extract").latest("seq")
    assert protected["ichiro"] in entry.detail["person_ids"]
    assert not {protected["taro"], protected["hanako"], protected["sato"]} & set(entry.detail["person_ids"])


# --- the extract ----------------------------------------------------------------------------------

@pytest.fixture
def ages(in_a, clerk_a, approve):
    """Residents born around the 20〜30歳 boundaries as of 2024-06-01, and one with a 不詳日."""
    births = {"二十歳": "2004-06-01", "十九歳": "2004-06-02", "三十歳": "1993-06-02", "三十一歳": "1993-06-01",
              "明": "平成5年月日不詳"}
    people = [person_data(given_name=name, given_name_kana="テスト", relationship="世帯主" if i == 0 else "同居人",
                          birth_date=birth, resident_code=f"5234567890{i}")
              for i, (name, birth) in enumerate(births.items())]
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-05-01",
                                    effective_on="2024-05-01",
                                    data=move_in_data(people, address="佐賀県武雄市武雄町大字富岡１１番地"))
    approve(change)
    return change


def _names(client, request) -> list[str]:
    return [r[0].split("\u3000")[1] for r in _csv_rows(client.get(f"/residents/inspections/{request.pk}/extract.csv"))[1:]]


def test_age_range_boundaries(ages, in_a, clerk_a, client_a):
    """住基法11条の2 (閲覧の範囲) / 標準仕様 20.3.1: 20〜30歳 as of 2024-06-01 takes the person who
    turns 20 that day and the one who turns 31 the next day, not the day-younger or the day-older.
    A 不詳日 counts from its earliest day (平成5年月日不詳 → 1993-01-01: 31歳)."""
    request = _approved(in_a, clerk_a, address_prefix="武雄町大字富岡", age_min="20", age_max="30",
                        age_on="2024-06-01")
    assert sorted(_names(client_a, request)) == sorted(["二十歳", "三十歳"])
    older = _approved(in_a, clerk_a, address_prefix="武雄町大字富岡", age_min="31", age_on="令和6年6月1日")
    assert sorted(_names(client_a, older)) == sorted(["三十一歳", "明"])
    everyone = _approved(in_a, clerk_a, district="武雄")
    assert {"二十歳", "十九歳", "三十歳", "三十一歳", "明"} <= set(_names(client_a, everyone))


def test_extract_holds_the_four_items_sorted_by_address(household, ages, in_a, clerk_a, client_a):
    """住基法11条 (氏名・出生の年月日・男女の別・住所 only) / 標準仕様 20.3.1: the columns are the four
    items, rows sorted by address, a 不詳日 printed as written; no 宛名番号, 続柄 or 本籍."""
    request = _approved(in_a, clerk_a, address_prefix="佐賀県武雄市")
    rows = _csv_rows(client_a.get(f"/residents/inspections/{request.pk}/extract.csv"))
    assert rows[0] == ["氏名", "出生の年月日", "男女の別", "住所"] and all(len(r) == 4 for r in rows)
    addresses = [r[3] for r in rows[1:]]
    assert addresses == sorted(addresses, key=lambda a: a.replace("１", "1")) and len(set(addresses)) == 2
    assert ["山田\u3000明", "平成5年月日不詳", "男", "佐賀県武雄市武雄町大字富岡１１番地 コーポ武雄101"] in rows
    body = "".join(map(str, rows))
    assert household["taro"].person.atena_number not in body and "世帯主" not in body and "本籍" not in body
    pdf = _pdf(client_a.get(f"/residents/inspections/{request.pk}/extract.pdf"))
    assert "住民基本台帳の一部の写し（閲覧用）" in pdf and "平成5年月日不詳" in pdf and "以上" in pdf


def test_persons_not_on_the_register_are_left_out(household, in_a, clerk_a, approve, client_a):
    """住基法11条 (住民基本台帳に記録されている者): a person who died is not in the extract."""
    death = services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-06-02",
                                   effective_on="2024-06-01", data={"person_id": household["hanako"].person_id})
    approve(death)
    request = _approved(in_a, clerk_a, address_prefix="佐賀県武雄市")
    assert "花子" not in _names(client_a, request) and "太郎" in _names(client_a, request)


def test_extract_is_audited_with_every_step(household, in_a, clerk_a, client_a):
    """標準仕様 10 (アクセスログ): the request, the decision and each extract are audit records; the
    extract's record lists the persons in it."""
    request = _approved(in_a, clerk_a, address_prefix="佐賀県武雄市")
    client_a.get(f"/residents/inspections/{request.pk}/extract.pdf")
    actions = list(AuditEntry.objects.filter(detail__request_id=request.pk).values_list("action", flat=True))
    assert {"inspection.request", "inspection.approve", "inspection.extract"} <= set(actions)
    entry = AuditEntry.objects.filter(action="inspection.extract", detail__request_id=request.pk).latest("seq")
    assert entry.detail["person_ids"] == sorted(household[k].person_id for k in ("taro", "hanako", "ichiro"))
    assert entry.detail["output"] == "pdf"


# --- the decision -----------------------------------------------------------------------------------

def test_requester_cannot_approve_own_request(in_a, approver_a, approver_client):
    """四つの目 (決裁): the member of staff who took the request cannot decide it, by service or page."""
    request = inspection.inspection_request_create(actor=approver_a, town=in_a, **GOVERNMENT,
                                                   address_prefix="武雄町")
    with pytest.raises(ValidationError) as exc:
        with transaction.atomic():
            inspection.inspection_request_decide(actor=approver_a, town=in_a, request=request, approve=True)
    assert "decided_by" in exc.value.message_dict
    approver_client.post(f"/residents/inspections/{request.pk}/decide/", {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == "pending"
    page = approver_client.get(f"/residents/inspections/{request.pk}/").content.decode()
    assert 'id="cannot-decide"' in page and 'id="approve"' not in page


def test_a_clerk_cannot_decide_and_an_unapproved_request_gives_no_extract(in_a, clerk_a, client_a,
                                                                         approver_client):
    """住基法11条の2 / 四つの目: a counter clerk has no 決裁; before approval and after rejection there is
    no extract (the same not-found answer)."""
    request = inspection.inspection_request_create(actor=clerk_a, town=in_a, **PRIVATE, address_prefix="武雄町")
    assert client_a.post(f"/residents/inspections/{request.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert client_a.get(f"/residents/inspections/{request.pk}/extract.csv").status_code == 404
    approver_client.post(f"/residents/inspections/{request.pk}/decide/", {"decision": "reject", "reason": ""})
    request.refresh_from_db()
    assert request.status == "pending"  # a rejection needs its reason
    approver_client.post(f"/residents/inspections/{request.pk}/decide/", {"decision": "reject", "reason": "目的が不明確"})
    request.refresh_from_db()
    assert (request.status, request.rejection_reason) == ("rejected", "目的が不明確")
    assert client_a.get(f"/residents/inspections/{request.pk}/extract.pdf").status_code == 404


def test_the_request_page_flow(in_a, client_a, approver_client):
    """閲覧申出の受付 → 決裁 → 写しの作成, through the pages (full-width digits are taken for ages)."""
    response = client_a.post("/residents/inspections/new/", {**PRIVATE, "address_prefix": "武雄町",
                                                             "age_min": "２０", "age_max": "30"})
    assert response.status_code == 302
    request = InspectionRequest.objects.latest("requested_at")
    assert (request.age_min, request.age_max, request.requester_type) == (20, 30, "corporation")
    assert "株式会社佐賀調査" in approver_client.get("/residents/inspections/").content.decode()
    approver_client.post(f"/residents/inspections/{request.pk}/decide/", {"decision": "approve"})
    page = client_a.get(f"/residents/inspections/{request.pk}/").content.decode()
    assert 'id="extract-pdf"' in page and 'id="extract-csv"' in page


# --- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("age_min", "²0", "年齢（下限）は0〜150の半角数字"),
    ("age_min", "٢٠", "年齢（下限）は0〜150の半角数字"),
    ("age_max", "99999999999999999999999999", "年齢（上限）は0〜150の半角数字"),
    ("age_max", "151", "年齢（上限）は0〜150の半角数字"),
    ("age_min", "-1", "年齢（下限）は0〜150の半角数字"),
    ("age_on", "令和6年5月日不詳", "不詳日は使えません"),
    ("purpose", "", "利用の目的を入力してください"),
    ("viewers", "", "閲覧者の氏名及び住所を入力してください"),
    ("address_prefix", "", "閲覧の範囲"),
    ("requester_name", "名" * 201, "200文字以内"),
])
def test_bad_input_is_a_400_naming_the_field(client_a, field, value, message):
    """Input is parsed strictly (STYLE: 400, never 500): non-ASCII digits, huge values, a missing
    11条の2 item or range are refused on the field."""
    response = client_a.post("/residents/inspections/new/", {**PRIVATE, "address_prefix": "武雄町", field: value})
    assert response.status_code == 400 and message in response.content.decode()
    assert not InspectionRequest.objects.exists()


def test_nul_and_huge_ids_are_400_or_404(client_a):
    """kyodo.core.input: NUL in any field is a 400; an id too big for the database reads as missing."""
    assert client_a.post("/residents/inspections/new/", {**PRIVATE, "purpose": "調査\x00"}).status_code == 400
    assert client_a.get("/residents/inspections/99999999999999999999999/").status_code == 404
    assert client_a.get("/residents/inspections/99999999999999999999999/extract.csv").status_code == 404


def test_min_above_max_is_refused(in_a, clerk_a):
    """住基法11条の2 (閲覧の範囲): an age range whose upper bound is below its lower one is refused."""
    with pytest.raises(ValidationError) as exc:
        inspection.inspection_request_create(actor=clerk_a, town=in_a, **GOVERNMENT, address_prefix="武雄町",
                                             age_min=40, age_max=30)
    assert "age_max" in exc.value.message_dict


# --- two towns ----------------------------------------------------------------------------------------

def test_town_a_request_never_reaches_town_b(b_resident, household, in_a, clerk_a, client_a, town_b,  # noqa: F811
                                              clerk_b):
    """Isolation (DESIGN §5): town A's extract over 「佐賀県」 holds only town A's residents, and town
    B's requests are neither listed for town A nor opened or extracted by their ids."""
    request = _approved(in_a, clerk_a, address_prefix="佐賀県")
    body = client_a.get(f"/residents/inspections/{request.pk}/extract.csv").content.decode("utf-8-sig")
    assert "鹿島" not in body and "山田" in body
    with tenant_context(town_b):
        theirs = inspection.inspection_request_create(actor=clerk_b, town=town_b, **{
            **GOVERNMENT, "requester_name": "鹿島市調査会"}, address_prefix="佐賀県")
        inspection.inspection_request_decide(actor=get_user_model().objects.get(username="approver-b"), town=town_b,
                                             request=theirs, approve=True)
    for path in ("/residents/inspections/", f"/residents/inspections/{theirs.pk}/",
                 f"/residents/inspections/{theirs.pk}/extract.csv"):
        response = client_a.get(path)
        assert "鹿島" not in response.content.decode("utf-8-sig"), path


def test_age_on_defaults_to_today(in_a, clerk_a):
    """住基法11条の2 (閲覧の範囲): without a 基準日 ages are counted as of the day of the request."""
    request = inspection.inspection_request_create(actor=clerk_a, town=in_a, **GOVERNMENT, address_prefix="武雄町")
    assert request.age_on == dt.date.today()
