"""ワンスオンリー: approved 異動 in the residents registry become proposed 作業, applied only when confirmed;
a replayed event proposes nothing twice; the real relay delivers them."""

from __future__ import annotations

import datetime as dt

import pytest

from kyodo.tenantlog import relay as relay_module
from kyodo.tenantlog.models import AuditEntry, HandledEvent, OutboxEvent
from tenants.nhi import consumers, services
from tenants.nhi.models import Enrolment, Payer, WorkItem
from tenants.residents import services as residents
from tests.residents.conftest import person_data

pytestmark = pytest.mark.django_db


def _confirm_all(town, actor, household_id):
    return services.workitems_confirm_household(actor=actor, town=town, household_id=household_id)


def test_an_approved_move_in_proposes_work_items_and_changes_nothing_until_confirmed(nhi_a, family, relay, clerk_a):
    report = relay(nhi_a)
    assert report.handled.get("nhi.enrol", 0) >= 1
    items = list(WorkItem.objects.filter(household_id=family["household_id"]).order_by("pk"))
    acquire = {(i.person_id, i.proposed["date"], i.proposed["reason"]) for i in items if i.kind == "acquire"}
    assert acquire == {(family[k], "2024-04-01", "move_in") for k in ("taro", "hanako", "ichiro")}
    assert [(i.kind, i.person_id) for i in items if i.kind == "payer"] == [("payer", family["taro"])]
    assert {i.status for i in items} == {"pending"}
    assert not Enrolment.objects.exists() and not Payer.objects.exists()  # never applied silently
    assert AuditEntry.objects.filter(chain="nhi:412066", action="workitem.propose", actor_kind="system").exists()

    done = _confirm_all(nhi_a, clerk_a, family["household_id"])
    assert len(done) == 4 and {i.status for i in done} == {"confirmed"}
    rows = Enrolment.objects.filter(is_current=True)
    assert {(r.person_id, r.acquired_on, r.acquisition_reason) for r in rows} == {
        (family[k], dt.date(2024, 4, 1), "move_in") for k in ("taro", "hanako", "ichiro")}
    payer = Payer.objects.get(household_id=family["household_id"], is_current=True)
    assert (payer.person_id, payer.kind) == (family["taro"], "head")


def test_confirming_one_item_applies_only_it_and_twice_is_refused(nhi_a, family, relay, clerk_a):
    from django.core.exceptions import ValidationError

    relay(nhi_a)
    item = WorkItem.objects.get(kind="acquire", person_id=family["hanako"])
    services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)
    assert list(Enrolment.objects.values_list("person_id", flat=True)) == [family["hanako"]]
    assert Enrolment.objects.get().work_item_id == item.pk
    with pytest.raises(ValidationError, match="すでに処理"):
        services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)


def test_a_dismissed_item_needs_a_reason_and_applies_nothing(nhi_a, family, relay, clerk_a):
    from django.core.exceptions import ValidationError

    relay(nhi_a)
    item = WorkItem.objects.get(kind="acquire", person_id=family["taro"])
    with pytest.raises(ValidationError):
        services.workitem_dismiss(actor=clerk_a, town=nhi_a, item_id=item.pk, note=" ")
    services.workitem_dismiss(actor=clerk_a, town=nhi_a, item_id=item.pk, note="社会保険に加入中")
    item.refresh_from_db()
    assert (item.status, item.decision_note) == ("dismissed", "社会保険に加入中")
    assert not Enrolment.objects.filter(person_id=family["taro"]).exists()


def _enrolled(nhi_a, family, relay, clerk_a):
    relay(nhi_a)
    _confirm_all(nhi_a, clerk_a, family["household_id"])


def test_move_out_ends_eligibility_the_day_after_the_move_out_date(nhi_a, family, relay, clerk_a, approve):
    _enrolled(nhi_a, family, relay, clerk_a)
    change = residents.change_submit(actor=clerk_a, town=nhi_a, kind="move_out", notified_on="2024-07-01",
                                     effective_on="2024-07-10",
                                     data={"person_ids": [family["ichiro"]], "destination": "東京都千代田区"})
    approve(change, town=nhi_a)
    relay(nhi_a)
    item = WorkItem.objects.get(kind="lose", status="pending")
    assert (item.person_id, item.proposed) == (family["ichiro"], {"date": "2024-07-11", "reason": "move_out"})
    services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)
    row = Enrolment.objects.get(person_id=family["ichiro"], is_current=True)
    assert (row.lost_on, row.loss_reason) == (dt.date(2024, 7, 11), "move_out")


def test_death_ends_eligibility_the_day_after_death(nhi_a, family, relay, clerk_a, approve):
    _enrolled(nhi_a, family, relay, clerk_a)
    approve(residents.change_submit(actor=clerk_a, town=nhi_a, kind="death", notified_on="2024-07-02",
                                    effective_on="2024-07-01", data={"person_id": family["hanako"]}), town=nhi_a)
    relay(nhi_a)
    item = WorkItem.objects.get(kind="lose", status="pending")
    assert (item.person_id, item.proposed) == (family["hanako"], {"date": "2024-07-02", "reason": "death"})
    services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)
    row = Enrolment.objects.get(person_id=family["hanako"], is_current=True)
    assert (row.lost_on, row.loss_reason) == (dt.date(2024, 7, 2), "death")


def test_a_birth_into_an_insured_household_proposes_the_child(nhi_a, family, relay, clerk_a, approve):
    _enrolled(nhi_a, family, relay, clerk_a)
    approve(residents.change_submit(
        actor=clerk_a, town=nhi_a, kind="birth", notified_on="2024-05-10", effective_on="2024-05-01",
        data={"household_id": family["household_id"],
              "persons": [person_data(given_name="二郎", given_name_kana="ジロウ", relationship="子",
                                      resident_code="")]}), town=nhi_a)
    relay(nhi_a)
    item = WorkItem.objects.get(kind="acquire", status="pending")
    assert item.proposed == {"date": "2024-05-01", "reason": "birth"}
    services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)
    assert Enrolment.objects.get(person_id=item.person_id).acquisition_reason == "birth"


def test_a_birth_into_a_household_without_nhi_proposes_nothing(nhi_a, family, relay, clerk_a, approve):
    relay(nhi_a)
    WorkItem.objects.all().delete()
    approve(residents.change_submit(
        actor=clerk_a, town=nhi_a, kind="birth", notified_on="2024-05-10", effective_on="2024-05-01",
        data={"household_id": family["household_id"],
              "persons": [person_data(given_name="二郎", given_name_kana="ジロウ", relationship="子",
                                      resident_code="")]}), town=nhi_a)
    relay(nhi_a)
    assert not WorkItem.objects.exists()


def test_replaying_an_event_creates_nothing_twice(nhi_a, family, relay):
    relay(nhi_a)
    before = WorkItem.objects.count()
    moved_in = OutboxEvent.objects.filter(event_type="residents.moved_in").order_by("-position").first()
    results = relay_module.replay(nhi_a, event_id=str(moved_in.event_id), consumer="nhi.enrol")
    assert [r.outcome for r in results] == ["already_handled"]
    assert HandledEvent.objects.filter(consumer="nhi.enrol", event_id=moved_in.event_id).count() == 1
    # Even the handler called again by hand (a re-run outside the relay) proposes nothing more.
    from kyodo.tenantlog.outbox import Event

    row = moved_in
    event = Event.from_values(tuple(getattr(row, c) for c in Event.COLUMNS), nhi_a.code)
    consumers.on_residents_change(event, nhi_a)
    assert WorkItem.objects.count() == before


def test_a_town_without_nhi_gets_no_work_items(in_a, clerk_a, approve):
    from tests.residents.conftest import move_in_data

    approve(residents.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                    effective_on="2024-04-01", data=move_in_data()))
    report = relay_module.relay_town(in_a)
    assert "nhi.enrol" not in report.handled and not WorkItem.objects.exists()


def test_a_new_household_head_proposes_the_payer_change(nhi_a, family, relay, clerk_a, approve):
    _enrolled(nhi_a, family, relay, clerk_a)
    approve(residents.change_submit(
        actor=clerk_a, town=nhi_a, kind="head_change", notified_on="2024-10-01", effective_on="2024-10-01",
        data={"household_id": family["household_id"], "relationships": {
            str(family["taro"]): "夫", str(family["hanako"]): "世帯主", str(family["ichiro"]): "子"}}), town=nhi_a)
    relay(nhi_a)
    item = WorkItem.objects.get(kind="payer", status="pending")
    assert (item.person_id, item.proposed) == (family["hanako"], {"date": "2024-10-01"})
    services.workitem_confirm(actor=clerk_a, town=nhi_a, item_id=item.pk)
    payers = list(Payer.objects.filter(household_id=family["household_id"]).order_by("history_no"))
    assert [(p.person_id, p.kind, p.is_current) for p in payers] == [
        (family["taro"], "head", False), (family["hanako"], "head", True)]


def test_the_relay_run_is_recorded_once_per_event(nhi_a, family, relay):
    first = relay(nhi_a)
    assert first.handled.get("nhi.enrol") and relay(nhi_a).handled.get("nhi.enrol", 0) == 0
    handled = HandledEvent.objects.filter(consumer="nhi.enrol").count()
    assert handled == first.handled["nhi.enrol"]


def test_every_step_is_on_the_towns_nhi_audit_chain(nhi_a, family, relay, clerk_a):
    from tenants.nhi import audit

    _enrolled(nhi_a, family, relay, clerk_a)
    actions = set(AuditEntry.objects.filter(chain="nhi:412066").values_list("action", flat=True))
    assert {"workitem.propose", "workitem.confirmed", "enrolment.acquire", "payer.set"} <= actions
    confirmed = AuditEntry.objects.filter(chain="nhi:412066", action="workitem.confirmed").first()
    assert (confirmed.actor_kind, confirmed.actor_username) == ("staff", "clerk-a")
    report = audit.verify(nhi_a)
    assert report.ok and report.entries_checked == len(AuditEntry.objects.filter(chain="nhi:412066"))


def test_a_batch_proposes_exactly_what_event_by_event_would(nhi_a, family, move_in, relay):
    """The relay hands the consumer a whole batch (on_residents_changes); the same events one at a time
    (on_residents_change) give the same 作業."""
    from kyodo.tenantlog.outbox import Event

    move_in([person_data(family_name="佐藤", family_name_kana="サトウ", resident_code="22345678901")],
            effective_on="2024-05-01")
    relay(nhi_a)

    def snapshot():
        return sorted((str(i.source_event_id), i.kind, i.person_id, i.household_id, sorted(i.proposed.items()),
                       i.summary) for i in WorkItem.objects.all())

    batched = snapshot()
    assert len(batched) == 6  # 4 persons acquire + 2 納付義務者
    WorkItem.objects.all().delete()
    for row in OutboxEvent.objects.order_by("position"):
        consumers.on_residents_change(Event.from_values(tuple(getattr(row, c) for c in Event.COLUMNS), nhi_a.code),
                                      nhi_a)
    assert snapshot() == batched
