"""税務's shared writes: deciding a 作業. What deciding does is the owning tax's: the module
``tenants.tax.<tax>.workitems`` has ``apply(item, *, actor, town, decision, values)``, called in the same
transaction (e.g. 固定資産 writes the adjusted 評価 of a 登記済通知). A rejection needs a reason."""

from __future__ import annotations

import importlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo.identity.principal import audit_actor_of

from . import audit, permissions
from .models import WorkItem, WorkStatus

DECISIONS = {WorkStatus.CONFIRMED, WorkStatus.ADJUSTED, WorkStatus.REJECTED, WorkStatus.DISMISSED}


def _applier(tax: str):
    try:
        module = importlib.import_module(f"tenants.tax.{tax}.workitems")
    except ModuleNotFoundError:
        return None
    return getattr(module, "apply", None)


def workitem_decide(*, actor, town, item_id: int, decision: str, note: str = "", values: dict | None = None) -> WorkItem:
    """確定 (confirm), 修正して確定 (adjust, with ``values``), 却下 (reject, with a reason) or 対象外."""
    audit.assert_in_town(town)
    if not permissions.can_record(actor, town):
        raise PermissionDenied("税務の作業を処理する権限がありません")
    if decision not in {d.value for d in DECISIONS}:
        raise ValidationError({"decision": [f"処理の種類が正しくありません: {decision[:20]!r}"]})
    note = (note or "").strip()
    if decision in (WorkStatus.REJECTED, WorkStatus.DISMISSED) and not note:
        raise ValidationError({"note": ["却下・対象外とする理由を入力してください。"]})
    if len(note) > 200:
        raise ValidationError({"note": ["理由は200文字以内で入力してください。"]})
    with transaction.atomic():
        item = WorkItem.objects.select_for_update().filter(pk=int(item_id)).first()
        if item is None:
            raise WorkItem.DoesNotExist
        if item.status != WorkStatus.PENDING:
            raise ValidationError({"status": [f"この作業は処理済みです（{item.get_status_display()}）。"]})
        apply = _applier(item.tax)
        if apply is not None:
            apply(item, actor=actor, town=town, decision=decision, values=values or {})
        elif decision == WorkStatus.ADJUSTED:
            raise ValidationError({"decision": ["この作業は修正して確定できません。"]})
        item.status, item.decision_note = decision, note
        who = audit_actor_of(actor)
        item.decided_at, item.decided_by = timezone.now(), (who.name if who else "system")[:150]
        item.save(update_fields=["status", "decision_note", "decided_at", "decided_by"])
        detail: dict = {"work_item": item.pk, "kind": item.kind, "tax": item.tax}
        if item.corporate_number:
            detail["corporate_number"] = item.corporate_number
        if item.parcel_id:
            detail["parcel"] = item.parcel_id
        audit.record(town=town, actor=actor, action=f"workitem.{decision}", person_id=item.person_id,
                     purpose="作業の処理", **detail)
    return item
