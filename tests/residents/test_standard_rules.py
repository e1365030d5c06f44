"""Rules of the 住民記録 standard on households, dates and corrections, each test citing its rule.

世帯主 (標準仕様 1.4 世帯): one 世帯主 per household; when the 世帯主 leaves and one member
remains, that member becomes 世帯主 by 職権; when two or more remain, an alert, and a 世帯主変更
comes first (the departure cannot be approved until then); a household without a 世帯主 is allowed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tenants.residents import services
from tenants.residents.models import ChangeStatus, PersonVersion

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db


def test_birth_into_a_household_with_a_head_cannot_add_a_second_head(household, in_a, clerk_a):
    """標準仕様 1.4: 出生 into an existing household never creates a second 世帯主."""
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="birth", notified_on="2024-05-02",
                               effective_on="2024-05-01",
                               data={"household_mode": "existing", "household_id": household["household"].pk,
                                     "persons": [person_data(given_name="三郎", given_name_kana="サブロウ",
                                                             relationship="世帯主", resident_code="")]})
    assert "既に世帯主がいます" in exc.value.message_dict["p0_relationship"][0]


def test_move_in_into_a_household_with_a_head_cannot_add_a_second_head(household, in_a, clerk_a):
    """標準仕様 1.4: 転入 into an existing household never creates a second 世帯主."""
    data = move_in_data([person_data(family_name="佐藤", family_name_kana="サトウ", resident_code="12345678909")],
                        household_mode="existing", household_id=household["household"].pk)
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-05-02",
                               effective_on="2024-05-01", data=data)
    assert "既に世帯主がいます" in exc.value.message_dict["p0_relationship"][0]
    data["persons"][0]["relationship"] = "同居人"
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-05-02",
                                    effective_on="2024-05-01", data=data)
    assert change.status == ChangeStatus.PENDING


def test_head_leaving_two_members_needs_a_head_change_first(household, in_a, clerk_a, approve, client_a):
    """標準仕様 1.4: 世帯主 leaves, two remain: alert, and the 世帯主変更 comes first."""
    taro, hanako, ichiro = (household[k].person_id for k in ("taro", "hanako", "ichiro"))
    move = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-07-01",
                                  effective_on="2024-07-01", data={"person_ids": [taro], "destination": "福岡県福岡市"})
    page = client_a.get(f"/residents/changes/{move.pk}/").content.decode()
    assert 'id="approval-blocker"' in page and "世帯主変更" in page
    with pytest.raises(ValidationError) as exc:
        approve(move)
    assert "先にこの世帯の世帯主変更" in exc.value.message_dict["household_id"][0]
    move.refresh_from_db()
    assert move.status == ChangeStatus.PENDING  # nothing was applied
    head_change = services.change_submit(
        actor=clerk_a, town=in_a, kind="head_change", notified_on="2024-07-01", effective_on="2024-07-01",
        data={"household_id": household["household"].pk,
              "relationships": {str(taro): "夫", str(hanako): "世帯主", str(ichiro): "子"}})
    approve(head_change)
    assert 'id="approval-blocker"' not in client_a.get(f"/residents/changes/{move.pk}/").content.decode()
    approve(move)
    current = {v.person_id: v for v in PersonVersion.objects.filter(is_current=True, person_id__in=[taro, hanako])}
    assert current[hanako].relationship == "世帯主" and current[taro].status == "moved_out"


def test_head_leaving_one_member_makes_that_member_head(household, in_a, clerk_a, approve):
    """標準仕様 1.4: one member remains: that member becomes 世帯主 by 職権 (no 世帯主変更 needed)."""
    taro, hanako, ichiro = (household[k].person_id for k in ("taro", "hanako", "ichiro"))
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-07-01",
                                   effective_on="2024-07-01", data={"person_ids": [taro, ichiro],
                                                                    "destination": "福岡県福岡市"}))
    assert PersonVersion.objects.get(person_id=hanako, is_current=True).relationship == "世帯主"


@pytest.mark.parametrize("kind", ["death", "ex_officio_remove", "household_split"])
def test_every_way_of_the_head_leaving_two_members_is_blocked(kind, household, in_a, clerk_a, approve):
    """標準仕様 1.4: 死亡, 職権消除 and 世帯分離 of the 世帯主 with two members remaining wait for a 世帯主変更."""
    taro = household["taro"].person_id
    data = {"person_id": taro} if kind != "household_split" else {
        "person_ids": [taro], "relationships": {str(taro): "世帯主"}}
    change = services.change_submit(actor=clerk_a, town=in_a, kind=kind, notified_on="2024-07-03",
                                    effective_on="2024-07-02", data=data)
    with pytest.raises(ValidationError) as exc:
        approve(change)
    assert "世帯主変更" in exc.value.message_dict["household_id"][0]
    assert PersonVersion.objects.get(person_id=taro, is_current=True).relationship == "世帯主"


def test_a_change_dated_before_the_latest_change_is_refused(household, in_a, clerk_a, approve):
    """標準仕様 1.2 (履歴): a 転居 dated before the 転入 that was accepted is refused."""
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-05-01",
                               effective_on="2024-03-20",
                               data={"household_id": household["household"].pk, "address": "武雄市朝日町1番"})
    assert "直前の異動日（令和6年4月1日）より前です" in exc.value.message_dict["effective_on"][0]
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-05-01",
                                   effective_on="2024-04-20",
                                   data={"household_id": household["household"].pk, "address": "武雄市朝日町1番"}))
    with pytest.raises(ValidationError):  # and now before the 転居
        services.change_submit(actor=clerk_a, town=in_a, kind="death", notified_on="2024-05-01",
                               effective_on="2024-04-10", data={"person_id": household["ichiro"].person_id})


def test_a_move_out_notified_more_than_14_days_late_is_flagged(household, in_a, clerk_a, client_a):
    """住民基本台帳法 24条: 転出届 within 14 days of the move; later ones are flagged for 職権 handling."""
    ichiro = household["ichiro"].person_id
    late = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-06-20",
                                  effective_on="2024-06-01", data={"person_ids": [ichiro], "destination": "東京都"})
    assert late.payload["late_notification_days"] == 5
    assert 'id="late-notification"' in client_a.get(f"/residents/changes/{late.pk}/").content.decode()
    assert "届出期間経過" in client_a.get("/residents/changes/").content.decode()
    on_time = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-06-15",
                                     effective_on="2024-06-01", data={"person_ids": [ichiro], "destination": "東京都"})
    assert on_time.payload["late_notification_days"] == 0
    assert 'id="late-notification"' not in client_a.get(f"/residents/changes/{on_time.pk}/").content.decode()


@pytest.mark.parametrize("fields, field, message", [
    ({"family_name": "  "}, "family_name", "氏を入力してください"),
    ({"given_name": ""}, "given_name", "名を入力してください"),
    ({"family_name_kana": "Yamada"}, "family_name_kana", "カタカナで入力してください"),
    ({"given_name_kana": "太郎"}, "given_name_kana", "カタカナで入力してください"),
    ({"birth_date": "2999-01-01"}, "birth_date", "未来の日付"),
    ({"birth_date": "令和1年4月30日"}, "birth_date", ""),
    ({"honseki": ""}, "honseki", "本籍を入力してください"),
    ({"sex": "3"}, "sex", "性別を選択してください"),
])
def test_ex_officio_correction_validates_like_entry(fields, field, message, household, in_a, clerk_a):
    """標準仕様 1.1.6 (必須項目) / 1.1.1: 職権修正 checks each item as entry does (a blank 氏 or
    non-katakana カナ is refused)."""
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="ex_officio_correct", notified_on="2024-05-01",
                               effective_on="2024-05-01",
                               data={"person_id": household["taro"].person_id, "fields": fields})
    assert message in exc.value.message_dict[field][0]


def test_ex_officio_correction_takes_hiragana_kana_as_katakana(household, in_a, clerk_a):
    change = services.change_submit(actor=clerk_a, town=in_a, kind="ex_officio_correct", notified_on="2024-05-01",
                                    effective_on="2024-05-01",
                                    data={"person_id": household["taro"].person_id,
                                          "fields": {"given_name_kana": "たろう"}})
    assert change.payload["fields"] == {"given_name_kana": "タロウ"}


def test_names_are_stored_exactly_as_entered(in_a, clerk_a, approve):
    """標準仕様 1.8 (文字) / issue of record: a CJK compatibility ideograph in a name (U+FA19 神,
    U+FA1B 福) is stored as entered — only the search keys fold it — while a combining 濁点 is
    still composed."""
    from tenants.residents import selectors

    from .conftest import move_in_data

    family = "\ufa19\u7530"          # 神田 written with the compatibility 神
    given = "\ufa1b\u5b50"           # 福子
    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
        data=move_in_data([person_data(family_name=family, given_name=given, family_name_kana="カンダ",
                                       given_name_kana="フクコ", hittousha="ス\u3099ス\u3099キ")]))
    approve(change)
    change.refresh_from_db()
    version = PersonVersion.objects.get(person_id=change.person_ids[0], is_current=True)
    assert version.family_name == family and version.given_name == given
    assert version.hittousha == "ズズキ"  # combining marks composed
    found = selectors.persons_search(actor=clerk_a, town=in_a, query="\u795e\u7530")  # typed with the unified 神
    assert [r.person_id for r in found] == [version.person_id]


def test_a_future_dated_move_out_leaves_the_person_a_resident_until_the_date(household, in_a, clerk_a, approve,
                                                                           client_a):
    """標準仕様 1.2 / issue: a 転出 with a future 転出予定日 makes the person 転出予定 — still a resident,
    searchable, a member of the household, issuable a 転出証明書 — until the date; the daily job then
    records the 転出 (idempotently), audited."""
    import datetime as dt

    from kyodo.tenantlog.models import AuditEntry
    from tenants.residents import selectors

    ichiro = household["ichiro"].person_id
    planned = dt.date.today() + dt.timedelta(days=7)
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on=dt.date.today(),
                                   effective_on=planned, data={"person_ids": [ichiro], "destination": "東京都"}))
    current = PersonVersion.objects.get(person_id=ichiro, is_current=True)
    assert current.status == "moving_out" and current.destination == "東京都"
    assert ichiro in [r.person_id for r in selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ イチロウ")]
    assert ichiro in [m.person_id for m in services.household_members(household["household"].pk)]
    assert "転出予定" in client_a.get(f"/residents/persons/{ichiro}/").content.decode()
    # Not yet: the day before the date nothing happens.
    assert services.move_outs_complete(actor=clerk_a, town=in_a, today=planned - dt.timedelta(days=1)) == []
    assert services.move_outs_complete(actor=clerk_a, town=in_a, today=planned) == [ichiro]
    assert services.move_outs_complete(actor=clerk_a, town=in_a, today=planned) == []  # idempotent
    current = PersonVersion.objects.get(person_id=ichiro, is_current=True)
    assert current.status == "moved_out"
    assert ichiro not in [r.person_id for r in selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ")]
    assert AuditEntry.objects.filter(action="change.move_out_completed", detail__person_ids=[ichiro]).exists()


def test_the_daily_job_is_declared_and_fans_out_to_the_towns_using_residents(town_a, town_b, monkeypatch):
    """The registry's periodic jobs become beat entries; the fan-out queues the job for every town
    that uses the application, each with the system principal of the job."""
    from celery import current_app

    from kyodo.celery import app
    from kyodo.tenancy.tasks import for_every_town

    entry = app.conf.beat_schedule["residents-move-outs-complete"]
    assert entry["task"] == "kyodo.tenancy.tasks.for_every_town"
    assert entry["kwargs"]["task"] == "tenants.residents.tasks.move_outs_complete"
    sent = []
    monkeypatch.setattr(current_app, "send_task", lambda name, kwargs: sent.append((name, kwargs)))
    assert for_every_town(**entry["kwargs"]) >= 2
    schemas = {k["schema_name"] for _, k in sent}
    assert {town_a.schema_name, town_b.schema_name} <= schemas
    assert all(k["principal"] == {"kind": "system", "name": "beat:residents.move-outs-complete"} for _, k in sent)


def test_the_move_out_task_runs_the_service_for_its_town(household, in_a, clerk_a, approve):
    import datetime as dt

    from tenants.residents.tasks import move_outs_complete

    ichiro = household["ichiro"].person_id
    approve(services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on=dt.date.today(),
                                   effective_on=dt.date.today(), data={"person_ids": [ichiro], "destination": "東京都"}))
    # Dated today: recorded as 転出 at once, so the daily job finds nothing.
    assert PersonVersion.objects.get(person_id=ichiro, is_current=True).status == "moved_out"
    assert move_outs_complete(schema_name=in_a.schema_name, principal={"kind": "system", "name": "test"}) == 0
