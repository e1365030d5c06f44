"""kotei: what the residents registry's events propose to 税務課."""

from __future__ import annotations


def on_residents_change(event, town) -> None:
    return None
