"""Staff portal pages: search, detail with history, 転入 form errors, approval queue, certificates."""

from __future__ import annotations

import pytest

from tenants.residents.models import Change, ChangeStatus, PersonVersion

from .conftest import move_in_data

pytestmark = pytest.mark.django_db


def _move_in_post(**overrides):
    data = move_in_data()
    post = {k: v for k, v in data.items() if k not in ("persons", "household_mode")}
    post.update({"notified_on": "令和6年4月5日", "effective_on": "令和6年4月1日"})
    for key, value in data["persons"][0].items():
        post[f"p0_{key}"] = value
    post.update(overrides)
    return post


def test_search_page_finds_by_hiragana_and_half_width(household, client_a):
    for q in ("やまだ", "ﾔﾏﾀﾞ ﾀﾛｳ", "山田　太郎"):
        body = client_a.get("/residents/", {"q": q}).content.decode()
        assert "山田 太郎" in body, q


def test_detail_shows_history_and_as_of(household, client_a, in_a):
    pid = household["taro"].person_id
    response = client_a.get(f"/residents/persons/{pid}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "佐賀県武雄市武雄町大字武雄1234番地" in body and "●●●●●●●●9018" in body
    assert "123456789018" not in body
    assert "令和6年4月1日" in body
    body = client_a.get(f"/residents/persons/{pid}/", {"as_of": "令和6年3月1日"}).content.decode()
    assert "指定した日付の時点では記録がありません" in body
    body = client_a.get(f"/residents/persons/{pid}/", {"as_of": "令和1年4月30日"}).content.decode()
    assert "存在しない和暦の日付です" in body


def test_move_in_form_shows_field_errors(client_a, in_a):
    response = client_a.post("/residents/changes/new/move-in/", _move_in_post(
        effective_on="2024-02-30", p0_birth_date="平成31年5月1日", p0_family_name_kana="yamada"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "異動日「2024-02-30」は存在しない日付です" in body
    assert "生年月日「平成31年5月1日」は存在しない和暦の日付です" in body
    assert "氏カナはカタカナで入力してください" in body
    assert not Change.objects.exists()


def test_move_in_before_birth_is_refused(client_a, in_a):
    response = client_a.post("/residents/changes/new/move-in/", _move_in_post(
        effective_on="2024-04-01", notified_on="2024-04-05", p0_birth_date="2024-05-01"))
    assert "異動日が生年月日より前です" in response.content.decode()


def test_move_in_then_approval_through_the_pages(client_a, approver_client, in_a):
    response = client_a.post("/residents/changes/new/move-in/", _move_in_post())
    assert response.status_code == 302
    change = Change.objects.get()
    queue = client_a.get("/residents/changes/").content.decode()
    assert f"<td>{change.pk}</td>" in queue and "山田太郎" in queue
    own = client_a.get(f"/residents/changes/{change.pk}/").content.decode()
    assert "決裁できません" in own
    assert client_a.post(f"/residents/changes/{change.pk}/decide/", {"decision": "approve"}).status_code == 403
    response = approver_client.post(f"/residents/changes/{change.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert PersonVersion.objects.filter(family_name="山田", is_current=True).count() == 1


def test_rejection_through_the_page_needs_a_reason(client_a, approver_client, in_a):
    client_a.post("/residents/changes/new/move-in/", _move_in_post())
    change = Change.objects.get()
    approver_client.post(f"/residents/changes/{change.pk}/decide/", {"decision": "reject", "reason": ""})
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    approver_client.post(f"/residents/changes/{change.pk}/decide/", {"decision": "reject", "reason": "本人確認書類不足"})
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert "本人確認書類不足" in client_a.get(f"/residents/changes/{change.pk}/").content.decode()


def test_relocation_form_from_the_person_page(household, client_a, approver_client, in_a):
    pid = household["taro"].person_id
    response = client_a.post(f"/residents/persons/{pid}/changes/relocation/", {
        "notified_on": "2024-06-03", "effective_on": "2024-06-01", "address": "佐賀県武雄市朝日町1番"})
    assert response.status_code == 302
    change = Change.objects.filter(kind="relocation").get()
    approver_client.post(f"/residents/changes/{change.pk}/decide/", {"decision": "approve"})
    assert "佐賀県武雄市朝日町1番" in client_a.get(f"/residents/persons/{pid}/").content.decode()


def test_unknown_person_gets_the_uniform_page(client_a, in_a):
    response = client_a.get("/residents/persons/999999/")
    assert response.status_code == 404
    assert "該当する住民が見つからないか、表示できません。" in response.content.decode()


def test_town_without_the_application_gets_the_refusal_page(household, client_a, town_a):
    town_a.enabled_applications = []
    town_a.save()
    response = client_a.get("/residents/")
    assert response.status_code == 403
    assert "このページは利用できません" in response.content.decode()


def test_certificate_form_returns_a_pdf(household, client_a, in_a):
    pid = household["taro"].person_id
    response = client_a.post(f"/residents/persons/{pid}/certificate/", {
        "kind": "copy", "requester_name": "山田太郎", "requester_relation": "本人", "purpose": "就職",
        "person_ids": [str(pid), str(household["hanako"].person_id)], "include_relationship": "on"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "交付履歴" in client_a.get("/residents/certificates/").content.decode()


def test_certificate_with_my_number_for_a_third_party_is_refused_on_the_form(household, client_a, in_a):
    pid = household["taro"].person_id
    response = client_a.post(f"/residents/persons/{pid}/certificate/", {
        "kind": "copy", "requester_name": "第三者", "requester_relation": "第三者", "purpose": "調査",
        "include_my_number": "on"})
    assert response.status_code == 400
    assert "個人番号は本人または同一世帯員の請求に限り記載できます" in response.content.decode()


def test_export_csv_needs_a_purpose(household, approver_client, in_a):
    assert approver_client.get("/residents/export.csv", {"purpose": ""}).status_code == 400
    body = approver_client.get("/residents/export.csv", {"purpose": "選挙人名簿照合"}).content.decode("utf-8-sig")
    assert "山田 太郎" in body.replace("\u3000", " ")


def test_head_change_form(household, client_a, approver_client, in_a):
    hh = household["household"].pk
    ids = {k: household[k].person_id for k in ("taro", "hanako", "ichiro")}
    post = {"notified_on": "2024-10-01", "effective_on": "2024-10-01",
            f"relationship_{ids['taro']}": "子", f"relationship_{ids['hanako']}": "子",
            f"relationship_{ids['ichiro']}": "孫"}
    response = client_a.post(f"/residents/households/{hh}/changes/head_change/", post)
    body = response.content.decode()
    assert response.status_code == 400 and "続柄「孫」は使えません" in body
    post.update({f"relationship_{ids['hanako']}": "世帯主", f"relationship_{ids['taro']}": "夫",
                 f"relationship_{ids['ichiro']}": "子"})
    assert client_a.post(f"/residents/households/{hh}/changes/head_change/", post).status_code == 302
    change = Change.objects.get(kind="head_change")
    approver_client.post(f"/residents/changes/{change.pk}/decide/", {"decision": "approve"})
    assert PersonVersion.objects.get(person_id=ids["hanako"], is_current=True).relationship == "世帯主"


def test_split_form_and_correction_form(household, client_a, in_a):
    hh = household["household"].pk
    ichiro = household["ichiro"].person_id
    response = client_a.post(f"/residents/households/{hh}/changes/household_split/", {
        "notified_on": "2024-10-01", "effective_on": "2024-10-01", "person_ids": [str(ichiro)],
        f"relationship_{ichiro}": "世帯主"})
    assert response.status_code == 302
    assert Change.objects.get(kind="household_split").payload["relationships"] == {str(ichiro): "世帯主"}
    taro = household["taro"].person_id
    form = client_a.get(f"/residents/persons/{taro}/correct/").content.decode()
    assert 'value="山田"' in form
    response = client_a.post(f"/residents/persons/{taro}/correct/", {
        "notified_on": "2024-10-01", "effective_on": "2024-10-01", "family_name": "山田", "given_name": "太朗",
        "family_name_kana": "ヤマダ", "given_name_kana": "タロウ", "birth_date": "1980-04-01", "sex": "1",
        "honseki": "佐賀県武雄市武雄町1番地", "hittousha": "山田太郎", "katagaki": "コーポ武雄101", "district": "武雄",
        "postal_code": "843-0022"})
    assert response.status_code == 302
    assert Change.objects.get(kind="ex_officio_correct").payload["fields"] == {"given_name": "太朗"}


def test_household_page_as_of_a_date_before_a_split(household, client_a, clerk_a, in_a, approve):
    from tenants.residents import services

    hh = household["household"].pk
    ichiro = household["ichiro"].person_id
    split = services.change_submit(actor=clerk_a, town=in_a,
                                   kind="household_split", notified_on="2024-08-01", effective_on="2024-08-01",
                                   data={"person_ids": [ichiro], "relationships": {str(ichiro): "世帯主"}})
    approve(split)
    now = client_a.get(f"/residents/households/{hh}/").content.decode()
    before = client_a.get(f"/residents/households/{hh}/", {"as_of": "令和6年7月31日"}).content.decode()
    assert "山田 一郎" not in now and "山田 一郎" in before
    assert "令和6年7月31日 時点の世帯です" in before


def test_move_out_certificate_from_the_person_page(household, client_a, clerk_a, in_a, approve):
    from tenants.residents import services

    pid = household["ichiro"].person_id
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-07-01",
                                   effective_on="2024-07-10",
                                   data={"person_ids": [pid], "destination": "東京都千代田区"}))
    page = client_a.get(f"/residents/persons/{pid}/").content.decode()
    assert "転出証明書の交付" in page
    form = client_a.get(f"/residents/persons/{pid}/certificate/").content.decode()
    assert 'value="move_out" selected' in form
    response = client_a.post(f"/residents/persons/{pid}/certificate/", {
        "kind": "move_out", "requester_name": "山田一郎", "requester_relation": "本人", "purpose": "転入届",
        "person_ids": [str(pid)]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
