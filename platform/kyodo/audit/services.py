"""Writes to the platform audit log."""

from __future__ import annotations

from typing import Any

from . import chain as _chain
from .models import PlatformAuditEntry, PlatformAuditHead

PLATFORM_CHAIN = "platform"


def platform_audit_record(*, actor, action: str, municipality_code: str = "", target_type: str = "",
                          target_id: str = "", purpose: str = "", outcome: str = "ok",
                          detail: dict[str, Any] | None = None) -> PlatformAuditEntry:
    return _chain.append(
        PlatformAuditEntry, PlatformAuditHead, chain=PLATFORM_CHAIN, actor=actor, action=action,
        municipality_code=municipality_code, target_type=target_type, target_id=str(target_id),
        purpose=purpose, outcome=outcome, detail=detail or {},
    )


def platform_audit_verify() -> _chain.ChainReport:
    return _chain.verify(PlatformAuditEntry, PlatformAuditHead, chain=PLATFORM_CHAIN)
