"""Who may do what in the residents registry, declared once (views, services, tasks use these)."""

from __future__ import annotations

from kyodo.identity.models import StaffRole
from kyodo.identity.permissions import town_roles

APPLICATION = "residents"

READ_ROLES = {StaffRole.COUNTER_CLERK, StaffRole.APPROVER, StaffRole.SECTION_CHIEF}
ENTER_ROLES = READ_ROLES
APPROVE_ROLES = {StaffRole.APPROVER, StaffRole.SECTION_CHIEF}
ISSUE_ROLES = READ_ROLES
MEASURE_ROLES = {StaffRole.APPROVER, StaffRole.SECTION_CHIEF}
SUPERVISOR_ROLES = {StaffRole.SECTION_CHIEF, StaffRole.APPROVER}
# 住民一覧の出力 (every resident of the town in one file): not the counter, where one person is served at
# a time; the roles that approve and supervise, with a stated purpose that is audited.
EXPORT_ROLES = {StaffRole.APPROVER, StaffRole.SECTION_CHIEF}
AUDIT_ROLES = {StaffRole.AUDITOR, StaffRole.SECTION_CHIEF}
# 個人番号 on a 住民票の写し only for the person or their household (住基法12条, 番号法).
MY_NUMBER_REQUESTERS = {"本人", "同一世帯員"}


def roles_of(actor, town) -> set[str]:
    return {str(r) for r in town_roles(actor, town)}


def _has(actor, town, roles) -> bool:
    return bool(roles_of(actor, town) & {str(r) for r in roles}) and town.has_application(APPLICATION)


def can_read(actor, town) -> bool:
    return _has(actor, town, READ_ROLES)


def can_export(actor, town) -> bool:
    return _has(actor, town, EXPORT_ROLES)


def can_enter_change(actor, town) -> bool:
    return _has(actor, town, ENTER_ROLES)


def can_approve_changes(actor, town) -> bool:
    return _has(actor, town, APPROVE_ROLES)


def can_approve_change(actor, town, change) -> bool:
    """審査・決裁: an approver, and never the member of staff who entered the change."""
    return can_approve_changes(actor, town) and change.entered_by_id != actor.pk


def can_issue_certificate(actor, town) -> bool:
    return _has(actor, town, ISSUE_ROLES)


def can_manage_measures(actor, town) -> bool:
    return _has(actor, town, MEASURE_ROLES)


def can_supervise(actor, town) -> bool:
    return _has(actor, town, SUPERVISOR_ROLES)


def can_read_audit(actor, town) -> bool:
    return _has(actor, town, AUDIT_ROLES)


# 支援措置責任者: the member of staff who, after review, releases one issuance for a protected
# person. Held by the 課長 (section chief) in the consortium's towns.
RELEASE_ROLES = {StaffRole.SECTION_CHIEF}


def can_release_suppression(actor, town) -> bool:
    return _has(actor, town, RELEASE_ROLES)


def can_register_provisional_measure(actor, town) -> bool:
    """仮支援措置 is registered at the counter as the 申出 is received."""
    return _has(actor, town, ENTER_ROLES)


def can_request_inspection(actor, town) -> bool:
    """閲覧申出の受付 (住基法11条・11条の2): the counter staff who take the request."""
    return _has(actor, town, ENTER_ROLES)


def can_decide_inspections(actor, town) -> bool:
    return _has(actor, town, APPROVE_ROLES)


def can_decide_inspection(actor, town, request) -> bool:
    """閲覧申出の決裁: an approver, and never the member of staff who took the request."""
    return can_decide_inspections(actor, town) and request.requested_by_id != actor.pk
