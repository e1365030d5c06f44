"""支援措置 on the 抑止 engine (標準仕様 1.6 支援措置, 3.1 抑止設定): 証明 is an error for everyone
unless the 支援措置責任者 releases one issuance; 照会 and the person's own 異動 are alerts behind a
stated purpose, flagged to supervisors; the 加害者 is refused; the period, 延長, 仮支援措置 and the
switch to 前住所地 on 転出; ending one of two measures exposes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kyodo.tenantlog.models import AuditEntry, OutboxEvent
from tenants.residents import selectors, services, suppression
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.models import (
    AttemptKind,
    BlockedAttempt,
    MeasureKind,
    Process,
    Severity,
    Suppression,
    SuppressionLift,
)
from tenants.residents.suppression import AlertRequired, Refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def protected(household, in_a, approver_a):
    measure = services.support_measure_create(
        actor=approver_a, town=in_a, person_id=household["hanako"].person_id, starts_on="2024-05-01",
        subjects=[{"person_id": household["ichiro"].person_id, "relation": "子"}],
        aggressors=[{"name": "加害 次郎", "name_kana": "カガイ ジロウ", "birth_date": "1975-03-03", "sex": "1",
                     "address": "福岡県福岡市中央区天神1丁目1番1号"}])
    return {**household, "measure": measure}


def _issue(actor, town, pid, **kw):
    args = {"kind": "copy", "person_ids": [pid], "requester_name": "山田花子", "requester_relation": "本人",
            "purpose": "就職", **kw}
    return certificate_issue(actor=actor, town=town, **args)


def _attempts(kind=None, channel=None):
    qs = BlockedAttempt.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


# --- the measure -------------------------------------------------------------------------------

def test_measure_records_applicant_subjects_aggressor_and_services(protected):
    """標準仕様 1.6 (支援対象者のデータベース): 申出者, 併せて支援を求める者, 加害者 (氏名・生年月日・
    性別・住所), 対象となる事務, 開始日 and 終了日 (one year by default)."""
    m = protected["measure"]
    assert m.person_id == protected["hanako"].person_id and m.kind == MeasureKind.FORMAL
    assert [(s.person_id, s.relation) for s in m.subjects.all()] == [(protected["ichiro"].person_id, "子")]
    aggressor = m.aggressors.get()
    assert (aggressor.name, aggressor.birth_date, aggressor.sex) == ("加害 次郎", dt.date(1975, 3, 3), "1")
    assert aggressor.address.startswith("福岡県")
    assert set(m.restricted_services) == {"inspection", "copy", "copy_previous", "fuhyo", "fuhyo_previous"}
    assert m.ends_on == dt.date(2025, 4, 30)
    blocks = {(b.process, b.severity) for b in Suppression.objects.filter(measure=m)}
    assert blocks == {("certificate", "error"), ("inquiry", "alert"), ("change", "alert")}


def test_a_clerk_registers_only_a_provisional_measure(household, in_a, clerk_a, approver_a):
    """標準仕様 1.6 仮支援措置: taken at the counter while the 申出 is checked, effective at once; the
    measure managers confirm it."""
    pid = household["taro"].person_id
    with pytest.raises(PermissionDenied):
        services.support_measure_create(actor=clerk_a, town=in_a, person_id=pid, starts_on="2024-05-01")
    provisional = services.support_measure_create(actor=clerk_a, town=in_a, person_id=pid, starts_on="2024-05-01",
                                                  kind="provisional")
    with pytest.raises(AlertRequired):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=pid)
    with pytest.raises(PermissionDenied):
        services.support_measure_confirm(actor=clerk_a, town=in_a, measure_id=provisional.pk)
    confirmed = services.support_measure_confirm(actor=approver_a, town=in_a, measure_id=provisional.pk)
    assert confirmed.kind == MeasureKind.FORMAL and confirmed.ends_on == provisional.ends_on


def test_bad_input_names_the_field(household, in_a, approver_a):
    with pytest.raises(ValidationError) as exc:
        services.support_measure_create(actor=approver_a, town=in_a, person_id="１２", starts_on="2024-02-30",
                                        subjects=[{"person_id": "x"}], aggressors=[{"name": "", "sex": "9"}],
                                        restricted_services=["everything"])
    fields = set(exc.value.message_dict)
    assert {"person_id", "starts_on", "subject0_person_id", "aggressor0_name", "aggressor0_sex",
            "restricted_services"} <= fields


# --- 照会: an alert ----------------------------------------------------------------------------

def test_inquiry_is_an_alert_with_a_stated_purpose_and_flagged(protected, in_a, clerk_a, chief_a):
    """標準仕様 3.1 / 1.6: authorised staff see the protected record behind a warning once they state
    a purpose; each view is flagged to supervisors with that purpose and audited."""
    pid = protected["hanako"].person_id
    with pytest.raises(AlertRequired) as gate:
        selectors.person_get(actor=clerk_a, town=in_a, person_id=pid)
    assert gate.value.person_ids == [pid] and any("支援措置" in m for m in gate.value.messages)
    assert not _attempts(AttemptKind.ALERTED).exists()
    view = selectors.person_get(actor=clerk_a, town=in_a, person_id=pid, alert_purpose="本人来庁・転居の相談")
    assert view.version.address == protected["hanako"].address and view.protected
    flagged = selectors.blocked_attempts(actor=chief_a, town=in_a)
    assert [(a.kind, a.channel, a.purpose, a.actor_username) for a in flagged] == [
        ("alerted", "inquiry", "本人来庁・転居の相談", "clerk-a")]
    entry = AuditEntry.objects.filter(action="inquiry.alerted").get()
    assert entry.purpose == "本人来庁・転居の相談" and entry.target_id == str(pid)
    assert AuditEntry.objects.filter(action="person.read").order_by("-seq").first().detail["under_alert"] is True
    with pytest.raises(PermissionDenied):
        selectors.blocked_attempts(actor=clerk_a, town=in_a)


def test_household_members_and_subjects_are_covered(protected, in_a, clerk_a):
    """標準仕様 1.6: the measure covers the 申出者, the 併せて支援を求める者 and their household."""
    for key in ("taro", "ichiro"):
        with pytest.raises(AlertRequired):
            selectors.person_get(actor=clerk_a, town=in_a, person_id=protected[key].person_id)
    with pytest.raises(AlertRequired):
        selectors.household_get(actor=clerk_a, town=in_a, household_id=protected["household"].pk)
    members = selectors.household_get(actor=clerk_a, town=in_a, household_id=protected["household"].pk,
                                      alert_purpose="世帯の確認")
    assert {m.address for m in members} == {protected["taro"].address}


def test_search_lists_protected_persons_without_their_address(protected, in_a, clerk_a):
    """Staff can find the protected family to serve them; the listing hides the address and marks
    the block (標準仕様 3.1 照会アラート)."""
    from tenants.residents.protection import HIDDEN_ADDRESS

    rows = selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ")
    assert len(rows) == 3 and {r.address for r in rows} == {HIDDEN_ADDRESS}
    assert all(r.protected and any("支援措置" in s for s in r.suppressions) for r in rows)


# --- 証明: an error ---------------------------------------------------------------------------

def test_certificates_are_an_error_for_every_kind_and_requester(protected, in_a, clerk_a, chief_a):
    """標準仕様 1.6: issuing 住民票の写し etc. for a protected person is an error — for the person
    themself too (it is released only after review) — recorded and flagged."""
    for kind in ("copy", "items", "move_out"):
        for relation in ("本人", "第三者"):
            with pytest.raises(Refused) as exc:
                _issue(chief_a if relation == "本人" else clerk_a, in_a, protected["taro"].person_id, kind=kind,
                       requester_relation=relation)
            assert "支援措置" in " ".join(exc.value.messages)
    assert _attempts(AttemptKind.REFUSED, "certificate").count() == 6


def test_the_aggressor_is_refused_outright_even_with_a_release(protected, in_a, clerk_a, chief_a):
    """標準仕様 1.6: a request by the 加害者 named in the measure is refused and recorded, whatever
    else holds (here an approved release)."""
    pid = protected["hanako"].person_id
    lift = services.lift_request(actor=clerk_a, town=in_a, person_id=pid, purpose="審査済み")
    services.lift_decide(actor=chief_a, town=in_a, lift=lift, approve=True)
    for name, birth in (("加害　次郎", "1975-03-03"), ("加害次郎", ""), ("加害 次郎", "昭和50年3月3日")):
        with pytest.raises(ValidationError) as exc:
            _issue(clerk_a, in_a, pid, requester_name=name, requester_relation="第三者", purpose="訴訟",
                   requester_birth_date=birth)
        assert "加害者" in exc.value.message_dict["requester_name"][0]
    assert _attempts(AttemptKind.AGGRESSOR).count() == 3
    assert AuditEntry.objects.filter(action="certificate.refused", outcome="refused").count() == 3
    # the release is still unused: a namesake with another birth date is not the 加害者
    lift.refresh_from_db()
    assert lift.used_at is None
    issued = _issue(clerk_a, in_a, pid, requester_name="加害 次郎", requester_birth_date="1990-01-01")
    assert issued.issuance.pk


def test_one_issuance_is_released_by_the_support_officer_and_reverts(protected, in_a, clerk_a, approver_a,
                                                                     chief_a):
    """標準仕様 1.6 (支援措置責任者 lifts it after review) and 3.1 (a temporary lift reverts by itself
    and is not sent to other systems): second person recorded; one issuance; the requester only."""
    pid = protected["hanako"].person_id
    own = services.lift_request(actor=chief_a, town=in_a, person_id=pid, purpose="自分の申請")
    with pytest.raises(ValidationError):  # the requester never decides, even a 支援措置責任者
        services.lift_decide(actor=chief_a, town=in_a, lift=own, approve=True)
    lift = services.lift_request(actor=clerk_a, town=in_a, person_id=pid, purpose="本人の請求・本人確認済み")
    for not_the_officer in (clerk_a, approver_a):
        with pytest.raises(PermissionDenied):
            services.lift_decide(actor=not_the_officer, town=in_a, lift=lift, approve=True)
    events_before = OutboxEvent.objects.count()
    services.lift_decide(actor=chief_a, town=in_a, lift=lift, approve=True, valid_minutes=30)
    lift.refresh_from_db()
    assert lift.decided_by_username == "chief-a" and lift.expires_at is not None
    assert OutboxEvent.objects.count() == events_before  # never sent to other systems
    with pytest.raises(Refused):  # someone else cannot use it
        _issue(approver_a, in_a, pid)
    issued = _issue(clerk_a, in_a, pid)
    lift.refresh_from_db()
    assert lift.used_for == issued.issuance.serial
    with pytest.raises(Refused):  # once only
        _issue(clerk_a, in_a, pid)
    second = services.lift_request(actor=clerk_a, town=in_a, person_id=pid, purpose="再度の請求")
    services.lift_decide(actor=chief_a, town=in_a, lift=second, approve=True)
    SuppressionLift.objects.filter(pk=second.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Refused):  # reverted by itself
        _issue(clerk_a, in_a, pid)


def test_a_release_does_not_lift_a_block_set_after_it(protected, in_a, clerk_a, approver_a, chief_a):
    """標準仕様 3.1 (several blocks at once): a release names the blocks standing when asked; a
    second measure registered later still refuses."""
    pid = protected["hanako"].person_id
    lift = services.lift_request(actor=clerk_a, town=in_a, person_id=pid, purpose="審査済み")
    services.lift_decide(actor=chief_a, town=in_a, lift=lift, approve=True)
    services.support_measure_create(actor=approver_a, town=in_a, person_id=pid, starts_on="2024-06-01")
    with pytest.raises(Refused):
        _issue(clerk_a, in_a, pid)


def test_a_lift_is_asked_only_where_an_error_stands(household, in_a, clerk_a):
    with pytest.raises(ValidationError) as exc:
        services.lift_request(actor=clerk_a, town=in_a, person_id=household["taro"].person_id, purpose="x")
    assert "person_id" in exc.value.message_dict


# --- 異動: an alert ----------------------------------------------------------------------------

def test_the_protected_persons_own_change_is_processed_behind_the_alert(protected, in_a, clerk_a, approver_a):
    """標準仕様 1.6: the protected person's own 異動 can be processed (with the alert), at entry and
    at approval."""
    data = {"household_id": protected["household"].pk, "address": "佐賀県武雄市武雄町大字富岡7800番地"}
    with pytest.raises(AlertRequired):
        services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-06-03",
                               effective_on="2024-06-01", data=data)
    change = services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-06-03",
                                    effective_on="2024-06-01", data=data, alert_purpose="本人からの転居届")
    with pytest.raises(AlertRequired):
        services.change_approve(actor=approver_a, town=in_a, change=change)
    services.change_approve(actor=approver_a, town=in_a, change=change, alert_purpose="転居届の審査")
    assert _attempts(AttemptKind.ALERTED, "change").count() == 6  # three persons, twice


def test_moving_out_switches_to_a_previous_address_measure(protected, in_a, clerk_a, approver_a):
    """標準仕様 1.6: on 転出 of the 申出者 the measure becomes 前住所地の仮支援措置 and keeps
    protecting the 除票 here."""
    pid = protected["hanako"].person_id
    change = services.change_submit(actor=clerk_a, town=in_a, kind="move_out", notified_on="2024-06-03",
                                    effective_on="2024-06-01", alert_purpose="転出届",
                                    data={"person_ids": [pid], "destination": "福岡県北九州市"})
    services.change_approve(actor=approver_a, town=in_a, change=change, alert_purpose="転出届の審査")
    protected["measure"].refresh_from_db()
    m = protected["measure"]
    assert m.kind == MeasureKind.PREVIOUS_ADDRESS and m.previous_municipality == in_a.name
    assert m.forwarded_to == "福岡県北九州市" and m.status == "active"
    with pytest.raises(Refused):
        _issue(clerk_a, in_a, pid, kind="move_out")


# --- period, 延長, end ------------------------------------------------------------------------

def test_extension_opens_a_month_before_the_end_and_adds_a_year(protected, in_a, approver_a):
    """標準仕様 1.6: 延長 from one month before the end date, +1 year; alerts in the last month and
    after the end."""
    m = protected["measure"]  # ends 2025-04-30
    with pytest.raises(ValidationError):
        services.support_measure_extend(actor=approver_a, town=in_a, measure_id=m.pk, today=dt.date(2025, 3, 29))
    assert selectors.measure_period(m, dt.date(2025, 3, 29)) == ("", False)
    assert "1か月以内" in selectors.measure_period(m, dt.date(2025, 3, 30))[0]
    assert "過ぎています" in selectors.measure_period(m, dt.date(2025, 5, 1))[0]
    assert m in selectors.measure_alerts(actor=approver_a, town=in_a, today=dt.date(2025, 4, 1))
    assert m not in selectors.measure_alerts(actor=approver_a, town=in_a, today=dt.date(2025, 3, 1))
    extended = services.support_measure_extend(actor=approver_a, town=in_a, measure_id=m.pk,
                                               today=dt.date(2025, 3, 30))
    assert extended.ends_on == dt.date(2026, 4, 30) and extended.extended_times == 1
    assert set(Suppression.objects.filter(measure=m).values_list("ends_on", flat=True)) == {dt.date(2026, 4, 30)}


def test_end_date_passing_does_not_lift_the_block(protected, in_a, clerk_a, approver_a):
    """標準仕様 3.1: a block is not lifted by its end date; the alert says the date has passed."""
    protected["measure"].ends_on = dt.date(2024, 6, 1)
    protected["measure"].save()
    Suppression.objects.filter(measure=protected["measure"]).update(ends_on=dt.date(2024, 6, 1))
    with pytest.raises(AlertRequired) as gate:
        selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["hanako"].person_id)
    assert any("終了予定日経過" in m for m in gate.value.messages)
    assert gate.value.messages[0].startswith("支援措置（照会アラート）")
    with pytest.raises(Refused):
        _issue(clerk_a, in_a, protected["hanako"].person_id)
    assert protected["measure"] in selectors.measure_alerts(actor=approver_a, town=in_a)


def test_no_single_member_of_staff_can_end_it(protected, in_a, approver_a, chief_a, clerk_a):
    """標準仕様 1.6: ending is an explicit act; a second member of staff approves it; the blocks end
    with it and the end is sent to other systems (証明 block)."""
    request = services.support_measure_request(actor=approver_a, town=in_a, measure=protected["measure"],
                                               kind="end", purpose="本人からの終了申出")
    with pytest.raises(ValidationError):
        services.support_measure_decide(actor=approver_a, town=in_a, request=request, approve=True)
    services.support_measure_decide(actor=chief_a, town=in_a, request=request, approve=True)
    protected["measure"].refresh_from_db()
    assert protected["measure"].status == "ended" and protected["measure"].end_reason == "本人からの終了申出"
    assert not Suppression.objects.filter(measure=protected["measure"], ended_at__isnull=True).exists()
    assert OutboxEvent.objects.filter(event_type="residents.suppression_ended").count() == 1
    assert selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["hanako"].person_id).version.address


def test_setting_a_certificate_block_is_sent_to_other_systems(protected):
    """標準仕様 3.1: 証明 blocks set and lifted are sent (コンビニ交付, CS): an outbox event naming the
    persons; 照会/異動 blocks are not."""
    events = OutboxEvent.objects.filter(event_type="residents.suppression_set")
    assert events.count() == 1
    payload = events.get().payload
    assert payload["process"] == "certificate"
    assert set(payload["person_ids"]) == {protected["hanako"].person_id, protected["ichiro"].person_id}


# --- other 抑止 on the same engine -------------------------------------------------------------

def test_other_blocks_use_the_same_engine(household, in_a, clerk_a, approver_a):
    """標準仕様 3.1: blocks per process, per person or household, error or alert, several at once;
    ending is an explicit act."""
    taro, hanako = household["taro"].person_id, household["hanako"].person_id
    guardian = services.suppression_set(actor=approver_a, town=in_a, process="inquiry", severity="alert",
                                        reason="guardianship", person_id=taro, starts_on="2024-01-01",
                                        note="成年被後見人")
    court = services.suppression_set(actor=approver_a, town=in_a, process="change", severity="error",
                                     reason="court_order", household_id=household["household"].pk,
                                     starts_on="2024-01-01", ends_on="2024-02-01")
    with pytest.raises(AlertRequired):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=taro)
    assert selectors.person_get(actor=clerk_a, town=in_a, person_id=hanako).version  # person-level: taro only
    with pytest.raises(Refused) as exc:  # household-level error, past its planned end: still in force
        services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-06-03",
                               effective_on="2024-06-01", data={"household_id": household["household"].pk,
                                                                "address": "佐賀県武雄市山内町1番地"})
    assert "裁判所等の命令" in " ".join(exc.value.messages)
    checked = suppression.check(Process.CHANGE, [taro, hanako])
    assert checked.errors == {taro, hanako}
    with pytest.raises(ValidationError):
        services.suppression_end(actor=approver_a, town=in_a, suppression_id=court.pk, reason="")
    services.suppression_end(actor=approver_a, town=in_a, suppression_id=court.pk, reason="命令の取消し")
    assert suppression.check(Process.CHANGE, [taro, hanako]).clear
    assert suppression.check(Process.INQUIRY, [taro]).hits[taro][0].suppression_id == guardian.pk
    with pytest.raises(PermissionDenied):
        services.suppression_set(actor=clerk_a, town=in_a, process="inquiry", severity="alert",
                                 reason="other", person_id=taro, starts_on="2024-01-01")


def test_a_block_starting_later_is_not_in_force_yet(household, in_a, approver_a):
    taro = household["taro"].person_id
    later = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    services.suppression_set(actor=approver_a, town=in_a, process="certificate", severity=Severity.ERROR,
                             reason="removal_candidate", person_id=taro, starts_on=later)
    assert suppression.check(Process.CERTIFICATE, [taro]).clear


# --- supervision and the pages ----------------------------------------------------------------

def test_unrelated_residents_are_unaffected(protected, in_a, clerk_a, approve):
    """Someone at another address is found and shown as usual; someone at the protected 住所+方書
    in another household is covered too (see test_protection_leaks.py)."""
    from .conftest import move_in_data, person_data

    for family, kana, address in (("佐藤", "サトウ", "佐賀県武雄市北方町大字志久1番地"),
                                  ("鈴木", "スズキ", protected["taro"].address)):
        change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                        effective_on="2024-04-01",
                                        data=move_in_data([person_data(family_name=family, family_name_kana=kana)],
                                                          address=address))
        approve(change)
    [sato] = selectors.persons_search(actor=clerk_a, town=in_a, query="サトウ")
    assert sato.address == "佐賀県武雄市北方町大字志久1番地" and not sato.suppressions
    [suzuki] = selectors.persons_search(actor=clerk_a, town=in_a, query="スズキ")
    assert suzuki.protected


@pytest.fixture
def chief_client(chief_a):
    from tests.conftest import logged_in_client

    return logged_in_client(chief_a, "takeo.test")


def test_pages_go_through_the_warning(protected, client_a, chief_client, in_a):
    """Through HTTP: a protected person's pages show the warning (no address) until a purpose is
    stated; then the record with a banner; certificates stay refused; supervisors see the flags."""
    address = protected["taro"].address
    pid = protected["hanako"].person_id
    for path in (f"/residents/persons/{pid}/", f"/residents/persons/{pid}/certificate/",
                 f"/residents/persons/{pid}/changes/relocation/", f"/residents/households/{protected['household'].pk}/"):
        response = client_a.get(path)
        body = response.content.decode()
        assert response.status_code == 200 and 'id="alert-gate"' in body and address not in body, path
    assert client_a.post("/residents/alerts/acknowledge/", {"person_ids": [str(pid)], "purpose": ""}).status_code == 400
    ack = client_a.post("/residents/alerts/acknowledge/", {
        "person_ids": [str(pid)], "purpose": "本人来庁", "next": f"/residents/persons/{pid}/"})
    assert ack.status_code == 302 and ack["Location"] == f"/residents/persons/{pid}/"
    page = client_a.get(f"/residents/persons/{pid}/").content.decode()
    assert 'id="suppression-banner"' in page and address in page
    refused = client_a.post(f"/residents/persons/{pid}/certificate/", {
        "kind": "copy", "requester_name": "山田花子", "requester_relation": "本人", "purpose": "就職",
        "person_ids": [str(pid)]})
    assert refused.status_code == 400 and "一時解除" in refused.content.decode()
    assert client_a.post(f"/residents/persons/{pid}/lift/", {"purpose": "本人確認済み"}).status_code == 302
    assert SuppressionLift.objects.filter(person_id=pid, status="pending").count() == 1
    measures_page = chief_client.get("/residents/measures/").content.decode()
    assert "本人確認済み" in measures_page and "山田 花子" in measures_page and address not in measures_page
    alerts = chief_client.get("/residents/alerts/").content.decode()
    assert "本人来庁" in alerts and "警告の上で照会" in alerts
    # an acknowledgment in town A is not carried to another town's pages
    assert client_a.session.get(f"residents-alert-ack:{in_a.schema_name}")
    assert client_a.get("/residents/alerts/").status_code == 403
