"""異動: 仮登録 → 決裁 for every kind, the approval rule, history as of a date, and the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kyodo.tenantlog.models import AuditEntry, OutboxEvent
from tenants.residents import selectors, services
from tenants.residents.models import (
    Change,
    ChangeStatus,
    Person,
    PersonalNumber,
    PersonVersion,
)
from tenants.residents.protection import ResidentNotFound

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db


def test_move_in_is_invisible_until_approved_by_another_member_of_staff(in_a, clerk_a, approver_a, approve):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data())
    assert change.status == ChangeStatus.PENDING
    assert Person.objects.count() == 0
    assert selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ") == []
    approve(change)
    rows = selectors.persons_search(actor=clerk_a, town=in_a, query="やまだ たろう")
    assert [(r.family_name, r.given_name, r.address) for r in rows] == [
        ("山田", "太郎", "佐賀県武雄市武雄町大字武雄1234番地")]
    assert rows[0].previous_address == "福岡県福岡市中央区天神1丁目1番1号"
    assert rows[0].became_resident_on == dt.date(2024, 4, 1)


def test_the_entrant_cannot_approve_their_own_change(in_a, clerk_a, approver_a):
    change = services.change_submit(actor=approver_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data())
    with pytest.raises(ValidationError) as exc:
        services.change_approve(actor=approver_a, town=in_a, change=change)
    assert "自分が入力した異動は審査できません" in str(exc.value)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING


def test_a_counter_clerk_cannot_approve(in_a, clerk_a, approver_a):
    change = services.change_submit(actor=approver_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data())
    with pytest.raises(PermissionDenied):
        services.change_approve(actor=clerk_a, town=in_a, change=change)


def test_rejection_needs_a_reason_and_has_no_effect(in_a, clerk_a, approver_a):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data())
    with pytest.raises(ValidationError) as exc:
        services.change_reject(actor=approver_a, town=in_a, change=change, reason=" ")
    assert "reason" in exc.value.message_dict
    services.change_reject(actor=approver_a, town=in_a, change=change, reason="転出証明書の住所と一致しない")
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert change.rejection_reason == "転出証明書の住所と一致しない"
    assert Person.objects.count() == 0
    with pytest.raises(ValidationError):
        services.change_approve(actor=approver_a, town=in_a, change=change)


@pytest.mark.parametrize("field,value,message", [
    ("effective_on", "2024-02-30", "存在しない日付"),
    ("effective_on", "平成31年5月1日", "存在しない和暦"),
    ("effective_on", "令和1年4月30日", "存在しない和暦"),
    ("effective_on", "1970-01-01", "異動日が生年月日より前です"),
    ("notified_on", "2999-01-01", "届出日が未来"),
])
def test_dates_are_checked_with_clear_messages(in_a, clerk_a, field, value, message):
    kwargs = {"notified_on": "2024-04-05", "effective_on": "2024-04-01", field: value}
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="move_in", data=move_in_data(), **kwargs)
    assert any(message in m for m in exc.value.message_dict[field])


def test_wareki_dates_are_accepted(in_a, clerk_a):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="令和6年4月5日",
                                    effective_on="R6.4.1", data=move_in_data([person_data(birth_date="平成元年1月8日")]))
    assert change.effective_on == "2024-04-01" or change.effective_on == dt.date(2024, 4, 1)
    assert change.payload["persons"][0]["birth_date"] == "1989-01-08"


def test_person_field_errors_name_the_field(in_a, clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                               effective_on="2024-04-01",
                               data=move_in_data([person_data(family_name_kana="Yamada", relationship="孫",
                                                              my_number="123456789012")]))
    errors = exc.value.message_dict
    assert errors["p0_family_name_kana"] == ["氏カナはカタカナで入力してください。"]
    assert "続柄「孫」は使えません" in errors["p0_relationship"][0]
    assert errors["p0_my_number"] == ["個人番号の検査数字（12桁目）が正しくありません。"]


def test_my_number_is_stored_encrypted_and_shown_masked(household, clerk_a, in_a):
    number = PersonalNumber.objects.get(person_id=household["taro"].person_id)
    assert b"123456789018" not in bytes(number.ciphertext)
    view = selectors.person_get(actor=clerk_a, town=in_a, person_id=household["taro"].person_id)
    assert view.my_number_masked == "●●●●●●●●9018"
    pending = Change.objects.filter(payload__icontains="123456789018")
    assert not pending.exists()


def test_birth_joins_the_household_at_its_address(household, in_a, clerk_a, approve):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="birth", notified_on="2024-05-10",
                                    effective_on="2024-05-01",
                                    data={"household_id": household["household"].pk,
                                          "persons": [person_data(given_name="二郎", given_name_kana="ジロウ",
                                                                  relationship="子", resident_code="")]})
    approve(change)
    baby = PersonVersion.objects.get(is_current=True, given_name="二郎")
    assert baby.birth_date == dt.date(2024, 5, 1)
    assert baby.household_id == household["household"].pk
    assert baby.address == household["taro"].address
    assert len(Person.objects.get(pk=baby.person_id).resident_code) == 11


def test_relocation_moves_the_household_and_keeps_history(household, in_a, clerk_a, approve):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-06-03",
                                    effective_on="2024-06-01",
                                    data={"household_id": household["household"].pk,
                                          "address": "佐賀県武雄市朝日町甘久100番地", "district": "朝日"})
    approve(change)
    taro = household["taro"].person_id
    assert PersonVersion.objects.get(person_id=taro, is_current=True).address == "佐賀県武雄市朝日町甘久100番地"
    before = selectors.person_get(actor=clerk_a, town=in_a, person_id=taro, as_of=dt.date(2024, 5, 31))
    after = selectors.person_get(actor=clerk_a, town=in_a, person_id=taro, as_of=dt.date(2024, 6, 1))
    assert before.version.address == "佐賀県武雄市武雄町大字武雄1234番地"
    assert after.version.address == "佐賀県武雄市朝日町甘久100番地"
    assert [v.history_no for v in after.history] == [1, 2]
    with pytest.raises(ResidentNotFound):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=taro, as_of=dt.date(2024, 3, 31))


def test_history_rows_cannot_be_overwritten_in_the_database(household, in_a):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE residents_personversion SET address = 'x' WHERE id = %s", [household["taro"].pk])


def test_move_out_of_the_head_promotes_the_sole_remaining_member(household, in_a, clerk_a, approve):
    ids = [household["taro"].person_id, household["ichiro"].person_id]
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-07-01",
                                    effective_on=dt.date.today() + dt.timedelta(days=10),
                                    data={"person_ids": ids, "destination": "福岡県福岡市"})
    approve(change)
    # 転出予定 until the date: still residents, nobody promoted yet.
    taro = PersonVersion.objects.get(person_id=ids[0], is_current=True)
    assert (taro.status, taro.destination) == ("moving_out", "福岡県福岡市")
    assert PersonVersion.objects.get(person_id=household["hanako"].person_id, is_current=True).relationship == "妻"
    services.move_outs_complete(actor=clerk_a, town=in_a, today=dt.date.today() + dt.timedelta(days=10))
    hanako = PersonVersion.objects.get(person_id=household["hanako"].person_id, is_current=True)
    assert hanako.relationship == "世帯主"
    taro = PersonVersion.objects.get(person_id=ids[0], is_current=True)
    assert (taro.status, taro.destination) == ("moved_out", "福岡県福岡市")


def test_future_dates_only_for_move_out(household, in_a, clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-07-01",
                               effective_on=dt.date.today() + dt.timedelta(days=3),
                               data={"person_id": household["taro"].person_id})
    assert "異動日が未来の日付です" in exc.value.message_dict["effective_on"][0]


def test_death_removes_the_person_from_search(household, in_a, clerk_a, approve):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-07-02",
                                    effective_on="2024-07-01", data={"person_id": household["ichiro"].person_id})
    approve(change)
    assert [r.given_name for r in selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ")] == ["太郎", "花子"]
    removed = selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ イチロウ", include_removed=True)
    assert removed[0].status == "deceased"


def test_household_split_merge_and_head_change(household, in_a, clerk_a, approve):
    hh = household["household"].pk
    ichiro = household["ichiro"].person_id
    split = services.change_submit(actor=clerk_a, town=in_a, kind="household_split", notified_on="2024-08-01",
                                   effective_on="2024-08-01",
                                   data={"person_ids": [ichiro], "relationships": {str(ichiro): "世帯主"}})
    approve(split)
    new_hh = PersonVersion.objects.get(person_id=ichiro, is_current=True).household_id
    assert new_hh != hh
    merge = services.change_submit(actor=clerk_a, town=in_a, kind="household_merge", notified_on="2024-09-01",
                                   effective_on="2024-09-01",
                                   data={"household_id": new_hh, "target_household_id": hh,
                                         "relationships": {str(ichiro): "子"}})
    approve(merge)
    assert PersonVersion.objects.get(person_id=ichiro, is_current=True).household_id == hh
    taro, hanako = household["taro"].person_id, household["hanako"].person_id
    head = services.change_submit(actor=clerk_a, town=in_a, kind="head_change", notified_on="2024-10-01",
                                  effective_on="2024-10-01",
                                  data={"household_id": hh, "relationships": {
                                      str(taro): "夫", str(hanako): "世帯主", str(ichiro): "子"}})
    approve(head)
    members = selectors.household_get(actor=clerk_a, town=in_a, household_id=hh)
    assert [(m.given_name, m.relationship) for m in members] == [("花子", "世帯主"), ("太郎", "夫"), ("一郎", "子")]


def test_head_change_needs_exactly_one_head(household, in_a, clerk_a):
    hh = household["household"].pk
    rels = {str(household[k].person_id): "子" for k in ("taro", "hanako", "ichiro")}
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="head_change", notified_on="2024-10-01",
                               effective_on="2024-10-01", data={"household_id": hh, "relationships": rels})
    assert exc.value.message_dict["relationships"] == ["世帯主をちょうど1人指定してください。"]


def test_ex_officio_record_correct_and_remove(in_a, clerk_a, approve):
    rec = services.change_submit(actor=clerk_a, town=in_a, kind="ex_officio_record", notified_on="2024-04-05",
                                 effective_on="2024-04-01",
                                 data=move_in_data([person_data(family_name="髙橋", family_name_kana="タカハシ",
                                                                resident_code="")]))
    approve(rec)
    pid = PersonVersion.objects.get(family_name="髙橋").person_id
    fix = services.change_submit(actor=clerk_a, town=in_a, kind="ex_officio_correct", notified_on="2024-05-01",
                                 effective_on="2024-05-01",
                                 data={"person_id": pid, "fields": {"given_name": "太朗", "birth_date": "1980-04-02"}})
    approve(fix)
    current = PersonVersion.objects.get(person_id=pid, is_current=True)
    assert (current.given_name, current.birth_date) == ("太朗", dt.date(1980, 4, 2))
    assert PersonVersion.objects.get(person_id=pid, history_no=1).given_name == "太郎"
    remove = services.change_submit(actor=clerk_a, town=in_a, kind="ex_officio_remove", notified_on="2024-06-01",
                                    effective_on="2024-06-01", data={"person_id": pid})
    approve(remove)
    assert PersonVersion.objects.get(person_id=pid, is_current=True).status == "removed"


def test_approval_rechecks_the_registry(household, in_a, clerk_a, approve):
    """Two pending changes for one person: once the first (death) is approved the second fails."""
    pid = household["ichiro"].person_id
    death = services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-07-02",
                                   effective_on="2024-07-01", data={"person_id": pid})
    move = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-07-02",
                                  effective_on="2024-07-05", data={"person_ids": [pid], "destination": "東京都"})
    approve(death)
    with pytest.raises(ValidationError):
        approve(move)
    move.refresh_from_db()
    assert move.status == ChangeStatus.PENDING


def test_approval_writes_outbox_events_in_the_same_transaction(in_a, clerk_a, approve):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data())
    # 仮登録 is announced at once (intake and task distribution act on it); nothing else yet.
    assert list(OutboxEvent.objects.values_list("event_type", "actor_name")) == [
        ("residents.change_submitted", "clerk-a")]
    approve(change)
    events = list(OutboxEvent.objects.order_by("position").values_list("event_type", "payload", "actor_name"))
    assert [e[0] for e in events] == ["residents.change_submitted", "residents.change_approved", "residents.moved_in"]
    assert events[2][1]["town"] == "412066" and events[2][1]["kind"] == "move_in"
    assert events[2][1]["person_ids"] == change.__class__.objects.get(pk=change.pk).person_ids
    assert events[2][2] == "approver-a"


def test_failed_approval_leaves_no_event(household, in_a, clerk_a, approve):
    pid = household["ichiro"].person_id
    death = services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-07-02",
                                   effective_on="2024-07-01", data={"person_id": pid})
    again = services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-07-02",
                                   effective_on="2024-07-01", data={"person_id": pid})
    approve(death)
    count = OutboxEvent.objects.count()
    with pytest.raises(ValidationError):
        approve(again)
    assert OutboxEvent.objects.count() == count


def test_every_read_and_write_is_audited(household, in_a, clerk_a):
    pid = household["taro"].person_id
    selectors.person_get(actor=clerk_a, town=in_a, person_id=pid, purpose="窓口での本人確認")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.target_id, entry.purpose, entry.actor_username, entry.municipality_code) == (
        "person.read", str(pid), "窓口での本人確認", "clerk-a", "412066")
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[:2] == ["change.submit", "change.approve"]


def test_services_refuse_to_run_outside_the_towns_schema(town_a, town_b, clerk_a, in_town):
    with in_town(town_b), pytest.raises(RuntimeError):
        services.change_submit(actor=clerk_a, town=town_a, kind="move_in", notified_on="2024-04-05",
                               effective_on="2024-04-01", data=move_in_data())


def _kind_data(kind, household):
    hh = household["household"].pk
    ids = {k: household[k].person_id for k in ("taro", "hanako", "ichiro")}
    return {
        "move_in": move_in_data([person_data(family_name="佐藤", family_name_kana="サトウ")]),
        "ex_officio_record": move_in_data([person_data(family_name="佐藤", family_name_kana="サトウ")]),
        "birth": {"household_id": hh, "persons": [person_data(given_name="二郎", given_name_kana="ジロウ",
                                                              relationship="子", resident_code="")]},
        "move_out": {"person_ids": [ids["ichiro"]], "destination": "東京都"},
        "relocation": {"household_id": hh, "address": "武雄市朝日町1番"},
        "death": {"person_id": ids["ichiro"]},
        "ex_officio_remove": {"person_id": ids["ichiro"]},
        "ex_officio_correct": {"person_id": ids["ichiro"], "fields": {"given_name": "一朗"}},
        "household_split": {"person_ids": [ids["ichiro"]], "relationships": {str(ids["ichiro"]): "世帯主"}},
        "head_change": {"household_id": hh, "relationships": {str(ids["taro"]): "夫", str(ids["hanako"]): "世帯主",
                                                              str(ids["ichiro"]): "子"}},
    }[kind]


@pytest.mark.parametrize("kind", ["move_in", "ex_officio_record", "birth", "move_out", "relocation", "death",
                                  "ex_officio_remove", "ex_officio_correct", "household_split", "head_change"])
def test_every_kind_needs_a_second_person_to_take_effect(kind, household, in_a, approver_a, chief_a):
    before = PersonVersion.objects.count()
    change = services.change_submit(actor=approver_a, town=in_a, kind=kind, notified_on="2024-08-01",
                                    effective_on="2024-08-01", data=_kind_data(kind, household))
    assert PersonVersion.objects.count() == before
    with pytest.raises(ValidationError):
        services.change_approve(actor=approver_a, town=in_a, change=change)
    assert PersonVersion.objects.count() == before
    services.change_approve(actor=chief_a, town=in_a, change=change)
    assert PersonVersion.objects.count() > before
    assert OutboxEvent.objects.filter(payload__change_id=change.pk).count() == 3  # submitted, approved, kind
