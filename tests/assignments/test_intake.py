"""オンライン申請の受付: through the API as the town's 申請管理 system does (a real client-credentials token from
the development IdP, posted over the whole Django stack), and as delivered files (CSV, JSON) taken in whole or
not at all with errors by record and field; once only by 申請番号; the 仮登録 draft becomes the registry's 仮登録
in one step at the counter; the isolation fixture."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from kyodo.tenantlog.models import AuditEntry
from tenants.assignments import intake, services
from tenants.assignments.models import CalendarDay, IntakeBatch, Office, Task
from tests.api.conftest import Api, vendor_token
from tests.identity.conftest import idp, oidc_settings  # noqa: F401  (fixtures)
from tests.residents.conftest import approve, household, in_a  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
SUBMIT = """mutation Submit($input: OnlineApplicationInput!) { onlineApplicationSubmit(input: $input) {
  task { applicationId kind status dueOn prefilled } errors { field messageJa } replayed } }"""


@pytest.fixture
def town(in_a):  # noqa: F811
    type(in_a).objects.filter(pk=in_a.pk).update(enabled_applications=[*in_a.enabled_applications, "assignments"])
    in_a.refresh_from_db()
    return in_a


def _relocation(household, app_id="PT-0001", **details):  # noqa: F811
    taro = household["taro"]
    return {"application_id": app_id, "kind": "relocation",
            "received_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(timespec="seconds"),
            "applicant": {"atena_number": taro.person.atena_number, "name": "山田 太郎",
                          "birth_date": taro.birth_date.isoformat()},
            "details": {"effective_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
                        "address": "佐賀県武雄市北方町大字志久1番地", "postal_code": "849-2201", **details}}


@pytest.fixture
def intake_api(db, oidc_settings, idp, town):  # noqa: F811
    from django.core.cache import cache
    from django.test import Client

    from kyodo.api.throttle import _redis
    from kyodo.identity.models import ServiceAccount

    ServiceAccount.objects.update_or_create(client_id="intake-takeo", defaults={
        "vendor_name": "武雄市 申請管理", "municipality_codes": ["412066"], "datasets": ["assignments:write"],
        "active": True})
    cache.clear()
    for key in _redis().scan_iter("kyodo:api:bucket:*"):
        _redis().delete(key)
    return Api(Client(), vendor_token(idp, "intake-takeo"))


def test_the_api_takes_an_application_once_and_drafts_its_provisional_entry(intake_api, household, town):  # noqa: F811
    record = _relocation(household)
    variables = {"input": {"applicationId": record["application_id"], "kind": "relocation",
                           "receivedAt": record["received_at"], "applicant": {
                               "atenaNumber": record["applicant"]["atena_number"], "name": "山田 太郎",
                               "birthDate": record["applicant"]["birth_date"]}, "details": record["details"]}}
    first = intake_api.data(SUBMIT, variables)["onlineApplicationSubmit"]
    assert first["errors"] == [] and first["replayed"] is False
    assert first["task"]["status"] == "received" and first["task"]["prefilled"] is True
    again = intake_api.data(SUBMIT, variables)["onlineApplicationSubmit"]
    assert again["replayed"] is True and Task.objects.count() == 1
    other = json.loads(json.dumps(variables))
    other["input"]["details"]["address"] = "佐賀県武雄市山内町大字宮野1番地"
    refused = intake_api.data(SUBMIT, other)["onlineApplicationSubmit"]
    assert refused["task"] is None and refused["errors"][0]["field"] == "application_id"
    task = Task.objects.get()
    assert task.prefill["kind"] == "relocation" and task.prefill["data"]["household_id"] == household["household"].pk
    assert AuditEntry.objects.filter(chain=f"assignments:{town.code}", action="application.receive",
                                     actor_kind="vendor").count() == 1


def test_the_api_names_the_refused_fields(intake_api, household):  # noqa: F811
    bad = {"input": {"applicationId": "PT 1", "kind": "relocation", "receivedAt": "２０２６-12-01T09:00:00",
                     "applicant": {"atenaNumber": "１２３", "birthDate": "1980-02-30"},
                     "details": {"effective_on": "2026-12-01", "colour": "red"}}}
    answer = intake_api.data(SUBMIT, bad)["onlineApplicationSubmit"]
    fields = {e["field"] for e in answer["errors"]}
    assert {"application_id", "received_at", "applicant.atena_number", "applicant.birth_date", "details.colour",
            "details.address"} <= fields
    assert not Task.objects.exists()


def test_a_client_of_another_town_or_a_reading_vendor_is_refused(intake_api, household, town_b):  # noqa: F811
    record = _relocation(household)
    variables = {"input": {"applicationId": "PT-9", "kind": "relocation", "receivedAt": record["received_at"],
                           "details": record["details"]}}
    type(town_b).objects.filter(pk=town_b.pk).update(enabled_applications=[*town_b.enabled_applications,
                                                                           "assignments"])
    on_b = intake_api.post(SUBMIT, variables, host="kashima.test").json()  # contracted for 412066 only
    assert on_b["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "武雄" not in json.dumps(on_b)


def test_a_file_is_taken_in_whole_or_not_at_all(town, household, approver_a):  # noqa: F811
    good = [_relocation(household, "PT-1"), _relocation(household, "PT-2")]
    broken = [*good, {**_relocation(household, "PT-3"), "kind": "marriage"},
              {**_relocation(household, "PT-4"), "received_at": "2999-01-01T00:00:00+09:00"}]
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.applications_import(actor=approver_a, town=town, raw=json.dumps(broken).encode(), filename="a.json")
    assert [(e.record, e.application_id, e.field) for e in excinfo.value.errors] == [
        (3, "PT-3", "kind"), (4, "PT-4", "received_at")]
    assert not Task.objects.exists() and not IntakeBatch.objects.exists()
    batch = intake.applications_import(actor=approver_a, town=town, raw=json.dumps(good).encode(), filename="a.json")
    assert batch.count == 2 and Task.objects.filter(batch=batch, source="file").count() == 2
    resent = intake.applications_import(actor=approver_a, town=town, raw=json.dumps(good).encode(), filename="b.json")
    assert resent.count == 0 and Task.objects.count() == 2  # once only


def test_a_csv_file_with_errors_names_the_row_and_field(town, household, approver_a):  # noqa: F811
    taro = household["taro"]
    header = "application_id,kind,received_at,atena_number,birth_date,planned_on,destination\n"
    rows = (f"PT-10,move_out,2026-11-30T10:00:00+09:00,{taro.person.atena_number},{taro.birth_date},2026-12-20,"
            "福岡県福岡市\nPT-11,move_out,2026-11-30T10:05:00+09:00,999999999999,1980-01-01,2026-12-20,東京都\n"
            "PT-12,move_out,2026-11-30T10:06:00+09:00\x00,1,1980-01-01,2026-12-20,東京都\n")
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.applications_import(actor=approver_a, town=town, raw=(header + rows).encode(), filename="x.csv")
    assert [e.field for e in excinfo.value.errors] == ["file"]  # a NUL anywhere refuses the file as a whole
    rows = rows.split("\n", 2)[0] + "\n" + rows.split("\n")[1] + "\n"
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.applications_import(actor=approver_a, town=town, raw=(header + rows).encode(), filename="x.csv")
    assert [(e.record, e.field) for e in excinfo.value.errors] == [(2, "applicant")]
    ok = intake.applications_import(actor=approver_a, town=town, raw=(header + rows.split("\n")[0] + "\n").encode(),
                                    filename="x.csv")
    task = Task.objects.get(batch=ok)
    assert task.prefill == {"kind": "move_out", "effective_on": "2026-12-20",
                            "data": {"person_ids": [taro.person_id], "destination": "福岡県福岡市"}}


def test_the_counter_turns_the_draft_into_the_provisional_entry(town, household, approver_a, clerk_a):  # noqa: F811
    from tenants.residents.models import Change

    task, _ = intake.application_receive(actor=approver_a, town=town, record=_relocation(household))
    office = Office.objects.create(code="honcho", name="本庁", kind="main", opens_at=dt.time(8, 30),
                                   closes_at=dt.time(17, 15))
    today = timezone.localdate()
    CalendarDay.objects.create(office=office, day=today, staff_on_duty=2, fixed_minutes=60, counter_minutes=100)
    services.plan_day(actor=approver_a, town=town, day=today)
    taken = services.block_take(actor=clerk_a, town=town, office_code="honcho", minutes=60)
    assert [t.pk for t in taken] == [task.pk]
    services.task_prefill_submit(actor=clerk_a, town=town, task_id=task.pk)
    task.refresh_from_db()
    change = Change.objects.get(pk=task.change_id)
    assert change.kind == "relocation" and change.status == "pending"
    assert change.payload["address"] == "佐賀県武雄市北方町大字志久1番地"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):  # once
        services.task_prefill_submit(actor=clerk_a, town=town, task_id=task.pk)


def test_the_upload_page_answers_errors_with_400_and_names_them(town, household, approver_a):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import logged_in_client

    client = logged_in_client(approver_a, "takeo.test")
    bad = SimpleUploadedFile("x.json", json.dumps([{"application_id": "PT-1", "kind": "nope"}]).encode())
    page = client.post("/assignments/intake/", {"file": bad})
    assert page.status_code == 400 and "1件目（申請番号 PT-1） kind" in page.content.decode()
    good = SimpleUploadedFile("y.json", json.dumps([_relocation(household)]).encode())
    assert client.post("/assignments/intake/", {"file": good}).status_code == 200
    assert Task.objects.count() == 1


BATCH = """mutation Many($inputs: [OnlineApplicationInput!]!) { onlineApplicationsSubmit(inputs: $inputs) {
  tasks { applicationId prefilled } replayed errors { field messageJa } } }"""


def _api_input(record: dict) -> dict:
    a = record["applicant"]
    return {"applicationId": record["application_id"], "kind": record["kind"], "receivedAt": record["received_at"],
            "applicant": {"atenaNumber": a["atena_number"], "name": a["name"], "birthDate": a["birth_date"]},
            "details": record["details"]}


def test_the_batch_api_takes_many_whole_or_not_at_all(intake_api, household):  # noqa: F811
    inputs = [_api_input(_relocation(household, f"PT-B{i}")) for i in range(3)]
    first = intake_api.data(BATCH, {"inputs": inputs})["onlineApplicationsSubmit"]
    assert first["errors"] == [] and [t["applicationId"] for t in first["tasks"]] == ["PT-B0", "PT-B1", "PT-B2"]
    again = intake_api.data(BATCH, {"inputs": [*inputs, _api_input(_relocation(household, "PT-B3"))]})
    assert again["onlineApplicationsSubmit"]["replayed"] == ["PT-B0", "PT-B1", "PT-B2"]
    assert [t["applicationId"] for t in again["onlineApplicationsSubmit"]["tasks"]] == ["PT-B3"]
    bad = [_api_input(_relocation(household, "PT-B4")), {**_api_input(_relocation(household, "PT-B5")), "kind": "x"}]
    refused = intake_api.data(BATCH, {"inputs": bad})["onlineApplicationsSubmit"]
    assert [e["field"] for e in refused["errors"]] == ["[1].kind"] and refused["tasks"] == []
    assert Task.objects.count() == 4


def test_a_nhi_application_becomes_a_nhi_work_item_through_the_relay(town, household, approver_a, clerk_a):  # noqa: F811
    """国保 資格喪失 (社保加入 on 2026-11-30 → 喪失日 2026-12-01, 国保法6条・8条): the counter sends the draft;
    国保's consumer proposes the 作業 once, as it does for the registry's 異動."""
    from kyodo.tenantlog.relay import relay_town
    from tenants.nhi import services as nhi
    from tenants.nhi.models import WorkItem

    type(town).objects.filter(pk=town.pk).update(enabled_applications=[*town.enabled_applications, "nhi"])
    town.refresh_from_db()
    taro = household["taro"]
    nhi.enrolment_acquire(actor=clerk_a, town=town, person_id=taro.person_id, acquired_on="2024-04-01",
                          reason="move_in")
    record = {**_relocation(household, "PT-NHI-1"), "kind": "nhi_lose",
              "details": {"effective_on": "2026-11-30", "reason": "joined_employee_insurance"}}
    task, _ = intake.application_receive(actor=approver_a, town=town, record=record)
    assert task.prefill["request"] == "lose" and task.prefill["person_ids"] == [taro.person_id]
    bad = {**record, "application_id": "PT-NHI-2", "details": {"effective_on": "2026-11-30", "reason": "marriage"}}
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.application_receive(actor=approver_a, town=town, record=bad)
    assert [e.field for e in excinfo.value.errors] == ["details.reason"]
    office = Office.objects.create(code="honcho", name="本庁", kind="main", opens_at=dt.time(8, 30),
                                   closes_at=dt.time(17, 15))
    today = timezone.localdate()
    CalendarDay.objects.create(office=office, day=today, staff_on_duty=2, fixed_minutes=60, counter_minutes=100)
    services.plan_day(actor=approver_a, town=town, day=today)
    services.block_take(actor=clerk_a, town=town, office_code="honcho", minutes=60)
    services.task_prefill_submit(actor=clerk_a, town=town, task_id=task.pk)
    report = relay_town(town)
    assert report.handled.get("nhi.enrol") == 2  # the household's 転入 (fixture) and the application
    item = WorkItem.objects.get(person_id=taro.person_id, kind="lose")
    assert item.proposed == {"date": "2026-12-01", "reason": "joined_employee_insurance"}
    assert relay_town(town).handled.get("nhi.enrol", 0) == 0 and WorkItem.objects.filter(kind="lose").count() == 1


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + "本人確認書類".encode()


def test_attachments_are_kept_encrypted_per_town_and_read_back_at_the_counter(  # noqa: F811
        intake_api, household, files_store, clerk_a, clerk_b, town):  # noqa: F811
    import base64

    from tenants.assignments import attachments
    from tenants.assignments.models import Attachment
    from tests.conftest import logged_in_client

    record = _api_input(_relocation(household, "PT-ATT-1"))
    record["attachments"] = [{"filename": "本人確認.pdf", "contentType": "application/pdf",
                              "data": base64.b64encode(PDF).decode()}]
    answer = intake_api.data(SUBMIT.replace("prefilled }", "prefilled attachments }"), {"input": record})
    assert answer["onlineApplicationSubmit"]["task"]["attachments"] == 1
    item = Attachment.objects.get()
    raw = files_store.get(item.object_key)
    assert PDF not in raw and "本人確認書類".encode() not in raw and item.object_key.startswith("attachments/412066/")
    with pytest.raises(Exception):  # noqa: B017  (cryptography's InvalidTag): another town's key cannot open it
        attachments.open_sealed(raw, town_code="412074", object_key=item.object_key)
    page = logged_in_client(clerk_a, "takeo.test").get(f"/assignments/attachments/{item.pk}/")
    assert page.status_code == 200 and page.content == PDF and page["Content-Type"] == "application/pdf"
    assert AuditEntry.objects.filter(chain="assignments:412066", action="attachment.read").count() == 1
    assert logged_in_client(clerk_b, "takeo.test").get(f"/assignments/attachments/{item.pk}/").status_code == 403


@pytest.mark.parametrize(("attachment", "field"), [
    ({"filename": "a.pdf", "contentType": "text/html", "data": "PGh0bWw+"}, "attachments[0].content_type"),
    ({"filename": "a.pdf", "contentType": "application/pdf", "data": "not base64!"}, "attachments[0].data"),
    ({"filename": "a.pdf", "contentType": "image/png", "data": "JVBERi0xLjQ="}, "attachments[0].data"),
    ({"filename": "../../etc/passwd", "contentType": "application/pdf", "data": "JVBERi0xLjQ="},
     "attachments[0].filename"),
])
def test_bad_attachments_are_refused_by_field(intake_api, household, files_store, attachment, field):  # noqa: F811
    record = _api_input(_relocation(household, "PT-ATT-2"))
    record["attachments"] = [attachment]
    answer = intake_api.data(SUBMIT, {"input": record})["onlineApplicationSubmit"]
    assert [e["field"] for e in answer["errors"]] == [field] and not Task.objects.exists()


def test_without_a_files_store_an_application_with_files_is_refused_not_taken_without_them(  # noqa: F811
        town, household, approver_a, monkeypatch):  # noqa: F811
    import base64

    monkeypatch.delenv("KYODO_FILES_STORE_BUCKET", raising=False)
    record = {**_relocation(household, "PT-ATT-3"),
              "attachments": [{"filename": "a.pdf", "content_type": "application/pdf",
                               "data": base64.b64encode(PDF).decode()}]}
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.application_receive(actor=approver_a, town=town, record=record)
    assert [e.field for e in excinfo.value.errors] == ["attachments"] and not Task.objects.exists()


def test_an_xml_file_is_read_safely_and_checked_like_the_others(town, household, approver_a):  # noqa: F811
    taro = household["taro"]
    xml = f"""<?xml version="1.0" encoding="UTF-8"?><applications>
      <application><application_id>PT-X1</application_id><kind>relocation</kind>
        <received_at>2026-11-30T10:00:00+09:00</received_at>
        <applicant><atena_number>{taro.person.atena_number}</atena_number><birth_date>{taro.birth_date}</birth_date></applicant>
        <details><effective_on>2026-11-29</effective_on><address>佐賀県武雄市朝日町甲1番地</address></details></application>
      <application><application_id>PT-X2</application_id><kind>move_in_reservation</kind>
        <received_at>2026-11-30T10:05:00+09:00</received_at>
        <details><planned_on>2026-12-20</planned_on><address>佐賀県武雄市武雄町大字昭和1番地</address>
          <persons><person><family_name>佐賀</family_name><given_name>花子</given_name></person></persons></details>
      </application></applications>"""
    batch = intake.applications_import(actor=approver_a, town=town, raw=xml.encode(), filename="d.xml")
    assert batch.count == 2 and batch.form == "xml"
    assert Task.objects.get(application_id="PT-X2").prefill["data"]["persons"][0]["family_name"] == "佐賀"
    bomb = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]>'
            "<applications>&y;</applications>")
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.applications_import(actor=approver_a, town=town, raw=bomb.encode(), filename="bomb.xml")
    assert [e.field for e in excinfo.value.errors] == ["file"] and Task.objects.count() == 2
    bad = xml.replace("PT-X1", "PT-X3").replace("PT-X2", "PT-X4").replace("<kind>relocation</kind>", "<kind>x</kind>")
    with pytest.raises(intake.IntakeRefused) as excinfo:
        intake.applications_import(actor=approver_a, town=town, raw=bad.encode(), filename="bad.xml")
    assert [(e.record, e.field) for e in excinfo.value.errors] == [(1, "kind")] and Task.objects.count() == 2
