"""支援措置: while active, nothing showing the protected address leaves by any route; refusals are
logged and flagged; lifting or excepting needs a second member of staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kyodo.tenantlog.models import AuditEntry
from tenants.residents import selectors, services
from tenants.residents.certificates.issue import certificate_issue
from tenants.residents.models import BlockedAttempt
from tenants.residents.protection import NOT_FOUND_MESSAGE, ResidentNotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def protected(household, in_a, approver_a):
    measure = services.support_measure_create(
        actor=approver_a, town=in_a, person_id=household["hanako"].person_id, starts_on="2024-05-01",
        aggressors=[{"name": "加害 次郎", "name_kana": "カガイ ジロウ"}])
    return {**household, "measure": measure}


def _blocked(channel):
    return BlockedAttempt.objects.filter(channel=channel).count()


def test_measure_defaults_to_one_year(protected):
    assert protected["measure"].ends_on == dt.date(2025, 4, 30)


def test_clerk_cannot_register_a_measure(household, in_a, clerk_a):
    with pytest.raises(PermissionDenied):
        services.support_measure_create(actor=clerk_a, town=in_a, person_id=household["taro"].person_id,
                                        starts_on="2024-05-01")


def test_detail_of_protected_person_and_household_members_is_refused_like_not_found(protected, in_a, clerk_a):
    for key in ("hanako", "taro"):
        with pytest.raises(ResidentNotFound) as exc:
            selectors.person_get(actor=clerk_a, town=in_a, person_id=protected[key].person_id)
        assert exc.value.message == NOT_FOUND_MESSAGE
    with pytest.raises(ResidentNotFound) as missing:
        selectors.person_get(actor=clerk_a, town=in_a, person_id=987654)
    assert missing.value.message == NOT_FOUND_MESSAGE
    assert _blocked("inquiry") == 2
    entry = AuditEntry.objects.filter(outcome="blocked").order_by("-seq").first()
    assert entry.action == "inquiry.blocked" and entry.actor_username == "clerk-a"


def test_household_view_is_refused(protected, in_a, clerk_a):
    with pytest.raises(ResidentNotFound):
        selectors.household_get(actor=clerk_a, town=in_a, household_id=protected["household"].pk)


def test_search_leaves_protected_households_out_and_flags_it(protected, in_a, clerk_a):
    assert selectors.persons_search(actor=clerk_a, town=in_a, query="ヤマダ") == []
    assert _blocked("search") == 3


def test_certificates_are_refused_for_every_kind(protected, in_a, clerk_a):
    for kind in ("copy", "items", "move_out"):
        with pytest.raises(ResidentNotFound):
            certificate_issue(actor=clerk_a, town=in_a, kind=kind, person_ids=[protected["taro"].person_id],
                              requester_name="山田太郎", requester_relation="本人", purpose="就職")
    assert _blocked("certificate") == 3


def test_export_leaves_them_out(protected, in_a, clerk_a):
    rows = selectors.residents_export(actor=clerk_a, town=in_a, purpose="統計")
    assert not any("山田" in r[2] for r in rows)
    assert _blocked("export") == 3


def test_approval_queue_hides_a_change_made_before_the_measure(household, in_a, clerk_a, approver_a):
    services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-06-03",
                           effective_on="2024-06-01",
                           data={"household_id": household["household"].pk, "address": "武雄市新住所1番"})
    services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                    starts_on="2024-05-01")
    items = selectors.changes_pending(actor=clerk_a, town=in_a)
    assert [i.address_hidden for i in items] == [True]
    assert not selectors.change_get(actor=clerk_a, town=in_a, change_id=items[0].change.pk).can_decide


def test_entering_a_change_for_a_protected_household_is_refused(protected, in_a, clerk_a):
    with pytest.raises(ResidentNotFound):
        services.change_submit(actor=clerk_a, town=in_a, kind="relocation", notified_on="2024-06-03",
                               effective_on="2024-06-01",
                               data={"household_id": protected["household"].pk,
                                     "address": protected["taro"].address})
    assert _blocked("change") == 3


def test_no_single_member_of_staff_can_end_it(protected, in_a, approver_a, chief_a):
    request = services.support_measure_request(actor=approver_a, town=in_a, measure=protected["measure"],
                                               kind="end", purpose="本人からの終了申出")
    with pytest.raises(ValidationError):
        services.support_measure_decide(actor=approver_a, town=in_a, request=request, approve=True)
    protected["measure"].refresh_from_db()
    assert protected["measure"].status == "active"
    services.support_measure_decide(actor=chief_a, town=in_a, request=request, approve=True)
    protected["measure"].refresh_from_db()
    assert protected["measure"].status == "ended"


def test_end_date_passing_does_not_lift_the_block(protected, in_a, clerk_a, approver_a):
    protected["measure"].ends_on = dt.date(2024, 6, 1)
    protected["measure"].save()
    with pytest.raises(ResidentNotFound):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["hanako"].person_id)
    assert protected["measure"] in selectors.measure_alerts(actor=approver_a, town=in_a)


def test_exception_needs_a_second_approver_and_is_logged(protected, in_a, clerk_a, approver_a):
    request = services.support_measure_request(actor=clerk_a, town=in_a, measure=protected["measure"],
                                               kind="exception", purpose="裁判所からの照会に回答")
    with pytest.raises(ResidentNotFound):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["hanako"].person_id)
    services.support_measure_decide(actor=approver_a, town=in_a, request=request, approve=True)
    view = selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["hanako"].person_id)
    assert view.version.address
    entry = AuditEntry.objects.filter(action="person.read").order_by("-seq").first()
    assert entry.detail["under_exception"] is True
    # the exception is the requester's only: the approver still cannot see the address
    with pytest.raises(ResidentNotFound):
        selectors.person_get(actor=approver_a, town=in_a, person_id=protected["hanako"].person_id)


def test_supervisors_see_flagged_attempts(protected, in_a, clerk_a, chief_a):
    with pytest.raises(ResidentNotFound):
        selectors.person_get(actor=clerk_a, town=in_a, person_id=protected["hanako"].person_id)
    flagged = selectors.blocked_attempts(actor=chief_a, town=in_a)
    assert [(a.channel, a.actor_username) for a in flagged] == [("inquiry", "clerk-a")]
    with pytest.raises(PermissionDenied):
        selectors.blocked_attempts(actor=clerk_a, town=in_a)


def test_unrelated_residents_are_unaffected(protected, in_a, clerk_a, approve):
    """Someone at another address is found as usual; someone at the protected 住所+方書 in another
    household is protected too (see test_protection_leaks.py)."""
    from .conftest import move_in_data, person_data

    for family, kana, address in (("佐藤", "サトウ", "佐賀県武雄市北方町大字志久1番地"),
                                  ("鈴木", "スズキ", protected["taro"].address)):
        change = services.change_submit(actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05",
                                        effective_on="2024-04-01",
                                        data=move_in_data([person_data(family_name=family, family_name_kana=kana)],
                                                          address=address))
        approve(change)
    assert [r.family_name for r in selectors.persons_search(actor=clerk_a, town=in_a, query="サトウ")] == ["佐藤"]
    assert selectors.persons_search(actor=clerk_a, town=in_a, query="スズキ") == []


@pytest.fixture
def chief_client(chief_a):
    from tests.conftest import logged_in_client

    return logged_in_client(chief_a, "takeo.test")


def test_every_page_refuses_the_protected_household(protected, client_a, chief_client):
    """Through HTTP: no page, list, export or certificate shows the protected household."""
    from .conftest import move_in_data  # noqa: F401  (same data as the household fixture)

    address = protected["taro"].address
    for key in ("hanako", "taro", "ichiro"):
        pid = protected[key].person_id
        for path in (f"/residents/persons/{pid}/", f"/residents/persons/{pid}/certificate/",
                     f"/residents/persons/{pid}/changes/relocation/"):
            response = client_a.get(path)
            assert response.status_code == 404, path
            assert address not in response.content.decode()
        response = client_a.post(f"/residents/persons/{pid}/certificate/", {
            "kind": "copy", "requester_name": "山田太郎", "requester_relation": "本人", "purpose": "x",
            "person_ids": [str(pid)]})
        assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    unknown = client_a.get("/residents/persons/999999/")
    assert unknown.content.decode().count("該当する住民が見つからないか") == 1
    assert client_a.get(f"/residents/households/{protected['household'].pk}/").status_code == 404
    assert address not in client_a.get("/residents/", {"q": "やまだ"}).content.decode()
    assert address not in client_a.get("/residents/export.csv", {"purpose": "照合"}).content.decode()
    alerts = chief_client.get("/residents/alerts/").content.decode()
    assert "clerk-a" in alerts and "inquiry" in alerts and "certificate" in alerts
    assert client_a.get("/residents/alerts/").status_code == 403
