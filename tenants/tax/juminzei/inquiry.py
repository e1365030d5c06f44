"""juminzei's section of 税務's 統合照会 part (tenants/tax/inquiry.py)."""

from __future__ import annotations


def section(principal, town, person_id: int, purpose: str) -> dict | None:
    """``{"template": ..., "context": {...}}`` for the person, or None when there is nothing to show."""
    return None
