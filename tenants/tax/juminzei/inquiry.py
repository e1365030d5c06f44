"""juminzei's section of 税務's 統合照会 part (tenants/tax/inquiry.py): the person's 個人住民税 of the latest
year they are a taxpayer of (納税義務者), its current 税額 and 徴収方法 — read through the selectors (audited)."""

from __future__ import annotations

from tenants.tax.common import fiscal_year_label

from . import selectors


def section(principal, town, person_id: int, purpose: str) -> dict | None:
    """``{"template": ..., "context": {...}}`` for the person, or None when there is nothing to show."""
    assessment, taxpayer = selectors.person_current(actor=principal, town=town, person_id=int(person_id),
                                                    purpose=purpose)
    if taxpayer is None:
        return None
    return {"template": "tax/juminzei/_inquiry.html",
            "context": {"role": "納税義務者", "year_label": fiscal_year_label(taxpayer.fiscal_year),
                        "taxpayer": taxpayer, "assessment": assessment}}
