"""Reads of the code tables (コード表)."""

from __future__ import annotations

from .models import ReferenceCode


def reference_statistics(town) -> dict[str, int]:
    """Console figures: how many codes the town's tables hold (standard and local)."""
    return {"コード数": ReferenceCode.objects.count()}
