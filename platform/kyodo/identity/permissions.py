"""Who may do what, declared once and used by views, GraphQL and tasks alike."""

from __future__ import annotations

from .models import StaffMembership, StaffRole

TOWN_ROLES = {
    StaffRole.COUNTER_CLERK, StaffRole.APPROVER, StaffRole.SECTION_CHIEF, StaffRole.AUDITOR,
    StaffRole.TAX_CLERK, StaffRole.TAX_CHIEF,  # 税務課 (the tax application's own roles)
}


def is_prefecture_admin(user) -> bool:
    """県管理者: reaches the consortium console (never residents' data)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return StaffMembership.objects.filter(
        user=user, role=StaffRole.PREFECTURE_ADMIN, municipality__isnull=True, active=True
    ).exists()


def town_roles(user, town) -> set[str]:
    """The caller's active staff roles in ``town`` (empty when not its staff). A principal
    (kyodo.identity.principal) carries the roles loaded once for its request: no query then."""
    roles_in = getattr(user, "roles_in", None)
    if callable(roles_in):
        return set(roles_in(town))
    if not getattr(user, "is_authenticated", False) or not user.is_active or town is None:
        return set()
    return set(
        StaffMembership.objects.filter(user=user, municipality_id=town.pk, active=True, role__in=TOWN_ROLES)
        .values_list("role", flat=True)
    )


def holds_role_for(actor, town, application: str, roles) -> bool:
    """Whether ``town`` enabled ``application`` and the caller holds one of ``roles`` there (the check every
    town application's permissions are made of)."""
    return town is not None and town.has_application(application) and bool(
        {str(r) for r in town_roles(actor, town)} & {str(r) for r in roles})
