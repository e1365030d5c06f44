"""外国人住民 (標準仕様 1.1.2) and 旧氏 (1.1.1): entry rules, dates in 西暦/和暦, 通称履歴, alphabet
search, the certificate items and their omission, the CSV columns."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from pypdf import PdfReader

from tenants.residents import selectors, services
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.models import AliasEntry, Change, PersonVersion

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db


def foreign_person(**overrides):
    """A 中長期在留者 (fictional name) as the 転入 form posts one."""
    data = person_data(
        family_name="ソレンヴァル", given_name="アイラ", family_name_kana="ソレンヴァル", given_name_kana="アイラ",
        birth_date="1990-05-01", sex="2", honseki="", hittousha="", resident_code="12345678904",
        resident_kind="foreign", alphabet_name="Sorenval Aira", nationality="VN", article_30_45="mid_long_term",
        residence_status="技術・人文知識・国際業務", period_of_stay="3年", stay_expires_on="2027-03-31",
        card_number="AB12345678CD",
    )
    data.update(overrides)
    return data


def _submit(actor, town, persons, **overrides):
    return services.change_submit(actor=actor, town=town, kind="move_in", notified_on="2024-04-05",
                                  effective_on="2024-04-01", data=move_in_data(persons, **overrides))


def _errors(actor, town, persons) -> dict:
    with pytest.raises(ValidationError) as exc:
        _submit(actor, town, persons)
    return exc.value.message_dict


@pytest.fixture
def aira(in_a, clerk_a, approve):
    """An approved 転入 of a 中長期在留者 whose 通称 was recorded in her previous town."""
    change = _submit(clerk_a, in_a, [foreign_person(alias_name="空野 愛良", alias_name_kana="ソラノ アイラ",
                                                    alias_recorded_on="2022-10-01",
                                                    alias_recorded_municipality="福岡市中央区")])
    approve(change)
    return PersonVersion.objects.get(is_current=True, family_name="ソレンヴァル")


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\u3000", "").replace("\n", "")


def _issue(actor, town, person_id, **options):
    return certificate_issue(actor=actor, town=town, kind="copy", person_ids=[person_id], requester_name="本人",
                             requester_relation="本人", purpose="手続のため", options=options)


def _correct(actor, town, person_id, fields, effective_on="2024-06-01"):
    return services.change_submit(actor=actor, town=town, kind="ex_officio_correct", notified_on=effective_on,
                                  effective_on=effective_on, data={"person_id": person_id, "fields": fields})


# --- entry rules ---------------------------------------------------------------------------------------

def test_a_foreign_resident_needs_nationality_and_article_30_45(in_a, clerk_a):
    """標準仕様 1.1.2 / 1.1.6: 国籍・地域 and the 法30条の45 区分 are required items of a 外国人住民;
    each error names its field."""
    errors = _errors(clerk_a, in_a, [foreign_person(nationality="", article_30_45="")])
    assert "国籍・地域を入力してください" in errors["p0_nationality"][0]
    assert "法第30条の45に規定する区分を選択してください" in errors["p0_article_30_45"][0]
    assert not Change.objects.exists()


def test_a_mid_long_term_resident_needs_the_stay_items(in_a, clerk_a):
    """標準仕様 1.1.2: a 中長期在留者 has 在留資格, 在留期間, 在留期間の満了日 and 在留カード番号."""
    errors = _errors(clerk_a, in_a, [foreign_person(residence_status="", period_of_stay="", stay_expires_on="",
                                                    card_number="")])
    assert set(errors) >= {"p0_residence_status", "p0_period_of_stay", "p0_stay_expires_on", "p0_card_number"}
    assert "在留カード番号を入力してください" in errors["p0_card_number"][0]


def test_unknown_codes_are_refused_on_their_field(in_a, clerk_a):
    """標準仕様 1.1.2: 国籍・地域 and 在留資格 come from the town's code tables (コード表)."""
    errors = _errors(clerk_a, in_a, [foreign_person(nationality="QQ", residence_status="観光", period_of_stay="三年")])
    assert "国籍・地域「QQ」はコード表にありません" in errors["p0_nationality"][0]
    assert "在留資格「観光」はコード表にありません" in errors["p0_residence_status"][0]
    assert "在留期間「三年」の形式が正しくありません" in errors["p0_period_of_stay"][0]


@pytest.mark.parametrize("number", ["AB1234567CD", "A123456789CD", "AB12345678C", "AB12345678CDE", "1212345678CD",
                                    "AB1234567８CD٣", "AB123456٣8CD"])
def test_residence_card_number_shape_is_checked(in_a, clerk_a, number):
    """標準仕様 1.1.2 (在留カード番号): 12 characters, 2 letters + 8 digits + 2 letters; anything else
    (wrong length, letters for digits, non-ASCII digits) is refused with the shape in the message."""
    errors = _errors(clerk_a, in_a, [foreign_person(card_number=number)])
    assert errors["p0_card_number"] == ["在留カード番号は英字2文字・数字8桁・英字2文字の12文字で入力してください"
                                        "（例: AB12345678CD）。"]


def test_residence_card_number_is_stored_in_its_canonical_form(in_a, clerk_a, approve):
    """標準仕様 1.1.2: full-width, lower-case or spaced input is the same number (AB12345678CD)."""
    approve(_submit(clerk_a, in_a, [foreign_person(card_number="ａｂ 1234 5678 ｃｄ", nationality="ベトナム")]))
    version = PersonVersion.objects.get(is_current=True, family_name="ソレンヴァル")
    assert (version.card_number, version.nationality, version.alphabet_name) == ("AB12345678CD", "VN", "SORENVAL AIRA")


def test_a_permanent_resident_has_no_period_of_stay(in_a, clerk_a, approve):
    """入管法 / 標準仕様 1.1.2: a 永住者 (a 中長期在留者) has no 在留期間 and no 満了日: not required,
    and refused when given."""
    errors = _errors(clerk_a, in_a, [foreign_person(residence_status="永住者")])
    assert "永住者には在留期間がありません" in errors["p0_period_of_stay"][0]
    assert "永住者には在留期間の満了日がありません" in errors["p0_stay_expires_on"][0]
    approve(_submit(clerk_a, in_a, [foreign_person(residence_status="永住者", period_of_stay="", stay_expires_on="")]))
    version = PersonVersion.objects.get(is_current=True, family_name="ソレンヴァル")
    assert (version.residence_status, version.period_of_stay, version.stay_expires_on) == ("永住者", "", None)


def test_special_permanent_resident_carries_no_residence_status(in_a, clerk_a):
    """標準仕様 1.1.2: 在留資格・在留期間 are items of a 中長期在留者 only."""
    errors = _errors(clerk_a, in_a, [foreign_person(article_30_45="特別永住者")])
    assert "在留資格は中長期在留者の記載事項です" in errors["p0_residence_status"][0]
    assert "p0_card_number" not in errors  # 特別永住者証明書番号 has the same shape


def test_honseki_is_not_an_item_of_a_foreign_record_nor_nationality_of_a_japanese_one(in_a, clerk_a):
    """標準仕様 1.1.1 / 1.1.2: 本籍・筆頭者 belong to a 日本人 record, 国籍・地域 and 在留 items to a
    外国人住民 record."""
    errors = _errors(clerk_a, in_a, [foreign_person(honseki="佐賀県武雄市武雄町1番地"),
                                     person_data(relationship="夫", nationality="VN", resident_code="12345678905")])
    assert "本籍は外国人住民の住民票の記載事項ではありません" in errors["p0_honseki"][0]
    assert "国籍・地域は外国人住民の記載事項です" in errors["p1_nationality"][0]


def test_foreign_record_is_written_without_honseki(in_a, clerk_a, approve):
    """標準仕様 1.1.2: the record of a 外国人住民 has 住民種別 外国人住民 and blank 本籍・筆頭者."""
    approve(_submit(clerk_a, in_a, [foreign_person()]))
    version = PersonVersion.objects.get(is_current=True, family_name="ソレンヴァル")
    assert (version.resident_kind, version.honseki, version.hittousha, version.article_30_45) == \
        ("foreign", "", "", "mid_long_term")


def test_former_surname_needs_its_kana(in_a, clerk_a):
    """標準仕様 1.1.1: 旧氏 is recorded with its フリガナ; a 外国人住民 has no 旧氏 (but a 通称)."""
    errors = _errors(clerk_a, in_a, [person_data(former_family_name="旧田"),
                                     foreign_person(relationship="妻", former_family_name="旧田",
                                                    former_family_name_kana="キュウダ")])
    assert "旧氏カナを入力してください" in errors["p0_former_family_name_kana"][0]
    assert "旧氏は日本人の記載事項です" in errors["p1_former_family_name"][0]


def test_move_in_form_names_the_foreign_fields_and_answers_400(client_a, in_a):
    """標準仕様 1.1.2 on the 転入 page: errors appear on their fields, NUL bytes are a 400, not a 500."""
    post = {"notified_on": "令和6年4月5日", "effective_on": "令和6年4月1日", "address": "佐賀県武雄市武雄町大字武雄1番地",
            "previous_address": "福岡県福岡市中央区天神1丁目1番1号"}
    post.update({f"p0_{k}": v for k, v in foreign_person(card_number="AB123").items()})
    response = client_a.post("/residents/changes/new/move-in/", post)
    body = response.content.decode()
    assert response.status_code == 400
    assert "在留カード番号は英字2文字・数字8桁・英字2文字の12文字で入力してください" in body
    response = client_a.post("/residents/changes/new/move-in/", {**post, "p0_alphabet_name": "SOREN\x00VAL"})
    assert response.status_code == 400
    response = client_a.post("/residents/changes/new/move-in/", {**post, "p0_alias_name": "空" * 5000})
    assert response.status_code == 400 and "通称は200文字以内で入力してください" in response.content.decode()
    assert not Change.objects.exists()


def test_birth_of_a_child_of_foreign_residents(aira, in_a, clerk_a, approve):
    """標準仕様 1.1.2: a child born here is a 出生による経過滞在者 (no 在留資格, no 在留カード yet)."""
    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="birth", notified_on="2024-05-10", effective_on="2024-05-01",
        data={"household_mode": "existing", "household_id": aira.household_id, "persons": [{
            "family_name": "ソレンヴァル", "given_name": "ミナ", "family_name_kana": "ソレンヴァル",
            "given_name_kana": "ミナ", "sex": "2", "relationship": "子", "resident_kind": "foreign",
            "nationality": "VN", "article_30_45": "出生による経過滞在者", "alphabet_name": "SORENVAL MINA"}]})
    approve(change)
    child = PersonVersion.objects.get(is_current=True, given_name="ミナ")
    assert (child.article_30_45, child.residence_status, child.card_number, child.honseki) == \
        ("birth_transition", "", "", "")


# --- dates: 西暦 for 外国人住民, 和暦 for 日本人 ------------------------------------------------------

def test_person_page_shows_birth_date_in_seireki_for_foreign_and_wareki_for_japanese(aira, household, client_a):
    """標準仕様 1.1.8: screens show 和暦, except a 外国人住民's 生年月日 and 在留期間満了日 (西暦 only)."""
    body = client_a.get(f"/residents/persons/{aira.person_id}/").content.decode()
    assert '<td id="birth-date">1990年5月1日</td>' in body and "平成2年5月1日" not in body
    assert "2027年3月31日" in body and "令和9年3月31日" not in body
    assert "ベトナム" in body and "中長期在留者" in body and "AB12345678CD" in body
    assert "本籍" not in body  # not an item of a 外国人住民 record
    body = client_a.get(f"/residents/persons/{household['taro'].person_id}/").content.decode()
    assert '<td id="birth-date">昭和55年4月1日</td>' in body and "本籍" in body


def test_certificate_shows_birth_date_in_seireki_for_foreign_and_wareki_for_japanese(aira, household, clerk_a,
                                                                                     in_a):
    """標準仕様 1.1.8 on the 住民票の写し (PDF): 西暦 for a 外国人住民, 和暦 for a 日本人."""
    text = _pdf_text(_issue(clerk_a, in_a, aira.person_id, include_stay_items=True).pdf)
    assert "生年月日1990年5月1日" in text and "平成2年" not in text
    assert "在留期間の満了の日2027年3月31日" in text
    text = _pdf_text(_issue(clerk_a, in_a, household["taro"].person_id).pdf)
    assert "生年月日昭和55年4月1日" in text


# --- 通称 and its history ------------------------------------------------------------------------------

def test_alias_history_is_kept_with_dates_and_municipalities(aira, in_a, clerk_a, approve, client_a):
    """標準仕様 1.1.2: 通称 with the dates and 市区町村 where it was recorded or removed; a change of
    通称 is a 削除 and a 記載, and the earlier history row keeps the old 通称."""
    approve(_correct(clerk_a, in_a, aira.person_id, {"alias_name": "星野 愛良", "alias_name_kana": "ホシノ アイラ"}))
    approve(_correct(clerk_a, in_a, aira.person_id, {"alias_name": "", "alias_name_kana": ""},
                     effective_on="2024-08-01"))
    rows = [(e.action, e.alias_name, e.done_on.isoformat(), e.municipality)
            for e in AliasEntry.objects.filter(person_id=aira.person_id).order_by("done_on", "id")]
    assert rows == [("record", "空野 愛良", "2022-10-01", "福岡市中央区"), ("remove", "空野 愛良", "2024-06-01", "武雄市"),
                    ("record", "星野 愛良", "2024-06-01", "武雄市"), ("remove", "星野 愛良", "2024-08-01", "武雄市")]
    history = list(PersonVersion.objects.filter(person_id=aira.person_id).order_by("history_no"))
    assert [h.alias_name for h in history] == ["空野 愛良", "星野 愛良", ""]
    body = client_a.get(f"/residents/persons/{aira.person_id}/").content.decode()
    assert "福岡市中央区" in body and "令和6年8月1日" in body and body.count("削除") >= 2


def test_alias_history_rows_cannot_be_rewritten(aira, in_a):
    """標準仕様 1.1.2 / 1.2.1: the 通称履歴, like the history rows, is only ever added to."""
    entry = AliasEntry.objects.get(person_id=aira.person_id)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AliasEntry.objects.filter(pk=entry.pk).update(municipality="改ざん市")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AliasEntry.objects.filter(pk=entry.pk).delete()


def test_alias_is_printed_with_the_name(aira, clerk_a, in_a):
    """標準仕様 1.1.2: the 写し of a 外国人住民 carries the 通称 with the 氏名 (and the alphabet name)."""
    text = _pdf_text(_issue(clerk_a, in_a, aira.person_id).pdf)
    assert "氏名ソレンヴァルアイラ" in text and "通称空野愛良（ソラノアイラ）" in text
    assert "SORENVALAIRA" in text


# --- certificate options -------------------------------------------------------------------------------

def test_nationality_and_stay_items_are_printed_only_on_request(aira, clerk_a, in_a):
    """標準仕様 1.1.2 / 住基法12条5項: 国籍・地域 and the 30条の45 items (区分, 在留資格, 期間, 満了日,
    在留カード番号) may be left out of the 写し, as 本籍 is for a 日本人; 本籍 never appears on a
    外国人住民's 写し."""
    text = _pdf_text(_issue(clerk_a, in_a, aira.person_id, include_honseki=True).pdf)
    assert "ベトナム" not in text and "中長期在留者" not in text and "在留資格" not in text
    assert "AB12345678CD" not in text and "本籍" not in text
    text = _pdf_text(_issue(clerk_a, in_a, aira.person_id, include_nationality=True).pdf)
    assert "国籍・地域ベトナム" in text and "在留資格" not in text
    text = _pdf_text(_issue(clerk_a, in_a, aira.person_id, include_nationality=True, include_stay_items=True).pdf)
    assert "30条の45規定区分中長期在留者" in text and "在留資格技術・人文知識・国際業務" in text
    assert "在留期間3年" in text and "在留カード番号AB12345678CD" in text


def test_certificate_form_posts_the_foreign_options(aira, client_a):
    """標準仕様 1.1.2: the issuing page offers the 国籍・地域 and 在留 items as options."""
    post = {"kind": "copy", "requester_name": "本人", "requester_relation": "本人", "purpose": "手続のため",
            "person_ids": [str(aira.person_id)], "include_nationality": "on"}
    response = client_a.post(f"/residents/persons/{aira.person_id}/certificate/", post)
    assert response.status_code == 200, response.content.decode()[:500]
    text = _pdf_text(response.content)
    assert "国籍・地域ベトナム" in text and "在留資格" not in text


# --- 旧氏 -------------------------------------------------------------------------------------------------

def test_former_surname_is_recorded_as_a_change_and_printed_on_the_copy(household, clerk_a, in_a, approve):
    """標準仕様 1.1.1 / 1.2 (異動: 旧氏 記載・削除 as 修正): the 旧氏 is recorded by a change (a new
    history row), printed on the 写し while recorded, and its 削除 is another change."""
    pid = household["hanako"].person_id
    approve(_correct(clerk_a, in_a, pid, {"former_family_name": "旧田", "former_family_name_kana": "キュウダ"}))
    history = list(PersonVersion.objects.filter(person_id=pid).order_by("history_no"))
    assert [h.former_family_name for h in history] == ["", "旧田"]
    text = _pdf_text(_issue(clerk_a, in_a, pid).pdf)
    assert "旧氏旧田（キュウダ）" in text
    approve(_correct(clerk_a, in_a, pid, {"former_family_name": "", "former_family_name_kana": ""},
                     effective_on="2024-07-01"))
    assert "旧氏" not in _pdf_text(_issue(clerk_a, in_a, pid).pdf)


def test_former_surname_entered_at_move_in_shows_on_the_page(in_a, clerk_a, approve, client_a):
    """標準仕様 1.1.1: 旧氏 (with its カナ) is an item of a 日本人 record."""
    approve(_submit(clerk_a, in_a, [person_data(former_family_name="旧田", former_family_name_kana="きゅうだ")]))
    version = PersonVersion.objects.get(is_current=True, given_name="太郎")
    assert (version.former_family_name, version.former_family_name_kana) == ("旧田", "キュウダ")
    body = client_a.get(f"/residents/persons/{version.person_id}/").content.decode()
    assert "旧田（キュウダ）" in body


# --- 職権修正 -------------------------------------------------------------------------------------------

def test_correction_to_foreign_asks_for_the_foreign_items_and_drops_honseki(household, clerk_a, in_a, approve):
    """標準仕様 1.1.2 / 1.1.6: a record corrected to 外国人住民 needs 国籍・地域 and the 区分, and loses
    本籍・筆頭者 (not items of that record)."""
    pid = household["ichiro"].person_id
    with pytest.raises(ValidationError) as exc:
        _correct(clerk_a, in_a, pid, {"resident_kind": "foreign"})
    assert {"nationality", "article_30_45"} <= set(exc.value.message_dict)
    approve(_correct(clerk_a, in_a, pid, {"resident_kind": "foreign", "nationality": "KR",
                                          "article_30_45": "special_permanent", "card_number": "sp12345678zz"}))
    version = PersonVersion.objects.get(person_id=pid, is_current=True)
    assert (version.resident_kind, version.honseki, version.hittousha, version.card_number) == \
        ("foreign", "", "", "SP12345678ZZ")


def test_correction_form_changes_only_the_foreign_item_given(aira, client_a, in_a):
    """標準仕様 1.1.2 on the 職権修正 page: the form starts from the record; only changed items are sent."""
    form = client_a.get(f"/residents/persons/{aira.person_id}/correct/").content.decode()
    assert 'value="AB12345678CD"' in form and 'value="2027-03-31"' in form
    assert 'type="hidden" name="honseki"' in form and ">本籍<" not in form
    post = {"notified_on": "2024-06-01", "effective_on": "2024-06-01", "family_name": "ソレンヴァル",
            "given_name": "アイラ", "family_name_kana": "ソレンヴァル", "given_name_kana": "アイラ",
            "birth_date": "1990-05-01", "sex": "2", "honseki": "", "hittousha": "",
            "katagaki": aira.katagaki, "district": aira.district, "postal_code": aira.postal_code,
            **{k: v for k, v in {
                "resident_kind": "foreign", "alphabet_name": "SORENVAL AIRA", "alias_name": "空野 愛良",
                "alias_name_kana": "ソラノ アイラ", "nationality": "VN", "article_30_45": "mid_long_term",
                "residence_status": "技術・人文知識・国際業務", "period_of_stay": "3年",
                "stay_expires_on": "2030-03-31", "card_number": "AB12345678CD"}.items()}}
    response = client_a.post(f"/residents/persons/{aira.person_id}/correct/", post)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Change.objects.get(kind="ex_officio_correct")
    assert change.payload["fields"] == {"stay_expires_on": "2030-03-31"}


# --- search -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["sorenval", "SORENVAL AIRA", "Sorenval, Aira", "ｓｏｒｅｎｖａｌ", "sorenval-ai"])
def test_alphabet_name_search(aira, clerk_a, in_a, query):
    """標準仕様 1.1.2 (氏名 in alphabet) / 2.1 (検索): a 外国人住民 is found by the alphabet name, case,
    width, spaces and punctuation ignored, on its own indexed key."""
    rows = selectors.persons_search(actor=clerk_a, town=in_a, query=query)
    assert [r.person_id for r in rows] == [aira.person_id]


def test_alphabet_name_partial_search_finds_the_given_name(aira, clerk_a, in_a):
    """標準仕様 2.1 (部分一致): the given part of an alphabet name is found with 部分一致, not by prefix."""
    assert not selectors.persons_search(actor=clerk_a, town=in_a, query="aira")
    assert [r.person_id for r in selectors.persons_search(actor=clerk_a, town=in_a, query="aira", partial=True)] == \
        [aira.person_id]


@pytest.mark.parametrize("query", ["空野", "空野 愛良", "そらの", "ソラノ アイラ"])
def test_alias_search(aira, clerk_a, in_a, query):
    """標準仕様 1.1.2 (通称) / 2.1: a 外国人住民 is found by the 通称 or its カナ."""
    assert [r.person_id for r in selectors.persons_search(actor=clerk_a, town=in_a, query=query)] == [aira.person_id]


def test_search_keys_are_indexed(in_a):
    """標準仕様 2.1: the alphabet and 通称 keys have prefix indexes on the current rows, like the others."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname = ANY(%s)",
                       [in_a.schema_name, ["residents_alpha_full_idx", "residents_alias_full_idx",
                                           "residents_alias_kana_idx"]])
        assert len(cursor.fetchall()) == 3


def test_town_b_cannot_find_town_a_foreign_resident(aira, town_b, clerk_b):
    """Isolation: town B's staff do not find town A's 外国人住民 by alphabet name or 通称."""
    from django_tenants.utils import tenant_context

    with tenant_context(town_b):
        for query in ("SORENVAL", "空野"):
            assert selectors.persons_search(actor=clerk_b, town=town_b, query=query) == []


# --- CSV and demo ---------------------------------------------------------------------------------------

def test_export_has_the_foreign_columns(aira, household, approver_client):
    """標準仕様 1.1.2: the 住民一覧 export carries 住民種別, 旧氏, the alphabet name, 通称, 国籍・地域 and
    the 在留 items (blank for 日本人)."""
    body = approver_client.get("/residents/export.csv", {"purpose": "多言語通知の送付"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    row = next(r for r in rows if r["宛名番号"] == aira.person.atena_number)
    assert (row["住民種別"], row["国籍・地域"], row["通称"], row["氏名（アルファベット表記）"], row["在留期間の満了日"]) == \
        ("外国人住民", "VN", "空野 愛良", "SORENVAL AIRA", "2027-03-31")
    taro = next(r for r in rows if r["宛名番号"] == household["taro"].person.atena_number)
    assert (taro["住民種別"], taro["国籍・地域"]) == ("日本人", "")


def test_demo_has_foreign_residents_found_by_alphabet_and_alias(in_a, clerk_a):
    """標準仕様 1.1.2 in the demo: a few synthetic 外国人住民 (invented names) per town."""
    from tenants.residents.demo import residents_demo_populate

    created = residents_demo_populate(town=in_a, scale=0.02, seed=1)
    foreign = PersonVersion.objects.filter(is_current=True, resident_kind="foreign")
    assert created == 960 and foreign.count() >= 5
    assert not foreign.exclude(honseki="").exists()
    assert selectors.persons_search(actor=clerk_a, town=in_a, query="quillfeather")
    assert selectors.persons_search(actor=clerk_a, town=in_a, query="翠川")
    assert AliasEntry.objects.filter(alias_name__startswith="翠川").count() == 1
