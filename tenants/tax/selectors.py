"""税務's shared reads: the 作業一覧 and the console's figures. Reads naming a person are audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from . import audit, permissions
from .models import Charge, TaxKind, WorkItem, WorkStatus


class NotFound(Exception):
    """Not in this town, or nothing the town knows: the same answer either way."""


def require_read(actor, town) -> None:
    audit.assert_in_town(town)
    if not permissions.can_read(actor, town):
        raise PermissionDenied("税務の情報を照会する権限がありません")


def workitems_pending(*, actor, town, tax: str = "", kind: str = "", limit: int = 500) -> list[WorkItem]:
    """作業一覧: pending work items, oldest first, optionally of one tax or kind (audited as one read)."""
    require_read(actor, town)
    qs = WorkItem.objects.filter(status=WorkStatus.PENDING)
    if tax:
        qs = qs.filter(tax=tax)
    if kind:
        qs = qs.filter(kind=kind)
    items = list(qs.order_by("created_at", "pk")[:limit])
    persons = sorted({i.person_id for i in items if i.person_id is not None})
    if items:
        audit.record(town=town, actor=actor, action="workitem.list", persons=persons, purpose="作業一覧の表示",
                     count=len(items), **({"tax": tax} if tax else {}))
    return items


def workitem_get(*, actor, town, item_id: int) -> WorkItem:
    require_read(actor, town)
    item = WorkItem.objects.filter(pk=int(item_id)).first()
    if item is None:
        raise NotFound
    audit.record(town=town, actor=actor, action="workitem.read", person_id=item.person_id, purpose="作業の表示",
                 work_item=item.pk)
    return item


def tax_statistics(town) -> dict[str, int]:
    """Console figures (no personal data)."""
    figures = {"未処理の作業": WorkItem.objects.filter(status=WorkStatus.PENDING).count()}
    for kind in TaxKind:
        figures[f"{kind.label}の調定（期別）"] = Charge.objects.filter(tax=kind, is_current=True).count()
    return figures
