"""住民一覧の出力 as people open it in Excel: UTF-8 with a BOM or Shift_JIS (CP932), chosen on the export
page; a character CP932 cannot hold refuses the whole file, naming the 宛名番号 and the character."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import timezone

from kyodo.core import csvfile
from tenants.residents import selectors
from tenants.residents.models import PersonVersion
from tenants.residents.selectors import EXPORT_COLUMNS

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db


def _rows(response, encoding: str) -> list[list[str]]:
    assert response.status_code == 200, response.content.decode(errors="replace")[:500]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode(encoding), newline="")))


def _post(client, **fields):
    return client.post("/residents/export/", {"purpose": "選挙人名簿との照合", **fields})


def test_export_page_asks_purpose_and_encoding_and_is_in_the_menu_for_approvers(household, approver_client,
                                                                                  client_a):
    page = approver_client.get("/residents/export/").content.decode()
    assert 'name="purpose"' in page and 'value="utf-8-sig"' in page and 'value="cp932"' in page
    assert "Shift_JIS（CP932）" in page and "UTF-8（BOM付き）" in page
    assert 'id="nav-export"' in approver_client.get("/residents/").content.decode()
    # The counter does not export the whole register: no menu item, and the page refuses.
    assert 'id="nav-export"' not in client_a.get("/residents/").content.decode()
    assert client_a.get("/residents/export/").status_code == 403
    assert _post(client_a).status_code == 403
    assert client_a.get("/residents/export.csv", {"purpose": "照合"}).status_code == 403


def test_utf8_with_bom_reads_back_with_csv(household, approver_client, in_a):
    response = _post(approver_client, encoding="utf-8-sig")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.content
    rows = _rows(response, "utf-8-sig")
    assert rows[0] == list(EXPORT_COLUMNS)
    atena = household["taro"].person.atena_number
    taro = next(r for r in rows if r[0] == atena)
    assert taro[2] == "山田\u3000太郎" and taro[3] == "ヤマダ\u3000タロウ"
    assert len(rows) == 1 + 3
    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    assert name == f"residents-{in_a.code}-{timezone.localdate():%Y%m%d}.csv"


def test_shift_jis_reads_back_the_same_rows(household, approver_client):
    utf8 = _rows(_post(approver_client, encoding="utf-8-sig"), "utf-8-sig")
    response = _post(approver_client, encoding="cp932")
    assert not response.content.startswith(b"\xef\xbb\xbf")
    assert "shift_jis" in response["Content-Type"]
    sjis = _rows(response, "cp932")
    assert sjis == utf8
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")  # really Shift_JIS, not UTF-8 by accident


def test_a_get_with_purpose_still_produces_the_file(household, approver_client):
    rows = _rows(approver_client.get("/residents/export.csv", {"purpose": "照合", "encoding": "cp932"}), "cp932")
    assert rows[0] == list(EXPORT_COLUMNS)
    assert approver_client.get("/residents/export.csv", {"purpose": ""}).status_code == 400
    bad = approver_client.get("/residents/export.csv", {"purpose": "照合", "encoding": "latin-1"})
    assert bad.status_code == 400 and "文字コード" in bad.content.decode()


@pytest.fixture
def unusual_names(household, in_a, clerk_a, approve):
    """Residents whose names CP932 cannot hold: 「𠮷」 (U+20BB7) and 葛 with a variation selector (IVS)."""
    from tenants.residents import services

    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-06-03", effective_on="2024-06-01",
        data=move_in_data([
            person_data(family_name="\U00020bb7田", given_name="花", family_name_kana="ヨシダ", given_name_kana="ハナ",
                        hittousha="\U00020bb7田花", resident_code="32345678901"),
            person_data(family_name="葛\U000e0100城", given_name="一", family_name_kana="カツラギ",
                        given_name_kana="ハジメ", relationship="子", hittousha="\U00020bb7田花",
                        resident_code="32345678902"),
        ], address="佐賀県武雄市朝日町甘久200番地", katagaki=""))
    approve(change)
    by_kana = {v.family_name_kana: v for v in PersonVersion.objects.filter(is_current=True, change=change)}
    return {"yoshida": by_kana["ヨシダ"], "katsuragi": by_kana["カツラギ"]}


def test_a_character_cp932_cannot_hold_refuses_the_whole_file_naming_record_and_character(
        unusual_names, approver_client, in_a):
    from kyodo.tenantlog.models import AuditEntry

    before = AuditEntry.objects.filter(action="residents.export").count()
    response = _post(approver_client, encoding="cp932")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")       # the form again, no file
    assert "attachment" not in response.get("Content-Disposition", "")
    page = response.content.decode()
    atena = unusual_names["yoshida"].person.atena_number
    assert f"宛名番号 {atena}" in page and "「\U00020bb7」" in page and "U+20BB7" in page
    assert "「氏名」" in page and "UTF-8（BOM付き）" in page
    failed = AuditEntry.objects.filter(action="residents.export").order_by("-seq").first()
    assert AuditEntry.objects.filter(action="residents.export").count() == before + 1
    assert failed.outcome == "failed" and failed.detail["character"] == "U+20BB7"
    assert "person_ids" not in failed.detail                       # nobody was exported
    # The same list in UTF-8 holds both names exactly.
    rows = _rows(_post(approver_client, encoding="utf-8-sig"), "utf-8-sig")
    names = {r[2] for r in rows}
    assert "\U00020bb7田\u3000花" in names and "葛\U000e0100城\u3000一" in names


def test_an_ivs_sequence_is_named_with_its_selector(unusual_names, approver_client, in_a):
    with pytest.raises(csvfile.Unencodable) as exc:
        csvfile.encode(EXPORT_COLUMNS, [[unusual_names["katsuragi"].person.atena_number, "", "葛\U000e0100城"]],
                       encoding=csvfile.CP932, record_of=selectors.export_record)
    assert exc.value.character == "葛\U000e0100" and exc.value.codepoints == "U+845B U+E0100"
    assert exc.value.column == "氏名"
    assert exc.value.record == f"宛名番号 {unusual_names['katsuragi'].person.atena_number}"


def test_protected_persons_stay_out_in_both_encodings(household, approver_client, approver_a, in_a):
    from tenants.residents import services

    services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                    starts_on="2024-05-01")
    for encoding in ("utf-8-sig", "cp932"):
        rows = _rows(_post(approver_client, encoding=encoding), encoding)
        body = "\n".join(",".join(r) for r in rows)
        assert len(rows) == 1 and "山田" not in body and "武雄町大字武雄1234番地" not in body, encoding


def test_the_inspection_extract_is_utf8_with_bom_named_by_town_and_date(household, in_a, clerk_a, client_a):
    """The 閲覧 extract goes through the same helper (UTF-8 with a BOM; named with the 団体コード)."""
    from .test_inspection import _approved

    request = _approved(in_a, clerk_a, address_prefix="武雄町")
    response = client_a.get(f"/residents/inspections/{request.pk}/extract.csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert f'filename="inspection-{request.pk}-{in_a.code}-{timezone.localdate():%Y%m%d}.csv"' \
        in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(selectors.INSPECTION_COLUMNS) and any(r[0].startswith("山田") for r in rows[1:])


def test_the_encoding_helper_alone():
    header = ("宛名番号", "氏名")
    assert csvfile.encode(header, [["1", "髙橋"]], encoding=csvfile.CP932,
                          record_of=lambda r: r[0]).decode("cp932") == "宛名番号,氏名\r\n1,髙橋\r\n"
    assert csvfile.encode(header, [["1", "a,b"]], encoding=csvfile.UTF8_BOM,
                          record_of=lambda r: r[0]).startswith("\ufeff宛名番号".encode())
    with pytest.raises(ValueError):
        csvfile.encode(header, [], encoding="latin-1", record_of=lambda r: "")
    with pytest.raises(csvfile.Unencodable) as exc:
        csvfile.encode(header, [["7", "ok"], ["8", "\U0001f600"]], encoding=csvfile.CP932, record_of=lambda r: f"#{r[0]}")
    assert exc.value.record == "#8" and exc.value.codepoints == "U+1F600"


def test_the_issuance_history_csv_in_both_encodings(household, in_a, clerk_a, client_a):
    """交付履歴 through the same helper: both encodings read back the same rows."""
    from tenants.residents.certificates.issue import certificate_issue

    certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[household["taro"].person_id],
                      requester_name="山田太郎", requester_relation="本人", purpose="就職")
    assert 'id="issuances-csv"' in client_a.get("/residents/certificates/").content.decode()
    utf8 = _rows(client_a.get("/residents/certificates/issuances.csv"), "utf-8-sig")
    sjis = _rows(client_a.get("/residents/certificates/issuances.csv", {"encoding": "cp932"}), "cp932")
    assert utf8 == sjis and utf8[0] == list(selectors.ISSUANCE_COLUMNS) and len(utf8) == 2
    assert utf8[1][4] == "山田\u3000太郎" and utf8[1][14] == "本人"
    assert client_a.get("/residents/certificates/issuances.csv", {"encoding": "x"}).status_code == 400
