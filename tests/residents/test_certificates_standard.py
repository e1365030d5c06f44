"""Certificates to the 標準仕様 (20.1.x 帳票, 5.x 証明, 1.3.8 交付履歴): 除票の写し, 世帯連記式 and
個人票 layouts, the 転出証明書's fixed items, 文字超過, IVS glyphs, 公印, 発行番号 per copy, and the
append-only 交付履歴 with 不交付 and 処分. PDFs are read with pypdf."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from pypdf import PdfReader

from tenants.residents import selectors, services
from tenants.residents.certificates import config as certificate_config
from tenants.residents.certificates import fonts
from tenants.residents.certificates.issue import certificate_destroy, certificate_issue, certificate_refuse
from tenants.residents.models import CertificateIssuance
from tenants.residents.suppression import Refused  # noqa: E402
from tests.conftest import logged_in_client

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

IPAEX = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
IPAMJ = "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"
ADDRESS = "佐賀県武雄市武雄町大字武雄1234番地"


def _flat(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "").replace("\n", "")


def _pages(pdf: bytes) -> list[str]:
    return [_flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _issue(actor, town, person_ids, kind="copy", relation="本人", copies=1, layout="individual", **options):
    return certificate_issue(actor=actor, town=town, kind=kind, person_ids=person_ids, requester_name="山田太郎",
                             requester_relation=relation, purpose="就職のため", options=options, copies=copies,
                             layout=layout)


def _move_out(clerk, town, approve, pid, on="2024-07-10"):
    change = services.change_submit(actor=clerk, town=town, kind="move_out", notified_on="2024-07-01",
                                    effective_on=on, data={"person_ids": [pid], "destination": "東京都千代田区"})
    approve(change)


@pytest.fixture
def five(in_a, clerk_a, approve):
    """A household of five (more than one 世帯連記式 sheet holds)."""
    from tenants.residents.models import PersonVersion

    names = [("太郎", "タロウ", "世帯主"), ("花子", "ハナコ", "妻"), ("一郎", "イチロウ", "子"),
             ("二郎", "ジロウ", "子"), ("三郎", "サブロウ", "子")]
    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
        data=move_in_data([person_data(given_name=g, given_name_kana=k, relationship=r,
                                       resident_code=f"1234567890{i}") for i, (g, k, r) in enumerate(names)]))
    approve(change)
    change.refresh_from_db()
    return sorted(PersonVersion.objects.filter(is_current=True, household=change.household),
                  key=lambda v: v.person_id)


# --- 除票の写し -------------------------------------------------------------------------------

def test_removed_copy_of_a_moved_out_person(household, in_a, clerk_a, approve):
    """標準仕様 20.1.3 住民票の除票の写し: 消除事由, 消除日 and 転出先; always a 個人票."""
    pid = household["ichiro"].person_id
    _move_out(clerk_a, in_a, approve, pid)
    issued = _issue(clerk_a, in_a, [pid], kind="removed_copy", layout="household")
    (text,) = _pages(issued.pdf)
    assert "住民票の除票の写し" in text and "山田一郎" in text
    assert "消除事由転出" in text and "消除日令和6年7月10日" in text and "転出先東京都千代田区" in text
    assert "住民票の除票の原本と相違ない" in text
    assert issued.issuance.layout == "individual" and issued.issuance.kind == "removed_copy"


def test_removed_copy_of_a_deceased_person(household, in_a, clerk_a, approve):
    """標準仕様 20.1.3: a 除票 for 死亡 names the 消除事由 死亡 and carries no 転出先."""
    pid = household["ichiro"].person_id
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-07-02",
                                   effective_on="2024-07-01", data={"person_id": pid}))
    text = "".join(_pages(_issue(clerk_a, in_a, [pid], kind="removed_copy").pdf))
    assert "消除事由死亡" in text and "消除日令和6年7月1日" in text and "転出先" not in text


def test_removed_copy_is_refused_for_a_resident_and_a_copy_for_a_removed_person(household, in_a, clerk_a, approve):
    """標準仕様 20.1.3: 除票の写し only for removed persons; 住民票の写し only for residents."""
    with pytest.raises(ValidationError) as exc:
        _issue(clerk_a, in_a, [household["taro"].person_id], kind="removed_copy")
    assert "kind" in exc.value.message_dict
    pid = household["ichiro"].person_id
    _move_out(clerk_a, in_a, approve, pid)
    with pytest.raises(ValidationError) as exc:
        _issue(clerk_a, in_a, [pid], kind="copy")
    assert "person_ids" in exc.value.message_dict
    assert not CertificateIssuance.objects.exists()


# --- layouts ----------------------------------------------------------------------------------

def test_household_layout_four_per_sheet_with_page_numbers_and_closing_on_the_last(five, in_a, clerk_a):
    """標準仕様 20.1.2 世帯連記式: up to 4 persons a sheet, 住所・世帯主 once at the top, 頁/総頁 in the
    発行番号 on each page, 「以下余白」 after the last entry and the 認証文 on the last page only."""
    issued = _issue(clerk_a, in_a, [v.person_id for v in five], layout="household", include_relationship=True)
    first, second = _pages(issued.pdf)
    serial = issued.issuance.serial.replace(" ", "")
    assert f"{serial}1/2" in first and f"{serial}2/2" in second
    assert [n in first for n in ("山田太郎", "山田花子", "山田一郎", "山田二郎", "山田三郎")] == [True] * 4 + [False]
    assert "山田三郎" in second
    assert first.count(ADDRESS) == 1 and first.count("世帯主山田太郎") == 1
    assert "以下余白" not in first and "住民票の原本と相違ない" not in first and "武雄市長" not in first
    assert second.index("山田三郎") < second.index("以下余白") < second.index("住民票の原本と相違ない")
    assert issued.issuance.pages == 2 and issued.issuance.layout == "household"


def test_individual_layout_one_sheet_per_person(household, in_a, clerk_a):
    """標準仕様 20.1.x 個人票 (A4 portrait): each person on a sheet of their own with the address."""
    ids = [household[k].person_id for k in ("taro", "hanako", "ichiro")]
    pages = _pages(_issue(clerk_a, in_a, ids).pdf)
    assert len(pages) == 3
    assert [("山田太郎" in p, "山田花子" in p, "山田一郎" in p) for p in pages] == [
        (True, False, False), (False, True, False), (False, False, True)]
    assert all(ADDRESS in p for p in pages) and ["1/3" in p for p in pages] == [True, False, False]
    assert ["以下余白" in p for p in pages] == [False, False, True]


def test_head_name_is_left_out_when_relationship_is(household, in_a, clerk_a):
    """標準仕様 5.x 記載事項: leaving out 世帯主・続柄 leaves out the 世帯主's name too."""
    pid = household["hanako"].person_id
    without = "".join(_pages(_issue(clerk_a, in_a, [pid]).pdf))
    assert "世帯主" not in without and "続柄" not in without and "太郎" not in without
    with_it = "".join(_pages(_issue(clerk_a, in_a, [pid], include_relationship=True).pdf))
    assert "世帯主山田太郎" in with_it and "続柄妻" in with_it


def test_move_out_certificate_always_carries_its_legal_items(household, in_a, clerk_a, approve):
    """標準仕様 20.2.1 転出証明書 (住基法施行令23条): 氏名, 生年月日, 性別, 住所, 世帯主・続柄,
    住民票コード, 転出先, 転出予定日, 本籍・筆頭者, whatever options are chosen."""
    pid = household["ichiro"].person_id
    _move_out(clerk_a, in_a, approve, pid, on="2030-01-10")  # 転出予定 (future date)
    issued = _issue(clerk_a, in_a, [pid], kind="move_out")
    text = "".join(_pages(issued.pdf))
    for item in ("氏名山田一郎", "生年月日平成22年1月15日", "性別男", ADDRESS, "世帯主山田太郎", "続柄子",
                 "住民票コード12345678903", "転出先東京都千代田区", "転出予定日令和12年1月10日",
                 "本籍佐賀県武雄市武雄町1番地", "筆頭者山田太郎"):
        assert item in text, item
    assert issued.issuance.options == {"include_relationship": True, "include_honseki": True,
                                       "include_resident_code": True, "include_my_number": False,
                                       "include_nationality": True, "include_stay_items": True}


# --- 文字超過 --------------------------------------------------------------------------------

def _resident(clerk, town, approve, **overrides):
    from tenants.residents.models import PersonVersion

    katagaki = overrides.pop("katagaki", "コーポ武雄101")
    change = services.change_submit(actor=clerk, town=town, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01",
                                    data=move_in_data([person_data(**overrides)], katagaki=katagaki))
    approve(change)
    change.refresh_from_db()
    return PersonVersion.objects.get(is_current=True, person_id=change.person_ids[0])


def test_long_text_is_shrunk_to_fit(in_a, clerk_a, approve):
    """標準仕様 5.x 文字溢れ: a name too long at the normal size is printed smaller on one line,
    without an alert."""
    version = _resident(clerk_a, in_a, approve, family_name="長" * 40)
    issued = _issue(clerk_a, in_a, [version.person_id])
    assert issued.overflow == [] and not issued.needs_attention
    assert "長" * 40 + "太郎" in "".join(_pages(issued.pdf))


def test_text_past_the_smallest_size_is_an_alert_and_on_the_overflow_list(in_a, clerk_a, chief_a, approve):
    """標準仕様 5.x / 10.7 文字超過: a very long 方書 and 氏名 are wrapped at the smallest size, the
    clerk is alerted and the items go on the 文字超過リスト the supervisor reads."""
    katagaki = "武雄ハイツ" * 20  # 100 characters
    version = _resident(clerk_a, in_a, approve, family_name="長" * 70, katagaki=katagaki)
    issued = _issue(clerk_a, in_a, [version.person_id])
    assert {o["item"] for o in issued.overflow} == {"方書", "氏名"}
    assert katagaki in "".join(_pages(issued.pdf))  # nothing is cut off
    assert CertificateIssuance.objects.get(pk=issued.issuance.pk).overflow == issued.overflow
    listed = selectors.overflow_list(actor=chief_a, town=in_a)
    assert [r.pk for r in listed] == [issued.issuance.pk]


def test_overflow_list_leaves_out_persons_protected_since(in_a, clerk_a, chief_a, approver_a, approve):
    """標準仕様 1.6 支援措置: the 文字超過リスト may hold a 方書; once the person is protected their
    certificates leave the list."""
    version = _resident(clerk_a, in_a, approve, katagaki="武雄ハイツ" * 20)
    _issue(clerk_a, in_a, [version.person_id])
    services.support_measure_create(actor=approver_a, town=in_a, person_id=version.person_id, starts_on="2024-05-01")
    assert selectors.overflow_list(actor=chief_a, town=in_a) == []


def test_overflow_alert_is_shown_to_the_clerk_and_the_list_to_supervisors(in_a, clerk_a, client_a, chief_a, approve):
    """標準仕様 5.x 文字超過: the issuing page shows the alert (with the PDF to save); the list is for
    supervisors only."""
    version = _resident(clerk_a, in_a, approve, katagaki="武雄ハイツ" * 20)
    response = client_a.post(f"/residents/persons/{version.person_id}/certificate/", {
        "kind": "copy", "requester_name": "山田太郎", "requester_relation": "本人", "purpose": "就職",
        "copies": "1", "layout": "individual", "person_ids": [str(version.person_id)]})
    body = response.content.decode()
    assert response.status_code == 200 and "文字超過" in body and "方書" in body
    assert 'href="data:application/pdf;base64,' in body
    assert client_a.get("/residents/certificates/overflow/").status_code == 403
    chief = logged_in_client(chief_a, "takeo.test")
    page = chief.get("/residents/certificates/overflow/")
    assert page.status_code == 200 and "武雄ハイツ" in page.content.decode()


# --- IVS ---------------------------------------------------------------------------------------

def _fonts_of(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return {str(f.get_object()["/BaseFont"]).split("+")[-1] for page in reader.pages
            for f in page["/Resources"]["/Font"].values()}


@pytest.mark.skipif(not os.path.exists(IPAEX), reason="IPAexGothic not installed")
def test_ivs_name_is_printed_with_the_stored_variant(in_a, clerk_a, approve):
    """標準仕様 1.8 文字 (IVS): 葛 + VS17 (U+845B U+E0100) is drawn with the glyph the font's cmap
    format 14 maps the sequence to (not the plain 葛), and copies out as the stored sequence."""
    sequence = "\u845b\U000e0100"
    glyph = fonts.variation_sequences(IPAEX)[(0x845B, 0xE0100)]
    assert glyph is not None  # a non-default variant: a glyph of its own
    version = _resident(clerk_a, in_a, approve, family_name=sequence + "城")
    issued = _issue(clerk_a, in_a, [version.person_id])
    assert issued.missing_glyphs == []
    assert "IPAexGothic" in _fonts_of(issued.pdf)
    assert sequence + "城太郎" in "".join(_pages(issued.pdf))
    plain = fonts.shape("\u845b").runs[0].text
    variant = fonts.shape(sequence).runs[0].text
    assert plain == "\u845b" and variant != plain  # drawn through the glyph bound to the sequence


@pytest.mark.skipif(not os.path.exists(IPAMJ), reason="fonts-ipamj-mincho not installed")
def test_moji_joho_variant_embeds_ipamj_mincho(in_a, clerk_a, approve):
    """標準仕様 1.8 文字 (MJ/IVS): 邉 + VS32 (Moji_Joho collection) is only in IPAmj明朝, which the PDF
    then embeds for that character."""
    sequence = "\u9089\U000e010f"
    assert (0x9089, 0xE010F) in fonts.variation_sequences(IPAMJ)
    assert (0x9089, 0xE010F) not in fonts.variation_sequences(IPAEX)
    version = _resident(clerk_a, in_a, approve, family_name=sequence)
    issued = _issue(clerk_a, in_a, [version.person_id])
    assert issued.missing_glyphs == [] and {"IPAexGothic", "IPAmjMincho"} <= _fonts_of(issued.pdf)
    assert sequence + "太郎" in "".join(_pages(issued.pdf))


@pytest.mark.skipif(not os.path.exists(IPAEX), reason="IPAexGothic not installed")
def test_cmap_format_14_reader_agrees_with_fonttools():
    """標準仕様 1.8: our cmap format 14 reader gives what fontTools gives (when fontTools is present)."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    font = ttlib.TTFont(IPAEX, lazy=True)
    table = font["cmap"].getcmap(0, 5)
    expected = {(u, vs): None if g is None else font.getGlyphID(g)
                for vs, pairs in table.uvsDict.items() for u, g in pairs}
    assert fonts.variation_sequences(IPAEX) == expected


# --- 公印 --------------------------------------------------------------------------------------

def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_seal_image_from_configuration(household, in_a, clerk_a, tmp_path, monkeypatch):
    """標準仕様 5.x 公印: the town's seal image is printed beside the 市区町村長 when configured;
    without it the 認証文 is printed and the seal space left empty (never 「公印省略」)."""
    from PIL import Image

    pid = household["taro"].person_id
    without = _issue(clerk_a, in_a, [pid])
    assert _images(without.pdf) == 0
    text = "".join(_pages(without.pdf))
    assert "住民票の原本と相違ない" in text and "公印省略" not in text
    Image.new("RGB", (120, 120), (200, 0, 0)).save(tmp_path / f"{in_a.code}.png")
    monkeypatch.setattr(certificate_config, "CONFIG",
                        certificate_config.CertificateConfig.from_environ({"KYODO_SEAL_IMAGE_DIR": str(tmp_path)}))
    assert _images(_issue(clerk_a, in_a, [pid]).pdf) == 1


# --- 発行番号 ----------------------------------------------------------------------------------

def test_each_copy_gets_its_own_serial(household, in_a, clerk_a, monkeypatch):
    """標準仕様 5.x 発行番号 `発行年月日 市区町村名 端末 プリンタ 連番 頁/総頁`: N copies, N serials."""
    monkeypatch.setattr(certificate_config, "CONFIG", certificate_config.CertificateConfig.from_environ({
        "KYODO_CERT_TERMINAL_412066": "本庁1", "KYODO_CERT_PRINTER": "プリンタ007", "KYODO_CERT_PLACE": "本庁窓口"}))
    issued = _issue(clerk_a, in_a, [household["taro"].person_id], copies=3)
    serials = issued.issuance.serials
    assert len(serials) == len(set(serials)) == 3 and issued.issuance.copies == 3
    assert all(re.fullmatch(r"\d{8} 武雄市 本庁1 プリンタ007 \d{3}", s) for s in serials)
    assert [int(s[-3:]) for s in serials] == [int(serials[0][-3:]) + i for i in range(3)]
    pages = _pages(issued.pdf)
    assert len(pages) == 3 and [s.replace(" ", "") + "1/1" in p for s, p in zip(serials, pages, strict=True)] == [True] * 3
    assert (issued.issuance.place, issued.issuance.terminal, issued.issuance.printer) == (
        "本庁窓口", "本庁1", "プリンタ007")


@pytest.mark.parametrize("copies", ["0", "21", "²", "", "1\x00", "99999999999999999999"])
def test_bad_copies_name_the_field(household, in_a, clerk_a, copies):
    """標準仕様 5.x: the number of copies is 1 to 20 ASCII digits, else an error naming the field."""
    with pytest.raises(ValidationError) as exc:
        _issue(clerk_a, in_a, [household["taro"].person_id], copies=copies)
    assert "copies" in exc.value.message_dict


def test_configuration_values_must_be_one_word():
    """標準仕様 5.x 発行番号: the terminal/printer names are words of the 発行番号 (no spaces)."""
    with pytest.raises(ValueError, match="KYODO_CERT_TERMINAL"):
        certificate_config.CertificateConfig.from_environ({"KYODO_CERT_TERMINAL": "本庁 1"})


# --- 交付履歴 ----------------------------------------------------------------------------------

def test_issuance_history_row_has_every_field(household, in_a, clerk_a, client_a):
    """標準仕様 1.3.8 交付履歴: 交付年月日時, 交付場所, 交付対象者, 証明書種別, 記載事項, 枚数, 発行番号,
    端末名/ユーザID — and the 交付履歴 page shows them."""
    ids = [household["taro"].person_id, household["hanako"].person_id]
    issued = _issue(clerk_a, in_a, ids, copies=2, layout="household", include_relationship=True)
    row = CertificateIssuance.objects.get(pk=issued.issuance.pk)
    assert row.issued_at and row.place == "本庁窓口" and row.subject_names == ["山田\u3000太郎", "山田\u3000花子"]
    assert row.kind == "copy" and row.options["include_relationship"] and row.copies == 2
    assert row.serials == issued.issuance.serials and (row.terminal, row.issued_by_username) == ("本庁1", "clerk-a")
    page = client_a.get("/residents/certificates/").content.decode()
    for shown in ("本庁窓口", "山田\u3000太郎、山田\u3000花子", "住民票の写し", "世帯連記式", "世帯主・続柄", "本庁1",
                  "clerk-a", *row.serials):
        assert shown in page, shown


def test_refusal_for_a_protected_person_is_recorded_and_seen_by_supervisors_only(household, in_a, clerk_a, chief_a,
                                                                                    approver_a):
    """標準仕様 1.3.8 / 1.6: a certificate refused because of a 支援措置 is a 不交付 row with its
    reason; ordinary clerks do not see those rows (they would tell who is protected)."""
    services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                    starts_on="2024-05-01")
    with pytest.raises(Refused):
        _issue(clerk_a, in_a, [household["hanako"].person_id])
    row = CertificateIssuance.objects.get()
    assert (row.outcome, row.reason_code, row.reason, row.serials) == ("refused", "support_measure", "支援措置", [])
    assert selectors.issuances_list(actor=clerk_a, town=in_a) == []
    assert [r.pk for r in selectors.issuances_list(actor=chief_a, town=in_a)] == [row.pk]


def test_refusal_by_the_clerk_is_recorded_with_its_reason(household, in_a, clerk_a, client_a):
    """標準仕様 1.3.8 交付履歴: 不交付 (本人確認不可) recorded with the reason, through the page."""
    pid = household["taro"].person_id
    response = client_a.post(f"/residents/persons/{pid}/certificate/", {
        "kind": "copy", "requester_name": "山田太郎", "requester_relation": "本人", "purpose": "就職",
        "copies": "1", "person_ids": [str(pid)], "reason_code": "identity", "reason": "運転免許証の写真が別人",
        "refuse": "1"})
    assert response.status_code == 302
    row = CertificateIssuance.objects.get()
    assert (row.outcome, row.reason_code, row.copies) == ("refused", "identity", 0)
    assert row.reason == "本人確認ができない（運転免許証の写真が別人）"
    with pytest.raises(ValidationError) as exc:
        certificate_refuse(actor=clerk_a, town=in_a, kind="copy", person_ids=[pid], requester_name="x",
                           requester_relation="本人", purpose="x", reason_code="bogus")
    assert "reason_code" in exc.value.message_dict


def test_destruction_is_a_separate_row_and_the_issuance_is_untouched(household, in_a, clerk_a, client_a):
    """標準仕様 1.3.8 処分情報: a wrongly issued certificate's destruction is appended as its own
    row referring to the 交付 (the 交付 row is never rewritten); it is recorded once."""
    issued = _issue(clerk_a, in_a, [household["taro"].person_id], copies=2)
    before = CertificateIssuance.objects.filter(pk=issued.issuance.pk).values().get()
    response = client_a.post(f"/residents/certificates/{issued.issuance.pk}/destroy/", {"reason": "続柄の記載誤り"})
    assert response.status_code == 302
    destroyed = CertificateIssuance.objects.get(outcome="destroyed")
    assert destroyed.refers_to_id == issued.issuance.pk and destroyed.reason == "続柄の記載誤り"
    assert destroyed.serials == issued.issuance.serials and destroyed.serial is None
    assert CertificateIssuance.objects.filter(pk=issued.issuance.pk).values().get() == before
    with pytest.raises(ValidationError):
        certificate_destroy(actor=clerk_a, town=in_a, issuance_id=issued.issuance.pk, reason="再度")
    assert client_a.post(f"/residents/certificates/{issued.issuance.pk}/destroy/", {"reason": ""}).status_code == 400
    assert "処分" in client_a.get("/residents/certificates/").content.decode()


@pytest.mark.parametrize("statement", [
    "UPDATE residents_certificateissuance SET purpose = 'x'",
    "DELETE FROM residents_certificateissuance",
])
def test_issuance_history_is_append_only_in_the_database(household, in_a, clerk_a, statement):
    """標準仕様 1.3.8: deleting 交付履歴 inside the retention period is 実装しない — a trigger refuses
    any UPDATE or DELETE, whoever runs it."""
    from django.db import connection

    _issue(clerk_a, in_a, [household["taro"].person_id])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert CertificateIssuance.objects.get().purpose == "就職のため"
