"""Who may do what in 国民健康保険, declared once (views, services and the consumer use these).

NHI uses the town roles every town already has (docs/nhi.md says why no 保険年金課 role is added):
the counter clerk, approver and section chief of a town that enabled 国保 read and record 資格."""

from __future__ import annotations

from kyodo.identity.models import StaffRole
from kyodo.identity.permissions import holds_role_for, town_roles

APPLICATION = "nhi"

READ_ROLES = {StaffRole.COUNTER_CLERK, StaffRole.APPROVER, StaffRole.SECTION_CHIEF}
RECORD_ROLES = READ_ROLES  # 取得・喪失・納付義務者の変更, 作業の確定 (no second person required)


def roles_of(actor, town) -> set[str]:
    return {str(r) for r in town_roles(actor, town)}


def _has(actor, town, roles) -> bool:
    return holds_role_for(actor, town, APPLICATION, roles)


def can_read(actor, town) -> bool:
    return _has(actor, town, READ_ROLES)


def can_record(actor, town) -> bool:
    return _has(actor, town, RECORD_ROLES)


def can_issue_card(actor, town) -> bool:
    """資格確認書・お知らせの交付・再交付・返還: the staff who record 資格."""
    return _has(actor, town, RECORD_ROLES)
# 賦課: any 国保 role sees a household's levy and recalculates it (単票), imports incomes and proposes a rate
# table; the 一括再計算 and the 決裁 of a rate table are for the approvers (審査・決裁者, 課長).
LEVY_ROLES = READ_ROLES
LEVY_APPROVER_ROLES = {StaffRole.APPROVER, StaffRole.SECTION_CHIEF}


def can_levy(actor, town) -> bool:
    return _has(actor, town, LEVY_ROLES)


def can_import_incomes(actor, town) -> bool:
    return _has(actor, town, LEVY_ROLES)


def can_propose_tables(actor, town) -> bool:
    return _has(actor, town, LEVY_ROLES)


def can_approve_levy(actor, town) -> bool:
    """一括再計算 and the second person of a rate table change."""
    return _has(actor, town, LEVY_APPROVER_ROLES)
