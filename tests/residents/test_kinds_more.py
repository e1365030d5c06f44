"""The kinds of 異動 added to the registry: 再転入, 特例転入, 世帯変更, 誤記修正 and 異動の取消し
(取消(増)・取消(減)・取消(修正)). Each goes through 仮登録 and a second person's 決裁, and adds
history rows; none overwrites one (標準仕様 1.2.1)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict

from kyodo.tenantlog.models import OutboxEvent
from tenants.reference.models import ReferenceCode
from tenants.residents import kinds, services
from tenants.residents.models import Change, ChangeKind, ChangeStatus, Person, PersonVersion

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db


def _submit(clerk, town, kind, data, effective="2024-09-01", notified=None):
    return services.change_submit(actor=clerk, town=town, kind=kind, notified_on=notified or effective,
                                  effective_on=effective, data=data)


def _single(town, clerk, approve, *, code="22222222222", effective="2024-04-01", **person):
    """One person moved in alone (世帯主 of a new household); their current row."""
    data = move_in_data([person_data(family_name="佐藤", given_name="一", family_name_kana="サトウ",
                                     given_name_kana="ハジメ", resident_code=code, **person)],
                        address="佐賀県武雄市朝日町甘久100番地", katagaki="")
    change = _submit(clerk, town, "move_in", data, effective=effective)
    approve(change)
    change.refresh_from_db()
    return PersonVersion.objects.get(change=change, is_current=True)


def _history(pid):
    return list(PersonVersion.objects.filter(person_id=pid).order_by("history_no"))


def _snapshot():
    """Every history row as stored, without the is_current flag (the one column a new row may flip)."""
    return {v.pk: {k: val for k, val in model_to_dict(v).items() if k != "is_current"}
            for v in PersonVersion.objects.all()}


# --- codes ---------------------------------------------------------------------------------------------

def test_every_reason_code_is_in_the_towns_code_table(in_a):
    """標準仕様 1.2.2 (異動事由): every kind's 異動事由コード is a row of the town's 異動事由 code table."""
    codes = set(ReferenceCode.objects.filter(code_type="change_reason").values_list("code", flat=True))
    assert {s.reason_code for s in kinds.KINDS.values()} <= codes
    labels = dict(ReferenceCode.objects.filter(code_type="change_reason").values_list("code", "label"))
    assert (labels["A05"], labels["A06"], labels["A07"], labels["B05"], labels["C08"], labels["C09"]) == (
        "再転入", "特例転入", "取消（増）", "取消（減）", "誤記修正", "取消（修正）")


# --- 再転入 -----------------------------------------------------------------------------------------------

def test_re_move_in_keeps_the_atena_number_and_adds_history_rows(in_a, clerk_a, approve):
    """標準仕様 1.3 (転入: 再転入), 1.2.1: a former resident moving in again is the same person (宛名番号)
    with new history rows; 住民となった年月日 is the new 異動日."""
    first = _single(in_a, clerk_a, approve)
    approve(_submit(clerk_a, in_a, "move_out", {"person_ids": [first.person_id], "destination": "東京都千代田区"},
                    effective="2024-06-01"))
    persons_before = Person.objects.count()
    data = move_in_data([person_data(family_name="佐藤", given_name="一", family_name_kana="サトウ",
                                     given_name_kana="ハジメ", resident_code="", person_id=first.person_id)],
                        person_ids=[first.person_id], previous_address="東京都千代田区霞が関1丁目")
    change = _submit(clerk_a, in_a, "re_move_in", data, effective="2024-09-01")
    assert (change.reason_code, change.person_ids) == ("A05", [first.person_id])
    approve(change)
    assert Person.objects.count() == persons_before
    rows = _history(first.person_id)
    assert [(r.history_no, r.status) for r in rows] == [(1, "resident"), (2, "moved_out"), (3, "resident")]
    assert rows[2].became_resident_on.isoformat() == "2024-09-01"
    assert rows[2].previous_address == "東京都千代田区霞が関1丁目"
    assert Person.objects.get(pk=first.person_id).atena_number == first.person.atena_number
    assert OutboxEvent.objects.filter(event_type="residents.moved_in", payload__change_id=change.pk).exists()


def test_re_move_in_is_refused_for_a_current_resident(household, in_a, clerk_a):
    """標準仕様 1.3 (再転入): only a person no longer on the register can move in again."""
    pid = household["ichiro"].person_id
    data = move_in_data([person_data(given_name="一郎", relationship="世帯主", resident_code="", person_id=pid)],
                        person_ids=[pid])
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "re_move_in", data)
    assert "現在この町の住民です" in exc.value.message_dict["p0_person_id"][0]
    assert not Change.objects.filter(kind="re_move_in").exists()


def test_re_move_in_refuses_another_resident_code(in_a, clerk_a, approve):
    """標準仕様 1.3 (再転入): the 住民票コード on the 転出証明書 must be the one on record."""
    first = _single(in_a, clerk_a, approve)
    approve(_submit(clerk_a, in_a, "ex_officio_remove", {"person_id": first.person_id}, effective="2024-06-01"))
    data = move_in_data([person_data(resident_code="99999999999", person_id=first.person_id)],
                        person_ids=[first.person_id])
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "re_move_in", data)
    assert "以前の記録と異なります" in exc.value.message_dict["p0_resident_code"][0]


def test_the_move_in_page_finds_former_residents_and_starts_a_re_move_in(in_a, clerk_a, approve, client_a,
                                                                        household):
    """標準仕様 1.3 (再転入): found by 住民票コード or by 氏名+生年月日 among removed persons only."""
    first = _single(in_a, clerk_a, approve)
    approve(_submit(clerk_a, in_a, "move_out", {"person_ids": [first.person_id], "destination": "東京都"},
                    effective="2024-06-01"))
    assert "再転入の照合" in client_a.get("/residents/changes/new/move-in/").content.decode()
    by_code = client_a.get("/residents/changes/new/move-in/returning/", {"resident_code": "22222222222"})
    assert by_code.status_code == 200
    assert f"/residents/changes/new/re-move-in/{first.person_id}/" in by_code.content.decode()
    by_name = client_a.get("/residents/changes/new/move-in/returning/",
                           {"name": "佐藤 一", "birth_date": "昭和55年4月1日"}).content.decode()
    assert f"/re-move-in/{first.person_id}/" in by_name
    # a current resident is not a former one
    current = client_a.get("/residents/changes/new/move-in/returning/", {"resident_code": "12345678901"})
    assert 'id="no-match"' in current.content.decode()
    bad = client_a.get("/residents/changes/new/move-in/returning/", {"resident_code": "１２３"})
    assert bad.status_code == 400 and "住民票コードは半角数字11桁" in bad.content.decode()
    bad = client_a.get("/residents/changes/new/move-in/returning/", {"name": "佐藤", "birth_date": "2月30日"})
    assert bad.status_code == 400

    page = client_a.get(f"/residents/changes/new/re-move-in/{first.person_id}/")
    assert page.status_code == 200 and 'value="ハジメ"' in page.content.decode()
    form = {"notified_on": "2024-09-02", "effective_on": "2024-09-01", "address": "佐賀県武雄市北方町1番地",
            "previous_address": "東京都千代田区1番", "p0_family_name": "佐藤", "p0_given_name": "一",
            "p0_family_name_kana": "サトウ", "p0_given_name_kana": "ハジメ", "p0_birth_date": "1980-04-01",
            "p0_sex": "1", "p0_relationship": "世帯主", "p0_resident_code": "22222222222"}
    response = client_a.post(f"/residents/changes/new/re-move-in/{first.person_id}/", form)
    assert response.status_code == 302
    change = Change.objects.get(kind="re_move_in")
    assert change.payload["persons"][0]["person_id"] == first.person_id
    response = client_a.post(f"/residents/changes/new/re-move-in/{first.person_id}/", {**form, "effective_on": "²"})
    assert response.status_code == 400


# --- 特例転入 ---------------------------------------------------------------------------------------------

CSV_RECORD = """証明書番号,転出元市区町村,転出元住所,転出予定日,住民票コード,氏,名,氏カナ,名カナ,生年月日,性別,続柄,本籍,筆頭者
T-77,福岡市中央区,福岡県福岡市中央区天神2丁目2番2号,2024-08-31,33333333331,鈴木,次郎,すずき,じろう,1990-02-03,1,世帯主,福岡県福岡市,鈴木次郎
T-77,福岡市中央区,福岡県福岡市中央区天神2丁目2番2号,2024-08-31,33333333332,鈴木,春子,スズキ,ハルコ,平成4年5月6日,女,妻,福岡県福岡市,鈴木次郎
"""


def _special(record, **extra):
    return {"certificate_record": record, "address": "佐賀県武雄市山内町1番地", "household_mode": "new",
            "person_ids": [], **extra}


def test_special_move_in_takes_the_persons_from_the_moveout_record(in_a, clerk_a, approve):
    """標準仕様 1.3 (転入: 特例転入), 10.8 (CSV取込): 氏名・カナ・生年月日・性別・住民票コード・転出元住所・
    転出予定日 come from the 転出証明書情報; the 異動事由 is 特例転入."""
    change = _submit(clerk_a, in_a, "special_move_in", _special(CSV_RECORD), effective="2024-09-01")
    assert change.reason_code == "A06"
    approve(change)
    rows = {v.given_name: v for v in PersonVersion.objects.filter(change=change)}
    assert set(rows) == {"次郎", "春子"}
    assert (rows["次郎"].given_name_kana, rows["次郎"].relationship, rows["春子"].sex) == ("ジロウ", "世帯主", "2")
    assert rows["春子"].birth_date.isoformat() == "1992-05-06"
    assert rows["次郎"].previous_address == "福岡県福岡市中央区天神2丁目2番2号"
    assert rows["次郎"].person.resident_code == "33333333331"
    assert change.payload["moveout_planned_on"] == "2024-08-31" and change.payload["moveout_certificate_no"] == "T-77"


def test_special_move_in_accepts_json_and_a_new_relationship(in_a, clerk_a, approve):
    """標準仕様 1.3 (特例転入): the same record as JSON; the 続柄 in the new household may differ."""
    record = json.dumps({"previous_town": "鹿島市", "previous_address": "佐賀県鹿島市納富分1番",
                         "moveout_planned_on": "令和6年8月1日",
                         "persons": [{"resident_code": "44444444441", "family_name": "中島", "given_name": "三郎",
                                      "family_name_kana": "ナカシマ", "given_name_kana": "サブロウ",
                                      "birth_date": "1970-01-01", "sex": "1", "relationship": "子"}]},
                        ensure_ascii=False)
    change = _submit(clerk_a, in_a, "special_move_in", _special(record, relationships={"0": "世帯主"}))
    approve(change)
    assert PersonVersion.objects.get(change=change).relationship == "世帯主"


def test_a_bad_moveout_record_names_the_record_and_the_item(in_a, clerk_a):
    """標準仕様 10.8 (CSV取込): each fault names the person (n件目) and the item; nothing is saved."""
    bad = CSV_RECORD.replace("33333333332", "３３３").replace("1990-02-03", "2月30日") \
        .replace("平成4年5月6日", "").replace(",女,", ",X,")
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "special_move_in", _special(bad))
    messages = exc.value.message_dict["certificate_record"]
    assert any(m.startswith("転出証明書情報 2件目（住民票コード）") for m in messages)
    assert any(m.startswith("転出証明書情報 1件目（生年月日）") for m in messages)
    assert any(m.startswith("転出証明書情報 2件目（生年月日）: 記載がありません") for m in messages)
    assert any(m.startswith("転出証明書情報 2件目（性別）") for m in messages)
    for record, expected in [("{not json", "JSONとして読めません"), ("氏,名\n山田,太郎\n", "列「住民票コード」がありません"),
                             ("住民票コード,趣味\n1,2\n", "見出し「趣味」は使えません"), ("", "貼り付けるか"),
                             (CSV_RECORD.replace("T-77,福岡市中央区,福岡県福岡市中央区天神2丁目2番2号,2024-08-31,3333333333"
                                                 "2", "T-78,福岡市中央区,福岡県福岡市中央区天神2丁目2番2号,2024-08-31,"
                                                 "33333333332"), "2件目（証明書番号）: 1件目と異なります"),
                             ("氏\x00", "NUL")]:
        with pytest.raises(ValidationError) as exc:
            _submit(clerk_a, in_a, "special_move_in", _special(record))
        assert any(expected in m for m in exc.value.message_dict["certificate_record"]), (record, exc.value)
    assert not Change.objects.filter(kind="special_move_in").exists()


def test_special_move_in_of_a_current_resident_is_refused(household, in_a, clerk_a):
    """標準仕様 1.3 (特例転入): the 住民票コード of someone on the register cannot move in."""
    record = CSV_RECORD.replace("33333333331", "12345678901")
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "special_move_in", _special(record))
    assert any("1件目（住民票コード）: この住民票コードの人は現在この町の住民です" in m
               for m in exc.value.message_dict["certificate_record"])


def test_the_special_move_in_page_reads_the_record_and_keeps_a_former_residents_number(in_a, clerk_a, approve,
                                                                                     client_a):
    """標準仕様 1.3 (特例転入・再転入): 「読み込む」 shows the record; a former resident found by its
    住民票コード keeps the 宛名番号; a bad record is a 400 naming the record and item."""
    former = _single(in_a, clerk_a, approve, code="33333333331")
    approve(_submit(clerk_a, in_a, "move_out", {"person_ids": [former.person_id], "destination": "福岡市"},
                    effective="2024-06-01"))
    form = {"notified_on": "2024-09-02", "effective_on": "2024-09-01", "address": "佐賀県武雄市山内町1番地",
            "certificate_record": CSV_RECORD}
    preview = client_a.post("/residents/changes/new/special-move-in/", {**form, "action": "preview"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="record"' in page and "春子" in page and f"宛名番号 {former.person.atena_number}" in page
    assert not Change.objects.filter(kind="special_move_in").exists()
    bad = client_a.post("/residents/changes/new/special-move-in/",
                        {**form, "certificate_record": CSV_RECORD.replace("1990-02-03", "x")})
    assert bad.status_code == 400 and "転出証明書情報 1件目（生年月日）" in bad.content.decode()
    for record in ("氏\x00名", "x" * 20_001):
        assert client_a.post("/residents/changes/new/special-move-in/",
                             {**form, "certificate_record": record}).status_code == 400
    upload = SimpleUploadedFile("record.csv", "氏".encode("shift_jis"), content_type="text/csv")
    bad = client_a.post("/residents/changes/new/special-move-in/", {**form, "certificate_record": "",
                                                                    "certificate_file": upload})
    assert bad.status_code == 400 and "UTF-8" in bad.content.decode()
    upload = SimpleUploadedFile("record.csv", ("\ufeff" + CSV_RECORD).encode(), content_type="text/csv")
    read = client_a.post("/residents/changes/new/special-move-in/", {**form, "certificate_record": "",
                                                                     "certificate_file": upload, "action": "preview"})
    assert read.status_code == 200 and "春子" in read.content.decode()
    done = client_a.post("/residents/changes/new/special-move-in/", {**form, "action": "submit"})
    assert done.status_code == 302
    change = Change.objects.get(kind="special_move_in")
    approve(change)
    assert PersonVersion.objects.get(person_id=former.person_id, is_current=True).status == "resident"
    assert [r.history_no for r in _history(former.person_id)] == [1, 2, 3]


# --- 世帯変更 ---------------------------------------------------------------------------------------------

def test_household_transfer_moves_a_member_to_another_household(household, in_a, clerk_a, approve, client_a):
    """標準仕様 1.3 (世帯変更等: 世帯変更): a member joins another existing household at its address with
    a new 続柄; 住所を定めた年月日 follows the new address; the others stay."""
    other = _single(in_a, clerk_a, approve)
    ichiro = household["ichiro"].person_id
    response = client_a.post(f"/residents/households/{household['household'].pk}/changes/household_transfer/", {
        "notified_on": "2024-09-01", "effective_on": "2024-09-01", "person_ids": [str(ichiro)],
        f"relationship_{ichiro}": "同居人", "target_number": other.household.number})
    assert response.status_code == 302
    change = Change.objects.get(kind="household_transfer")
    assert change.reason_code == "C05"
    approve(change)
    now = PersonVersion.objects.get(person_id=ichiro, is_current=True)
    assert (now.household_id, now.relationship, now.address) == (other.household_id, "同居人", other.address)
    assert now.address_set_on.isoformat() == "2024-09-01"
    assert services.household_members(household["household"].pk)[0].person_id == household["taro"].person_id
    assert len(services.household_members(household["household"].pk)) == 2


def test_household_transfer_refusals(household, in_a, clerk_a, approve):
    """標準仕様 1.3/1.4: everyone moving is a 世帯合併; the target keeps its one 世帯主."""
    other = _single(in_a, clerk_a, approve)
    ids = [household[k].person_id for k in ("taro", "hanako", "ichiro")]
    base = {"household_id": household["household"].pk, "target_household_id": other.household_id}
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "household_transfer",
                {**base, "person_ids": ids, "relationships": {str(i): "同居人" for i in ids}})
    assert "世帯合併" in exc.value.message_dict["person_ids"][0]
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "household_transfer",
                {**base, "person_ids": [ids[2]], "relationships": {str(ids[2]): "世帯主"}})
    assert "既に世帯主がいます" in exc.value.message_dict["relationships"][0]
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "household_transfer", {**base, "target_household_id": "²", "person_ids": [ids[2]],
                                                       "relationships": {str(ids[2]): "同居人"}})
    assert "target_household_id" in exc.value.message_dict


# --- 誤記修正 ---------------------------------------------------------------------------------------------

def test_clerical_correction_adds_a_row_naming_the_corrected_one(household, in_a, clerk_a, approve, client_a):
    """標準仕様 1.3 (職権修正: 誤記修正), 1.2.1: the mistyped 生年月日 of the 転入 row is corrected by a new
    row that names it; the 転入 row stays as it was and is shown as corrected."""
    pid = household["ichiro"].person_id
    before = _snapshot()
    response = client_a.post(f"/residents/persons/{pid}/clerical-correction/", {
        "notified_on": "2024-09-01", "effective_on": "2024-09-01", "history_no": "1", "birth_date": "平成22年1月25日"})
    assert response.status_code == 302
    change = Change.objects.get(kind="clerical_correction")
    # 生年月日 carries its wording and precision with it (標準仕様 1.1.8: stored as the register states it)
    assert (change.reason_code, change.payload["fields"]) == ("C08", {
        "birth_date": "2010-01-25", "birth_date_note": "", "birth_date_precision": "exact"})
    approve(change)
    rows = _history(pid)
    assert [(r.history_no, r.birth_date.isoformat(), r.corrects_history_no) for r in rows] == [
        (1, "2010-01-15", None), (2, "2010-01-25", 1)]
    after = _snapshot()
    assert all(after[k] == v for k, v in before.items())  # no earlier row changed
    page = client_a.get(f"/residents/persons/{pid}/").content.decode()
    assert "（誤記: 履歴2で修正）" in page and "（履歴1の誤記を修正）" in page


def test_clerical_correction_refusals(household, in_a, clerk_a, approve, client_a):
    """標準仕様 1.3 (誤記修正): the row must exist, the value must differ from it, and the item must not
    have been changed since (that is a 職権修正); bad input is a 400 naming the field."""
    pid = household["ichiro"].person_id
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "clerical_correction",
                {"person_id": pid, "history_no": "1", "fields": {"birth_date": "2010-01-15"}})
    assert "履歴番号1の記載と同じです" in exc.value.message_dict["birth_date"][0]
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "clerical_correction",
                {"person_id": pid, "history_no": "9", "fields": {"given_name": "一朗"}})
    assert "history_no" in exc.value.message_dict
    approve(_submit(clerk_a, in_a, "ex_officio_correct", {"person_id": pid, "fields": {"given_name": "一朗"}},
                    effective="2024-08-01"))
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "clerical_correction",
                {"person_id": pid, "history_no": "1", "fields": {"given_name": "市郎"}})
    assert "後に変更されています" in exc.value.message_dict["given_name"][0]
    for bad, field in [({"history_no": "²", "sex": "2"}, "誤記のある履歴番号が見つかりません"),
                       ({"history_no": "1", "birth_date": "2月30日"}, "生年月日"),
                       ({"history_no": "1", "family_name_kana": "山田"}, "カタカナ")]:
        response = client_a.post(f"/residents/persons/{pid}/clerical-correction/",
                                 {"notified_on": "2024-09-01", "effective_on": "2024-09-01", **bad})
        assert response.status_code == 400 and field in response.content.decode()
    assert not Change.objects.filter(kind="clerical_correction").exists()


# --- 異動の取消し -----------------------------------------------------------------------------------------

def test_cancelling_a_relocation_restores_the_address_and_marks_the_rows(household, in_a, clerk_a, approve,
                                                                        client_a):
    """標準仕様 1.3 (異動の取消し: 取消(修正)), 1.2.2 (no separate 転居取消): a 転居 is cancelled by the
    generic 取消; new rows restore the old address; the cancelled rows are shown as 「取消」; the as-of
    view after the 転居's date shows the restored state; nothing earlier is rewritten."""
    hh = household["household"].pk
    old_address = household["taro"].address
    approve(_submit(clerk_a, in_a, "relocation", {"household_id": hh, "address": "佐賀県武雄市武雄町富岡1番地",
                                                   "katagaki": "", "district": "武雄", "postal_code": ""},
                    effective="2024-06-01"))
    taro = household["taro"].person_id
    before = _snapshot()
    page = client_a.get(f"/residents/persons/{taro}/cancel/")
    assert page.status_code == 200 and "異動の取消し（取消（修正））の入力（仮登録）" in page.content.decode()
    response = client_a.post(f"/residents/persons/{taro}/cancel/", {"notified_on": "2024-09-01",
                                                                   "effective_on": "2024-09-01"})
    assert response.status_code == 302
    cancel = Change.objects.get(kind="cancel_correct")
    assert cancel.reason_code == "C09" and len(cancel.person_ids) == 3
    approve(cancel)
    for key in ("taro", "hanako", "ichiro"):
        rows = _history(household[key].person_id)
        assert [r.address for r in rows] == [old_address, "佐賀県武雄市武雄町富岡1番地", old_address]
        assert rows[2].cancels_change_id == rows[1].change_id
        assert rows[2].valid_from.isoformat() == "2024-06-01"
    after = _snapshot()
    assert all(after[k] == v for k, v in before.items())
    shown = client_a.get(f"/residents/persons/{taro}/", {"as_of": "2024-07-01"}).content.decode()
    assert old_address in shown.split('id="address"')[1].split("</td>")[0]
    page = client_a.get(f"/residents/persons/{taro}/").content.decode()
    assert page.count("「取消」") == 1 and 'class="cancelled"' in page
    assert OutboxEvent.objects.filter(event_type="residents.change_cancelled", payload__change_id=cancel.pk).exists()


def test_cancelling_a_move_in_takes_the_person_off_the_register(in_a, clerk_a, approve):
    """標準仕様 1.3 (異動の取消し), 1.2.2: cancelling a 転入 (a 記載) is a 取消(減): the person is no longer
    on the register (住民状態 取消), keeps their history, and is not found by an ordinary search."""
    first = _single(in_a, clerk_a, approve)
    with pytest.raises(ValidationError) as exc:  # the kind follows from the change: not 取消(増)
        _submit(clerk_a, in_a, "cancel_add", {"change_id": first.change_id, "person_ids": [first.person_id]})
    assert "取消（減）" in exc.value.message_dict["change_id"][0]
    cancel = _submit(clerk_a, in_a, "cancel_remove", {"change_id": first.change_id, "person_ids": [first.person_id]})
    assert cancel.reason_code == "B05"
    approve(cancel)
    rows = _history(first.person_id)
    assert [(r.status, r.cancels_change_id) for r in rows] == [("resident", None), ("cancelled", first.change_id)]
    assert services.household_members(first.household_id) == []
    from tenants.residents import selectors

    found = selectors.persons_search(actor=clerk_a, town=in_a, query="サトウ ハジメ")
    assert first.person_id not in [r.person_id for r in found]


def test_cancelling_a_move_out_puts_the_person_back(household, in_a, clerk_a, approve, client_a):
    """標準仕様 1.3 (異動の取消し), 1.2.2: cancelling a 転出 (a 消除) is a 取消(増): back on the register,
    in their household, with the 続柄 they had."""
    ichiro = household["ichiro"].person_id
    move = _submit(clerk_a, in_a, "move_out", {"person_ids": [ichiro], "destination": "東京都"}, effective="2024-06-01")
    approve(move)
    page = client_a.get(f"/residents/persons/{ichiro}/")
    assert 'id="cancel-latest"' in page.content.decode()  # offered for a removed person too
    response = client_a.post(f"/residents/persons/{ichiro}/cancel/", {"notified_on": "2024-07-01",
                                                                     "effective_on": "2024-07-01"})
    assert response.status_code == 302
    cancel = Change.objects.get(kind="cancel_add")
    assert cancel.reason_code == "A07"
    approve(cancel)
    now = PersonVersion.objects.get(person_id=ichiro, is_current=True)
    assert (now.status, now.household_id, now.relationship, now.destination) == (
        "resident", household["household"].pk, "子", "")
    assert len(services.household_members(household["household"].pk)) == 3


def test_only_the_latest_change_of_a_person_can_be_cancelled(household, in_a, clerk_a, approve, client_a):
    """標準仕様 1.3 (異動の取消し): a change followed by another change of the same person is refused
    with a message naming the later change; a 取消 itself is not cancelled."""
    hh = household["household"].pk
    relocation = _submit(clerk_a, in_a, "relocation", {"household_id": hh, "address": "佐賀県武雄市朝日町2番地",
                                                       "katagaki": "", "district": "", "postal_code": ""},
                         effective="2024-06-01")
    approve(relocation)
    ichiro = household["ichiro"].person_id
    approve(_submit(clerk_a, in_a, "move_out", {"person_ids": [ichiro], "destination": "東京都"},
                    effective="2024-07-01"))
    members = [household[k].person_id for k in ("taro", "hanako", "ichiro")]
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "cancel_correct", {"change_id": relocation.pk, "person_ids": members})
    message = exc.value.message_dict["change_id"][0]
    assert "一郎さんには、この後の異動（転出、令和6年7月1日）があります" in message
    assert "最新の異動だけ" in message
    with pytest.raises(ValidationError) as exc:  # every person the change touched must be named
        _submit(clerk_a, in_a, "cancel_add", {"change_id": Change.objects.get(kind="move_out").pk, "person_ids": []})
    assert "person_ids" in exc.value.message_dict
    cancel = _submit(clerk_a, in_a, "cancel_add", {"change_id": Change.objects.get(kind="move_out").pk,
                                                    "person_ids": [ichiro]}, effective="2024-08-01")
    approve(cancel)
    page = client_a.get(f"/residents/persons/{ichiro}/cancel/")
    assert page.status_code == 200 and 'id="not-cancellable"' in page.content.decode()
    with pytest.raises(ValidationError) as exc:
        _submit(clerk_a, in_a, "cancel_correct", {"change_id": cancel.pk, "person_ids": [ichiro]})
    assert "取り消せません" in exc.value.message_dict["change_id"][0]
    for bad in ("²", "1" * 19, "", None):
        with pytest.raises(ValidationError) as exc:
            _submit(clerk_a, in_a, "cancel_correct", {"change_id": bad, "person_ids": []})
        assert "change_id" in exc.value.message_dict


def test_a_cancellation_needs_a_second_person_and_is_revalidated(in_a, clerk_a, approve, chief_a):
    """標準仕様 4.0.8 (仮登録・決裁): a 取消 is 仮登録 first; its entrant cannot approve it; at 決裁 it is
    checked again (a change since makes it fail)."""
    first = _single(in_a, clerk_a, approve)
    cancel = _submit(chief_a, in_a, "cancel_remove", {"change_id": first.change_id, "person_ids": [first.person_id]})
    assert cancel.status == ChangeStatus.PENDING
    assert PersonVersion.objects.get(person_id=first.person_id, is_current=True).status == "resident"
    with pytest.raises(ValidationError) as exc:
        services.change_approve(actor=chief_a, town=in_a, change=cancel)
    assert "自分が入力した異動は審査できません" in str(exc.value)
    cancel.refresh_from_db()
    assert cancel.status == ChangeStatus.PENDING
    approve(_submit(clerk_a, in_a, "relocation", {"household_id": first.household_id, "address": "佐賀県武雄市1番"},
                    effective="2024-06-01"))
    with pytest.raises(ValidationError) as exc:
        approve(cancel)
    assert "最新の異動だけ" in exc.value.message_dict["change_id"][0]


def test_cancel_and_correction_pages_answer_400_for_bad_dates_and_404_across_towns(household, in_a, client_a,
                                                                                  client_b):
    """Bad input is a 400 naming the field; town B cannot reach town A's person through these pages."""
    taro = household["taro"].person_id
    response = client_a.post(f"/residents/persons/{taro}/cancel/", {"notified_on": "2024-09-01",
                                                                   "effective_on": "令和6年2月30日"})
    assert response.status_code == 400 and "異動日" in response.content.decode()
    for path in (f"/residents/persons/{taro}/cancel/", f"/residents/persons/{taro}/clerical-correction/",
                 f"/residents/changes/new/re-move-in/{taro}/"):
        assert client_b.get(path).status_code == 404


def test_the_change_kinds_enum_has_an_entry_for_each_new_kind():
    """Every new ChangeKind is a registry entry started from its own page."""
    for kind, entry in [(ChangeKind.RE_MOVE_IN, kinds.RETURNING), (ChangeKind.SPECIAL_MOVE_IN, kinds.SPECIAL),
                        (ChangeKind.HOUSEHOLD_TRANSFER, kinds.HOUSEHOLD),
                        (ChangeKind.CLERICAL_CORRECTION, kinds.CLERICAL), (ChangeKind.CANCEL_ADD, kinds.CANCELLATION),
                        (ChangeKind.CANCEL_REMOVE, kinds.CANCELLATION), (ChangeKind.CANCEL_CORRECT, kinds.CANCELLATION)]:
        assert kinds.started_from(entry, kind) is kinds.KINDS[kind]


def test_protected_persons_are_not_found_for_re_move_in_or_cancellation(household, in_a, clerk_a, approver_a,
                                                                         approve, client_a):
    """標準仕様 1.6 (支援措置) / 3.1: a protected former resident is not found by the 再転入 照合 (like
    no match); their own pages, and a 取消 touching a protected person, go through the warning."""
    first = _single(in_a, clerk_a, approve)
    approve(_submit(clerk_a, in_a, "move_out", {"person_ids": [first.person_id], "destination": "東京都"},
                    effective="2024-06-01"))
    services.support_measure_create(actor=approver_a, town=in_a, person_id=first.person_id, starts_on="2024-06-02")
    found = client_a.get("/residents/changes/new/move-in/returning/", {"resident_code": "22222222222"})
    assert found.status_code == 200 and 'id="no-match"' in found.content.decode()
    for path in (f"/residents/changes/new/re-move-in/{first.person_id}/", f"/residents/persons/{first.person_id}/cancel/"):
        assert 'id="alert-gate"' in client_a.get(path).content.decode()
    services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                    starts_on="2024-06-02")
    assert 'id="alert-gate"' in client_a.get(f"/residents/persons/{household['taro'].person_id}/cancel/") \
        .content.decode()
    assert not Change.objects.filter(kind__startswith="cancel").exists()


def test_the_change_page_names_the_cancelled_change_and_the_corrected_row(household, in_a, clerk_a, approver_client):
    """標準仕様 4.0.8 (審査): the approver sees which change a 取消 cancels and which row a 誤記修正 corrects."""
    ichiro = household["ichiro"].person_id
    cancel = _submit(clerk_a, in_a, "cancel_remove", {"change_id": household["change"].pk,
                                                       "person_ids": sorted(household[k].person_id for k in
                                                                            ("taro", "hanako", "ichiro"))})
    page = approver_client.get(f"/residents/changes/{cancel.pk}/").content.decode()
    assert f"受付番号 {household['change'].pk}" in page.split('id="cancelled-change"')[1] and 'id="approve"' in page
    fix = _submit(clerk_a, in_a, "clerical_correction", {"person_id": ichiro, "history_no": "1",
                                                          "fields": {"sex": "2"}})
    page = approver_client.get(f"/residents/changes/{fix.pk}/").content.decode()
    assert "履歴番号 1" in page.split('id="corrected-row"')[1]
