"""What 税務 shows its codes as (kyodo.core.display): audit actions and its code tables."""

from __future__ import annotations

from .models import DelinquencyStage, SubjectKind, TaxKind, WorkKind, WorkStatus

AUDIT_ACTIONS: dict[str, str] = {
    "workitem.propose": "住民異動・登記済通知からの作業の作成",
    "workitem.list": "作業一覧の表示",
    "workitem.read": "作業の表示",
    "workitem.confirmed": "作業の確定",
    "workitem.adjusted": "作業を修正して確定",
    "workitem.rejected": "作業の却下",
    "workitem.dismissed": "作業を対象外とした",
    "inquiry.read": "税務の統合照会",
}

LABELS: dict = {
    "audit_action": AUDIT_ACTIONS,
    "tax_kind": {c.value: c.label for c in TaxKind},
    "tax_work_kind": {c.value: c.label for c in WorkKind},
    "tax_work_status": {c.value: c.label for c in WorkStatus},
    "tax_subject_kind": {c.value: c.label for c in SubjectKind},
    "tax_delinquency_stage": {c.value: c.label for c in DelinquencyStage},
}


def _extend() -> None:
    """Each tax adds its own actions and code tables in ``tenants.tax.<tax>.display`` (``AUDIT_ACTIONS``,
    ``LABELS``), when it has one."""
    import importlib

    for tax in ("juminzei", "hojin", "kotei", "tainou"):
        try:
            module = importlib.import_module(f"tenants.tax.{tax}.display")
        except ModuleNotFoundError:
            continue
        AUDIT_ACTIONS.update(getattr(module, "AUDIT_ACTIONS", {}))
        LABELS.update(getattr(module, "LABELS", {}))


_extend()
