"""Who may do what in 税務, declared once (views, services, GraphQL and the consumers use these).

税務課 has its own roles: 税務担当 (tax_clerk) reads taxpayers, imports 所得資料 and 登記済通知, calculates and works
the 作業; 税務課長 (tax_chief) also decides — issues the 納税通知書 of a year, approves rate tables and a year's
bulk run. 市民課's roles (窓口担当 and the rest) see nothing of tax, on its pages or on 統合照会."""

from __future__ import annotations

from kyodo.identity.models import StaffRole
from kyodo.identity.permissions import holds_role_for, town_roles

APPLICATION = "tax"

READ_ROLES = {StaffRole.TAX_CLERK, StaffRole.TAX_CHIEF}
RECORD_ROLES = READ_ROLES
DECIDE_ROLES = {StaffRole.TAX_CHIEF}


def roles_of(actor, town) -> set[str]:
    return {str(r) for r in town_roles(actor, town)}


def _has(actor, town, roles) -> bool:
    return holds_role_for(actor, town, APPLICATION, roles)


def can_read(actor, town) -> bool:
    """Taxpayers, their 所得資料, assessments, 調定・収納, parcels, corporations, 作業."""
    return _has(actor, town, READ_ROLES)


def can_record(actor, town) -> bool:
    """Imports, 申告 entry, calculation (単票), working a 作業."""
    return _has(actor, town, RECORD_ROLES)


def can_decide(actor, town) -> bool:
    """A year's 一括計算 and 納税通知書の発付, rate tables: 税務課長."""
    return _has(actor, town, DECIDE_ROLES)
