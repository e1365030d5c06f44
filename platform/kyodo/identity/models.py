"""Staff identity (public schema): which towns a user belongs to and with which roles.

Users are Django users in the public schema (the identity issue links them to Keycloak subjects);
what a user may do in a town is decided only from StaffMembership rows, never from the host alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class StaffRole(models.TextChoices):
    COUNTER_CLERK = "counter_clerk", "窓口担当"
    APPROVER = "approver", "審査・決裁者"
    SECTION_CHIEF = "section_chief", "課長"
    AUDITOR = "auditor", "監査"
    TAX_CLERK = "tax_clerk", "税務担当"
    TAX_CHIEF = "tax_chief", "税務課長"
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


class ExternalIdentity(models.Model):
    """The link between a Django user and a subject of the identity provider (Keycloak ``sub``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique")]

    def __str__(self) -> str:
        return f"{self.user} = {self.subject}@{self.issuer}"


class OIDCSession(models.Model):
    """A Django session opened by an OIDC login, so that a back-channel logout (by ``sid`` or ``sub``)
    can end exactly the sessions of that IdP session or user, on every town host."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    sid = models.CharField(max_length=255, blank=True)
    host = models.CharField(max_length=253)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["issuer", "subject"]), models.Index(fields=["issuer", "sid"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.host}"


class ServiceAccount(models.Model):
    """ベンダー連携アカウント: a vendor's OAuth client (client credentials) with the towns and datasets
    it is contracted for. A token is accepted only for the intersection of these and its scopes."""

    client_id = models.CharField(max_length=100, unique=True)
    vendor_name = models.CharField("ベンダー名", max_length=100)
    municipality_codes = ArrayField(models.CharField(max_length=6), default=list, blank=True)
    datasets = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    active = models.BooleanField(default=True)
    # 登録済みクエリのみ: the API runs only queries this vendor registered in advance (kyodo.api.models).
    persisted_queries_only = models.BooleanField("登録済みクエリのみ", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    def __str__(self) -> str:
        return f"{self.vendor_name} ({self.client_id})"
