"""Platform audit log (public schema): onboarding, console actions, refused cross-town access."""

from __future__ import annotations

from django.db import models

from .chain import ChainHead, HashChainedEntry


class PlatformAuditEntry(HashChainedEntry):
    """監査ログ (platform): who did what to which town, and every refused attempt."""

    class Meta(HashChainedEntry.Meta):
        constraints = []
        # The console's filters (console.selectors.platform_audit_search): each filter column with seq,
        # so that one filter, newest first, one page, is an index range scan; the date range by created_at.
        indexes = [
            models.Index(fields=["-seq"], name="audit_pae_seq"),
            models.Index(fields=["municipality_code", "-seq"], name="audit_pae_town_seq"),
            models.Index(fields=["actor_username", "-seq"], name="audit_pae_user_seq"),
            models.Index(fields=["action", "-seq"], name="audit_pae_action_seq"),
            models.Index(fields=["outcome", "-seq"], name="audit_pae_outcome_seq"),
            models.Index(fields=["created_at"], name="audit_pae_created"),
        ]
        unique_together = [("chain", "seq")]


class PlatformAuditHead(ChainHead):
    pass
