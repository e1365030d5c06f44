"""kyodo.foureyes: a different, authorised member of staff decides, once, with a reason where one is
required — exercised on real rows of the residents registry (異動 and 支援措置 requests) in town A."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kyodo import foureyes

# Every test but the last gets the database through the town fixture (inside the per-test
# transaction); the last one needs a connection in autocommit, so no module-wide django_db mark.
CHANGE = foureyes.Policy(requester_field="entered_by_id", reject_reason_field="rejection_reason",
                         already_decided="この異動は既に処理済みです。",
                         own_request="自分が入力した異動は審査できません（別の職員が決裁します）。",
                         reason_required="差戻しの理由を入力してください。")


@pytest.fixture
def in_a(town_a, in_town):
    with in_town(town_a):
        yield town_a


@pytest.fixture
def change(in_a, clerk_a):
    from tenants.residents.models import Change

    return Change.objects.create(kind="death", notified_on=dt.date(2024, 4, 2), effective_on=dt.date(2024, 4, 1),
                                 reason_code="B02", entered_by_id=clerk_a.pk, entered_by_username=clerk_a.username)


@pytest.fixture
def measure_request(in_a, clerk_a, approver_a):
    from tenants.residents.models import MeasureRequest, Person, SupportMeasure

    person = Person.objects.create(atena_number="000000019")
    measure = SupportMeasure.objects.create(person=person, starts_on=dt.date(2024, 4, 1),
                                            ends_on=dt.date(2025, 3, 31), created_by_id=approver_a.pk,
                                            created_by_username=approver_a.username)
    return MeasureRequest.objects.create(measure=measure, kind="end", purpose="本人からの申出",
                                         requested_by_id=clerk_a.pk, requested_by_username=clerk_a.username)


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


def test_a_second_person_approves_and_the_decision_is_saved(change, approver_a):
    decision = foureyes.decide(change, actor=approver_a, approve=True, may_decide=True, policy=CHANGE)
    assert (decision.approved, decision.outcome, decision.decided_by_username) == (True, "approve", "approver-a")
    change.refresh_from_db()
    assert (change.status, change.decided_by_id, change.decided_by_username) == (
        "approved", approver_a.pk, "approver-a")
    assert change.decided_at == decision.decided_at
    assert change.rejection_reason == ""


def test_the_requester_cannot_decide_their_own(change, clerk_a):
    for approve in (True, False):
        with pytest.raises(ValidationError) as exc:
            foureyes.decide(change, actor=clerk_a, approve=approve, reason="理由", may_decide=True, policy=CHANGE)
        assert _errors(exc) == {"decided_by": ["自分が入力した異動は審査できません（別の職員が決裁します）。"]}
    change.refresh_from_db()
    assert (change.status, change.decided_by_id) == ("pending", None)


def test_a_decided_row_cannot_be_decided_again(change, approver_a, chief):
    foureyes.decide(change, actor=approver_a, approve=False, reason="書類不足", may_decide=True, policy=CHANGE)
    with pytest.raises(ValidationError) as exc:
        foureyes.decide(change, actor=chief, approve=True, may_decide=True, policy=CHANGE)
    assert _errors(exc) == {"status": ["この異動は既に処理済みです。"]}
    change.refresh_from_db()
    assert (change.status, change.decided_by_username, change.rejection_reason) == (
        "rejected", "approver-a", "書類不足")


def test_without_the_permission_nothing_is_decided(change, approver_a):
    with pytest.raises(PermissionDenied):
        foureyes.decide(change, actor=approver_a, approve=True, may_decide=False, policy=CHANGE)
    with pytest.raises(PermissionDenied):
        foureyes.decide(change, actor=None, approve=True, may_decide=True, policy=CHANGE)
    change.refresh_from_db()
    assert change.status == "pending"


def test_a_rejection_needs_a_reason_which_is_stored_trimmed(change, approver_a):
    for blank in ("", "  \u3000 ", None):
        with pytest.raises(ValidationError) as exc:
            foureyes.decide(change, actor=approver_a, approve=False, reason=blank, may_decide=True, policy=CHANGE)
        assert _errors(exc) == {"reason": ["差戻しの理由を入力してください。"]}
    decision = foureyes.decide(change, actor=approver_a, approve=False, reason=" 住所が違う" + "あ" * 600,
                               may_decide=True, policy=CHANGE)
    change.refresh_from_db()
    assert change.status == "rejected"
    assert change.rejection_reason == decision.reason == ("住所が違う" + "あ" * 600)[:500]


def test_a_reason_with_nul_is_refused_not_a_database_error(change, approver_a):
    with pytest.raises(ValidationError) as exc:
        foureyes.decide(change, actor=approver_a, approve=False, reason="a\x00b", may_decide=True, policy=CHANGE)
    assert list(_errors(exc)) == ["reason"]


def test_a_policy_may_require_a_reason_on_approval_too(measure_request, approver_a):
    policy = foureyes.Policy(reason_on_approve=True, reason_required="承認の理由を入力してください。")
    with pytest.raises(ValidationError) as exc:
        foureyes.decide(measure_request, actor=approver_a, approve=True, may_decide=True, policy=policy)
    assert _errors(exc) == {"reason": ["承認の理由を入力してください。"]}
    decision = foureyes.decide(measure_request, actor=approver_a, approve=True, reason="裁判所の嘱託",
                               may_decide=True, policy=policy)
    assert decision.reason == "裁判所の嘱託"
    measure_request.refresh_from_db()
    assert measure_request.status == "approved"


def test_defaults_fit_a_request_row_and_a_rejection_reason_may_be_optional(measure_request, approver_a):
    """MeasureRequest has the default field names (requested_by_id …) and no reason column."""
    from tenants.residents.models import MeasureRequest

    with pytest.raises(ValidationError) as own:
        foureyes.decide(MeasureRequest, measure_request.pk, actor=SimpleNamespace(pk=measure_request.requested_by_id,
                                                                                 username="clerk-a"),
                        approve=True, may_decide=True)
    assert _errors(own) == {"decided_by": ["自分の申請は決裁できません（別の職員が決裁します）。"]}
    decision = foureyes.decide(MeasureRequest, measure_request.pk, actor=approver_a, approve=False,
                               may_decide=True, policy=foureyes.Policy(reason_on_reject=False))
    assert (decision.approved, decision.reason, decision.requested_by_id) == (
        False, "", measure_request.requested_by_id)
    assert MeasureRequest.objects.get(pk=measure_request.pk).status == "rejected"


def test_a_model_may_declare_its_policy(measure_request, approver_a, monkeypatch):
    from tenants.residents.models import MeasureRequest

    monkeypatch.setattr(MeasureRequest, "four_eyes", foureyes.Policy(already_decided="処理済みの申請です。"),
                        raising=False)
    foureyes.decide(measure_request, actor=approver_a, approve=True, may_decide=True)
    with pytest.raises(ValidationError) as exc:
        foureyes.decide(measure_request, actor=approver_a, approve=True, may_decide=True)
    assert _errors(exc) == {"status": ["処理済みの申請です。"]}


def test_a_misdeclared_policy_fails_before_deciding(change, approver_a):
    with pytest.raises(FieldDoesNotExist):
        foureyes.decide(change, actor=approver_a, approve=True, may_decide=True)  # no requested_by_id on Change
    change.refresh_from_db()
    assert change.status == "pending"


def test_the_row_is_locked_and_the_decision_rolls_back_with_the_callers_effects(change, approver_a):
    with CaptureQueriesContext(connection) as queries, pytest.raises(RuntimeError), transaction.atomic():
        foureyes.decide(change, actor=approver_a, approve=True, may_decide=True, policy=CHANGE)
        raise RuntimeError("the caller's effect failed")
    assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    change.refresh_from_db()
    assert (change.status, change.decided_by_id) == ("pending", None)


def test_outside_a_transaction_it_refuses_to_run(committed):
    from tenants.residents.models import Change

    with pytest.raises(transaction.TransactionManagementError):
        foureyes.decide(Change, 1, actor=SimpleNamespace(pk=1, username="x"), approve=True, may_decide=True,
                        policy=CHANGE)


@pytest.fixture
def chief(town_a):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    user = get_user_model().objects.create_user(username="chief-foureyes")
    StaffMembership.objects.create(user=user, municipality=town_a, role="section_chief")
    return user
