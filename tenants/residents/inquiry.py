"""住民記録's part of 統合照会 (kyodo.core.inquiry): the current record, the household and the history,
read through ``selectors.person_get`` so that 支援措置 and every other 抑止 apply exactly as on the
person page (the same warning, the same refusals, the same read audit)."""

from __future__ import annotations

from kyodo.registry import InquiryAlert, InquiryNotFound, InquiryPart, InquiryRefused

from . import permissions, selectors
from .protection import ResidentNotFound
from .suppression import AlertRequired, Refused

PURPOSE = "統合照会"


def inquiry_purpose(alert_purpose: str) -> str:
    """What the read audit records as its purpose: the page, and what the caller stated behind a warning."""
    return f"{PURPOSE}（{alert_purpose}）"[:200] if alert_purpose else PURPOSE


def residents_inquiry(principal, town, person_id: int, alert_purpose: str = "") -> InquiryPart | None:
    if not town.has_application(permissions.APPLICATION) or not permissions.can_read(principal, town):
        return None
    try:
        view = selectors.person_get(actor=principal, town=town, person_id=person_id,
                                    purpose=inquiry_purpose(alert_purpose), alert_purpose=alert_purpose)
    except ResidentNotFound as exc:
        raise InquiryNotFound("residents/not_found.html", {"message": exc.message}) from None
    except Refused as exc:  # an error-level 抑止 (e.g. a court order): refused, with the block named
        raise InquiryRefused("residents/not_found.html", {"message": "；".join(exc.messages)}) from None
    except AlertRequired as exc:
        raise InquiryAlert("residents/alert_gate.html", {"messages_": exc.messages},
                           person_ids=tuple(exc.person_ids)) from None
    cancelled_ids, _ = selectors.history_marks(view.history)
    return InquiryPart(title="住民記録", template="residents/_inquiry_part.html", order=10, context={
        "view": view, "v": view.version, "cancelled_ids": cancelled_ids,
        **selectors.resident_kind_context(view=view)})
