"""The registry of 異動 kinds, and strict ids: a non-ASCII digit ('²', '１') or an oversized number
in an id is a ValidationError on that field (never a 500, never another record)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tenants.residents import events, kinds, services
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.models import Change, ChangeKind

from .conftest import person_data

pytestmark = pytest.mark.django_db

BAD_IDS = ["²", "１", "٣", "1" * 19, "-1", "1.0", True]


def test_every_kind_but_the_initial_load_has_one_entry_with_todays_reason_code():
    assert set(kinds.KINDS) == set(ChangeKind) - {ChangeKind.INITIAL_LOAD}
    assert {k.value: s.reason_code for k, s in kinds.KINDS.items()} == {
        "move_in": "A01", "birth": "A02", "ex_officio_record": "A03", "move_out": "B01", "death": "B02",
        "ex_officio_remove": "B03", "relocation": "C01", "household_split": "C02", "household_merge": "C03",
        "head_change": "C04", "ex_officio_correct": "C06", "re_move_in": "A05", "special_move_in": "A06",
        "household_transfer": "C05", "clerical_correction": "C08", "cancel_add": "A07", "cancel_remove": "B05",
        "cancel_correct": "C09"}
    constants = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str)}
    assert all(s.event_type in constants for s in kinds.KINDS.values())
    assert all(s.form is not None and s.page_data is not None for s in kinds.KINDS.values() if s.entry)


@pytest.mark.parametrize("kind", ["initial_load", "adoption", "", None, ["move_in"]])
def test_unknown_kinds_are_refused_on_the_kind_field(kind, in_a, clerk_a):
    with pytest.raises(ValidationError) as exc:
        kinds.spec_for(kind)
    assert exc.value.message_dict == {"kind": ["異動の種類が正しくありません。"]}
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind=kind, notified_on="2024-04-05",
                               effective_on="2024-04-01", data={})
    assert list(exc.value.message_dict) == ["kind"]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("kind,data,field", [
    ("relocation", {"address": "武雄市朝日町1番"}, "household_id"),
    ("head_change", {"relationships": {}}, "household_id"),
    ("birth", {"persons": [person_data(relationship="子", resident_code="")]}, "household_id"),
    ("death", {}, "person_id"),
    ("ex_officio_correct", {"fields": {"given_name": "一朗"}}, "person_id"),
])
def test_a_bad_id_names_its_field(bad, kind, data, field, household, in_a, clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind=kind, notified_on="2024-08-01",
                               effective_on="2024-08-01", data={**data, field: bad})
    assert field in exc.value.message_dict
    assert not Change.objects.filter(status="pending").exists()


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_in_lists_and_targets_name_their_field(bad, household, in_a, clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-08-01",
                               effective_on="2024-08-01", data={"person_ids": [bad], "destination": "東京都"})
    assert "person_ids" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.change_submit(actor=clerk_a, town=in_a, kind="household_merge", notified_on="2024-08-01",
                               effective_on="2024-08-01",
                               data={"household_id": household["household"].pk, "target_household_id": bad,
                                     "relationships": {}})
    assert "target_household_id" in exc.value.message_dict


def test_superscript_ids_through_the_split_page_are_a_400(household, client_a, in_a):
    hh = household["household"].pk
    response = client_a.post(f"/residents/households/{hh}/changes/household_split/", {
        "notified_on": "2024-10-01", "effective_on": "2024-10-01", "person_ids": ["²"]})
    assert response.status_code == 400
    assert "対象の住民が見つからないか、既に消除されています" in response.content.decode()


def test_bad_ids_in_measures_and_certificates_name_their_field(household, in_a, clerk_a, approver_a):
    with pytest.raises(ValidationError) as exc:
        services.support_measure_create(actor=approver_a, town=in_a, person_id="²", starts_on="2024-05-01")
    assert list(exc.value.message_dict) == ["person_id"]
    with pytest.raises(ValidationError) as exc:
        services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                        starts_on="2024-05-01", aggressors=[{"name": "加害 次郎", "person_id": "²"}])
    assert list(exc.value.message_dict) == ["aggressor0_person_id"]
    with pytest.raises(ValidationError) as exc:
        certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[household["taro"].person_id, "²"],
                          requester_name="山田太郎", requester_relation="本人", purpose="就職")
    assert list(exc.value.message_dict) == ["person_ids"]


@pytest.mark.parametrize("path", [
    "/residents/persons/{pid}/changes/ex_officio_correct/", "/residents/persons/{pid}/changes/head_change/",
    "/residents/persons/{pid}/changes/move_in/", "/residents/persons/{pid}/changes/initial_load/",
    "/residents/persons/{pid}/changes/nonsense/", "/residents/households/{hh}/changes/relocation/",
    "/residents/households/{hh}/changes/ex_officio_record/",
])
def test_a_kind_is_only_started_from_its_own_page(path, household, client_a, in_a):
    url = path.format(pid=household["taro"].person_id, hh=household["household"].pk)
    response = client_a.get(url)
    assert response.status_code == 404
    assert "該当する住民が見つからないか、表示できません。" in response.content.decode()


@pytest.mark.parametrize("kind", [k for k, s in kinds.KINDS.items() if s.entry == kinds.PERSON])
def test_every_person_page_kind_shows_its_form(kind, household, client_a, in_a):
    response = client_a.get(f"/residents/persons/{household['taro'].person_id}/changes/{kind.value}/")
    assert response.status_code == 200
    assert f"{kinds.KINDS[kind].title}の入力（仮登録）" in response.content.decode()


def test_a_person_page_kind_is_submitted_through_its_entry(household, client_a, in_a):
    pid = household["ichiro"].person_id
    response = client_a.post(f"/residents/persons/{pid}/changes/death/",
                             {"notified_on": "2024-07-02", "effective_on": "2024-07-01"})
    assert response.status_code == 302
    change = Change.objects.get(kind="death")
    assert (change.reason_code, change.person_ids, change.payload["person_ids"]) == ("B02", [pid], [pid])
