"""Staff identity (public schema): which towns a user belongs to and with which roles.

Users are Django users in the public schema (the identity issue links them to Keycloak subjects);
what a user may do in a town is decided only from StaffMembership rows, never from the host alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class StaffRole(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", "窓口担当"
    APPROVER = "approver", "審査・決裁者"
    SECTION_CHIEF = "section_chief", "課長"
    AUDITOR = "auditor", "監査"
    PREFECTURE_ADMIN = "prefecture_admin", "県管理者"
    VENDOR = "vendor", "ベンダー"


class StaffMembership(models.Model):
    """所属: a user's role in one town (or, for 県管理者, in the consortium: municipality is null)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=StaffRole.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role="prefecture_admin", municipality__isnull=True)
                | (~Q(role="prefecture_admin") & Q(municipality__isnull=False)),
                name="membership_prefecture_admin_has_no_town",
            ),
        ]

    def __str__(self) -> str:
        where = self.municipality.name if self.municipality is not None else "共同利用"
        return f"{self.user} {where} {self.get_role_display()}"
