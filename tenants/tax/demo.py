"""税務's demo: each tax's own part (``tenants.tax.<tax>.demo.load``) for a town that enabled 税務."""

from __future__ import annotations

from .hojin import demo as hojin_demo
from .juminzei import demo as juminzei_demo
from .kotei import demo as kotei_demo


def tax_demo_load(*, town, staff, scale: float, seed: int) -> list[str]:
    notes: list[str] = []
    for part in (juminzei_demo, hojin_demo, kotei_demo):
        notes.extend(part.load(town=town, staff=staff, scale=scale, seed=seed))
    return notes
