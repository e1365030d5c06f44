"""Second-person decisions (四つの目): a different, authorised member of staff approves or rejects.

One primitive for every "someone asks, someone else decides" row of any town app: a 異動 waiting
for 決裁, a request to lift or except a 支援措置, and later NHI, tax and case decisions. It holds
the rules only; the app keeps its own permission check, audit record and effects.

How to use it, inside the service's own transaction::

    REFUND_DECISION = foureyes.Policy(
        requester_field="entered_by_id", reject_reason_field="rejection_reason",
        already_decided="この還付は既に処理済みです。",
        own_request="自分が入力した還付は決裁できません（別の職員が決裁します）。",
        reason_required="却下の理由を入力してください。")

    def refund_decide(*, actor, town, refund, approve: bool, reason: str = ""):
        with transaction.atomic():
            decision = foureyes.decide(refund, actor=actor, approve=approve, reason=reason,
                                       may_decide=permissions.can_decide_refunds(actor, town),
                                       policy=REFUND_DECISION)
            if decision.approved:
                ...  # apply the effects to decision.instance (locked FOR UPDATE until commit)
            audit.record(town=town, actor=actor, action=f"refund.{decision.outcome}", ...)
        return decision.instance

The row needs a status, the requester's user id, the decider's id and username and the decision
time; the field names and status values are the ``Policy``'s (defaults: ``status`` with
``pending``/``approved``/``rejected``, ``requested_by_id``, ``decided_by_id``,
``decided_by_username``, ``decided_at``). A model may declare its policy as a class attribute
``four_eyes = Policy(...)`` (no migration needed); an explicit ``policy=`` argument wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Policy:
    """How one kind of row is decided: its field names, its status values, when a reason is
    required and the messages shown to staff (Japanese; the field each names is fixed)."""

    requester_field: str = "requested_by_id"
    status_field: str = "status"
    pending: str = "pending"
    approved: str = "approved"
    rejected: str = "rejected"
    decided_by_id_field: str = "decided_by_id"
    decided_by_username_field: str = "decided_by_username"
    decided_at_field: str = "decided_at"
    reject_reason_field: str | None = None     # where a rejection's reason is stored (None: not stored)
    approve_reason_field: str | None = None    # where an approval's reason is stored (None: not stored)
    reason_on_reject: bool = True              # a rejection needs a reason
    reason_on_approve: bool = False            # an approval needs a reason
    reason_max_length: int = 500
    not_allowed: str = "決裁の権限がありません。"
    already_decided: str = "この申請は既に処理済みです。"                       # field "status"
    own_request: str = "自分の申請は決裁できません（別の職員が決裁します）。"      # field "decided_by"
    reason_required: str = "理由を入力してください。"                           # field "reason"
    reason_invalid: str = "理由に使えない文字が含まれています。"                  # field "reason"

    def fields(self, approve: bool) -> list[str]:
        """The fields a decision writes."""
        names = [self.status_field, self.decided_by_id_field, self.decided_by_username_field,
                 self.decided_at_field]
        reason_field = self.approve_reason_field if approve else self.reject_reason_field
        return names + ([reason_field] if reason_field else [])


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Decision(Generic[M]):
    """A recorded decision: the row as saved (still locked until the caller's transaction ends)."""

    instance: M
    approved: bool
    reason: str
    requested_by_id: Any
    decided_by_id: Any
    decided_by_username: str
    decided_at: dt.datetime

    @property
    def outcome(self) -> str:
        """``approve`` or ``reject`` (for audit actions and event names)."""
        return "approve" if self.approved else "reject"


def policy_of(model: type[models.Model], policy: Policy | None = None) -> Policy:
    """The explicit policy, else the model's ``four_eyes`` declaration, else the defaults."""
    if policy is not None:
        return policy
    declared = getattr(model, "four_eyes", None)
    return declared if isinstance(declared, Policy) else DEFAULT_POLICY


def decide(target: M | type[M], pk: Any = None, *, actor, approve: bool, may_decide: bool, reason: str = "",
           policy: Policy | None = None) -> Decision[M]:
    """Decide the pending row ``target`` (an instance, or a model class and ``pk``) as ``actor``.

    Must run inside the caller's transaction (the row stays locked until it ends, so the caller's
    effects and audit record commit or roll back with the decision). Refuses, in this order:
    ``PermissionDenied`` without ``may_decide`` (the caller's own permission check);
    ``ValidationError`` on ``reason`` when the policy requires one and it is blank; on ``status``
    when the row is no longer pending; on ``decided_by`` when ``actor`` is the requester.
    Otherwise writes status, decider and time (and the reason, where the policy stores it), and
    returns the locked, saved row in a ``Decision``.
    """
    if isinstance(target, models.Model):
        model: type[M] = type(target)
        pk = target.pk if pk is None else pk
    else:
        model = target
    rules = policy_of(model, policy)
    for name in [rules.requester_field, *rules.fields(True), *rules.fields(False)]:
        model._meta.get_field(name)  # a misdeclared policy fails loudly, before any decision
    using = router.db_for_write(model)
    if not transaction.get_connection(using).in_atomic_block:
        raise transaction.TransactionManagementError("foureyes.decide() runs inside the caller's transaction")
    if actor is None or not may_decide:
        raise PermissionDenied(rules.not_allowed)
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise ValidationError({"reason": [rules.reason_invalid]})
    if not reason and (rules.reason_on_approve if approve else rules.reason_on_reject):
        raise ValidationError({"reason": [rules.reason_required]})
    reason = reason[: rules.reason_max_length]
    instance = model._default_manager.using(using).select_for_update().get(pk=pk)
    if getattr(instance, rules.status_field) != rules.pending:
        raise ValidationError({"status": [rules.already_decided]})
    requested_by = getattr(instance, rules.requester_field)
    if requested_by == actor.pk:
        raise ValidationError({"decided_by": [rules.own_request]})
    decided_at = timezone.now()
    setattr(instance, rules.status_field, rules.approved if approve else rules.rejected)
    setattr(instance, rules.decided_by_id_field, actor.pk)
    setattr(instance, rules.decided_by_username_field, actor.username)
    setattr(instance, rules.decided_at_field, decided_at)
    reason_field = rules.approve_reason_field if approve else rules.reject_reason_field
    if reason_field:
        setattr(instance, reason_field, reason)
    instance.save(using=using, update_fields=rules.fields(approve))
    return Decision(instance=instance, approved=approve, reason=reason, requested_by_id=requested_by,
                    decided_by_id=actor.pk, decided_by_username=actor.username, decided_at=decided_at)
