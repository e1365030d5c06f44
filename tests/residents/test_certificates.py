"""Certificates as PDF (opened with pypdf), with serial numbers and 交付履歴."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from kyodo.tenantlog.models import AuditEntry, OutboxEvent
from tenants.residents import services
from tenants.residents.certificates.fonts import japanese_font
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.models import CertificateIssuance

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\u3000", "").replace("\n", "")


def _issue(actor, town, person_ids, kind="copy", relation="本人", **options):
    return certificate_issue(actor=actor, town=town, kind=kind, person_ids=person_ids, requester_name="山田太郎",
                             requester_relation=relation, purpose="就職のため", options=options)


def test_copy_of_part_of_the_household_without_honseki(household, clerk_a, in_a):
    issued = _issue(clerk_a, in_a, [household["taro"].person_id, household["ichiro"].person_id])
    text = _text(issued.pdf)
    assert "住民票の写し" in text and "山田太郎" in text and "山田一郎" in text
    assert "山田花子" not in text
    assert "本籍" not in text and "個人番号" not in text and "続柄" not in text
    assert "昭和55年4月1日" in text and "佐賀県武雄市武雄町大字武雄1234番地" in text
    assert "この写しは、住民票の原本と相違ないことを証明する。" in text and "武雄市長" in text
    assert issued.issuance.serial.replace(" ", "") in text


def test_copy_with_honseki_relationship_and_my_number_for_the_person(household, clerk_a, in_a):
    issued = _issue(clerk_a, in_a, [household["taro"].person_id], include_honseki=True,
                    include_relationship=True, include_my_number=True)
    text = _text(issued.pdf)
    assert "佐賀県武雄市武雄町1番地" in text and "続柄世帯主" in text and "123456789018" in text


def test_my_number_is_refused_for_third_parties(household, clerk_a, in_a):
    with pytest.raises(ValidationError) as exc:
        _issue(clerk_a, in_a, [household["taro"].person_id], relation="第三者", include_my_number=True)
    assert "include_my_number" in exc.value.message_dict
    assert not CertificateIssuance.objects.exists()


def test_items_certificate(household, clerk_a, in_a):
    text = _text(_issue(clerk_a, in_a, [household["hanako"].person_id], kind="items").pdf)
    assert "住民票記載事項証明書" in text and "山田花子" in text and "住民票の記載と相違ない" in text


def test_move_out_certificate_after_approval_only(household, clerk_a, in_a, approve):
    pid = household["ichiro"].person_id
    with pytest.raises(ValidationError):
        _issue(clerk_a, in_a, [pid], kind="move_out")
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-07-01",
                                    effective_on="2024-07-10", data={"person_ids": [pid], "destination": "東京都千代田区"})
    approve(change)
    text = _text(_issue(clerk_a, in_a, [pid], kind="move_out").pdf)
    assert "転出証明書" in text and "東京都千代田区" in text and "令和6年7月10日" in text


def test_each_issue_gets_a_serial_and_an_issuance_record(household, clerk_a, in_a):
    """標準仕様 5.x 発行番号: 発行年月日 市区町村名 端末 プリンタ 連番, the 連番 from the town's counter."""
    first = _issue(clerk_a, in_a, [household["taro"].person_id])
    second = _issue(clerk_a, in_a, [household["taro"].person_id])
    assert first.issuance.serial != second.issuance.serial
    assert second.issuance.serial.endswith(f"{int(first.issuance.serial.rsplit(' ', 1)[-1]) + 1:03d}")
    row = CertificateIssuance.objects.get(pk=first.issuance.pk)
    assert (row.requester_name, row.purpose, row.issued_by_username, row.pages, row.copies) == (
        "山田太郎", "就職のため", "clerk-a", 1, 1)
    assert AuditEntry.objects.filter(action="certificate.issue").count() == 2
    assert OutboxEvent.objects.filter(event_type="residents.certificate_issued").count() == 2


def test_persons_of_different_households_cannot_share_a_certificate(household, clerk_a, in_a, approve):
    from .conftest import move_in_data, person_data

    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01",
                                    data=move_in_data([person_data(family_name="佐藤", family_name_kana="サトウ")]))
    approve(change)
    with pytest.raises(ValidationError):
        _issue(clerk_a, in_a, [household["taro"].person_id, change.__class__.objects.get(pk=change.pk).person_ids[0]])


def test_ivs_sequence_no_font_carries_is_printed_as_the_base_character_and_reported(in_a, clerk_a, approve):
    """標準仕様 1.8 文字: 邉 + VS18 is in no installed font (IPAmj明朝 registers 邉 from VS32 on): the
    name is stored as entered, printed with the base character and the clerk is told."""
    from tenants.residents.models import PersonVersion

    from .conftest import move_in_data, person_data

    name = "邉\U000E0101"  # 邉 + IVS selector
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01",
                                    data=move_in_data([person_data(family_name=name, family_name_kana="ワタナベ")]))
    approve(change)
    version = PersonVersion.objects.get(is_current=True)
    assert version.family_name == name and version.name_full.startswith("辺")
    issued = _issue(clerk_a, in_a, [version.person_id])
    assert "邉太郎" in _text(issued.pdf)
    assert issued.missing_glyphs == [name]


def test_embedded_truetype_font_when_installed():
    import os

    if not os.path.exists("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"):
        pytest.skip("IPAexGothic not installed; the CID font is used")
    assert japanese_font() == "IPAexGothic"


def test_cid_font_fallback_when_no_truetype_font(monkeypatch):
    from tenants.residents.certificates import fonts, render

    monkeypatch.setattr(fonts, "CANDIDATES", ())
    monkeypatch.delenv("KYODO_PDF_FONT", raising=False)
    fonts.japanese_font.cache_clear()
    monkeypatch.setattr(render, "japanese_font", fonts.japanese_font)
    try:
        assert fonts.japanese_font() == "HeiseiKakuGo-W5"
        monkeypatch.setattr(fonts, "_variant_fonts", lambda: ())
        done = render.render(render.Document("住民票の写し", [render.Field("住所", "佐賀県")],
                                             [[render.Field("氏名", "山田")]], "証明する。", "武雄市長",
                                             "令和6年4月1日"), ["1"])
        assert done.pages_per_copy == 1 and PdfReader(io.BytesIO(done.pdf)).pages[0].extract_text() is not None
    finally:
        fonts.japanese_font.cache_clear()
