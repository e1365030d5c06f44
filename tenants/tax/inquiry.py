"""税務's part of 統合照会 (kyodo.core.inquiry): the person's 個人住民税 and 固定資産税 (as owner), each from its
tax's ``inquiry.section`` (which reads through that tax's selectors and audits there), and the person's 調定
and 収納. Only 税務課 roles get the part; for anyone else it is None (no heading, nothing read)."""

from __future__ import annotations

from kyodo.registry import InquiryPart

from . import audit, permissions
from .hojin import inquiry as hojin_inquiry
from .juminzei import inquiry as juminzei_inquiry
from .kotei import inquiry as kotei_inquiry
from .models import Charge


def tax_inquiry(principal, town, person_id: int, alert_purpose: str = "") -> InquiryPart | None:
    if not permissions.can_read(principal, town):  # also None where the town does not use 税務
        return None
    purpose = f"統合照会（{alert_purpose}）"[:200] if alert_purpose else "統合照会"
    sections = [s for s in (module.section(principal, town, person_id, purpose)
                            for module in (juminzei_inquiry, kotei_inquiry, hojin_inquiry)) if s]
    charges = list(Charge.objects.filter(person_id=person_id, is_current=True)
                   .prefetch_related("payments").order_by("-fiscal_year", "tax", "instalment")[:60])
    if charges:
        audit.record(town=town, actor=principal, action="inquiry.read", person_id=person_id, purpose=purpose,
                     charges=len(charges))
    return InquiryPart(title="税務（住民税・固定資産税）", template="tax/_inquiry_part.html", order=40,
                       context={"sections": sections, "charges": charges})
