"""kotei's part of the demo (tenants/tax/demo.py)."""

from __future__ import annotations


def load(*, town, staff, scale: float, seed: int) -> list[str]:
    return []
