"""国保's part of 統合照会 (kyodo.core.inquiry): the person's 資格履歴 and their household's 納付義務者,
read through ``selectors.person_eligibility`` (and audited there, in the 国保 chain), the documents issued
to the person, and — for roles that see 賦課 — the household's current 保険税 with its calculation."""

from __future__ import annotations

from kyodo.registry import InquiryNotFound, InquiryPart

from . import audit, permissions, residents_facts, selectors
from .cards import selectors as card_selectors
from .levy_models import Assessment


def nhi_inquiry(principal, town, person_id: int, alert_purpose: str = "") -> InquiryPart | None:
    if not permissions.can_read(principal, town):  # also None where the town does not use 国保
        return None
    purpose = f"統合照会（{alert_purpose}）"[:200] if alert_purpose else "統合照会"
    try:
        view = selectors.person_eligibility(actor=principal, town=town, person_id=person_id, purpose=purpose)
    except selectors.NotFound:
        raise InquiryNotFound("nhi/not_found.html") from None
    payer = residents_facts.current(view.payer.person_id) if view.payer else None
    cards = card_selectors.person_cards(actor=principal, town=town, person_id=view.person_id, purpose=purpose)
    levy = None
    if permissions.can_levy(principal, town):
        levy = (Assessment.objects.filter(household_id=view.household_id, is_current=True)
                .order_by("-fiscal_year").first())
        if levy is not None:
            audit.record(town=town, actor=principal, action="assessment.read", person_id=view.person_id,
                         purpose=purpose, household_id=view.household_id, fiscal_year=levy.fiscal_year)
    return InquiryPart(title="国民健康保険（資格・保険税）", template="nhi/_inquiry_part.html", order=30,
                       context={"v": view, "payer_version": payer, "cards": cards, "levy": levy})
