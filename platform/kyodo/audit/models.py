"""Platform audit log (public schema): onboarding, console actions, refused cross-town access."""

from __future__ import annotations

from .chain import ChainHead, HashChainedEntry


class PlatformAuditEntry(HashChainedEntry):
    """監査ログ (platform): who did what to which town, and every refused attempt."""

    class Meta(HashChainedEntry.Meta):
        constraints = []
        indexes = []
        unique_together = [("chain", "seq")]


class PlatformAuditHead(ChainHead):
    pass
