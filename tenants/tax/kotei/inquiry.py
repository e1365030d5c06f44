"""kotei's section of 税務's 統合照会 part (tenants/tax/inquiry.py): the parcels the person owns (alone or as a
共有者, with the role) and the current 固定資産税 assessments they are the 納税義務者 (or one of them) of."""

from __future__ import annotations

from . import selectors


def section(principal, town, person_id: int, purpose: str) -> dict | None:
    """``{"template": ..., "context": {...}}`` for the person, or None when there is nothing to show."""
    found = selectors.person_holdings(actor=principal, town=town, person_id=int(person_id), purpose=purpose)
    if found is None:
        return None
    for o in found["owned"]:
        o.role = "代表者" if o.is_representative and o.share_denominator > 1 else (
            "共有者" if o.share_denominator > 1 else "所有者")
    for a in found["assessments"]:
        a.role = "単独所有" if a.co_owners == 1 else (
            "共有（代表者）" if a.person_id == int(person_id) else "共有者")
    return {"template": "tax/kotei/_inquiry.html", "context": found}
