"""国保's part of 統合照会 (kyodo.core.inquiry): the person's 資格履歴 and their household's 納付義務者,
read through ``selectors.person_eligibility`` (and audited there, in the 国保 chain). The levy engine
keeps no assessed 国保税 per household yet, so there is no current levy to show."""

from __future__ import annotations

from kyodo.registry import InquiryNotFound, InquiryPart

from . import permissions, residents_facts, selectors


def nhi_inquiry(principal, town, person_id: int, alert_purpose: str = "") -> InquiryPart | None:
    if not permissions.can_read(principal, town):  # also None where the town does not use 国保
        return None
    purpose = f"統合照会（{alert_purpose}）"[:200] if alert_purpose else "統合照会"
    try:
        view = selectors.person_eligibility(actor=principal, town=town, person_id=person_id, purpose=purpose)
    except selectors.NotFound:
        raise InquiryNotFound("nhi/not_found.html") from None
    payer = residents_facts.current(view.payer.person_id) if view.payer else None
    return InquiryPart(title="国民健康保険（資格）", template="nhi/_inquiry_part.html", order=30,
                       context={"v": view, "payer_version": payer})
