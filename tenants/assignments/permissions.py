"""Who may do what in 業務配分: every member of a town's 窓口 staff sees the tasks and takes blocks; the 審査・決裁者
and 課長 (the managers) make the day's plan, edit the calendar and move tasks between offices."""

from __future__ import annotations

from kyodo.identity.models import StaffRole
from kyodo.identity.permissions import holds_role_for

APPLICATION = "assignments"

WORK_ROLES = {StaffRole.COUNTER_CLERK, StaffRole.APPROVER, StaffRole.SECTION_CHIEF}
MANAGE_ROLES = {StaffRole.APPROVER, StaffRole.SECTION_CHIEF}


def _has(actor, town, roles) -> bool:
    return holds_role_for(actor, town, APPLICATION, roles)


def can_work(actor, town) -> bool:
    return _has(actor, town, WORK_ROLES)


def can_manage(actor, town) -> bool:
    return _has(actor, town, MANAGE_ROLES)


def can_receive(actor, town) -> bool:
    """Taking in online applications: the town's 申請管理 system (a machine client contracted for
    ``assignments:write``), or a manager uploading a delivered file."""
    may_write = getattr(actor, "may_write", None)
    if callable(may_write):
        return town.has_application(APPLICATION) and bool(may_write(municipality_code=town.code, dataset=APPLICATION))
    return can_manage(actor, town)
