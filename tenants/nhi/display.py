"""What 国保 shows its codes as (kyodo.core.display): audit actions and its code tables."""

from __future__ import annotations

from .models import (
    AcquisitionReason,
    CardKind,
    CardReason,
    LossReason,
    PayerKind,
    ReissueCause,
    WorkKind,
    WorkStatus,
)

AUDIT_ACTIONS: dict[str, str] = {
    "enrolment.acquire": "国保資格の取得",
    "enrolment.lose": "国保資格の喪失",
    "enrolment.read": "国保資格の照会",
    "payer.set": "納付義務者の変更",
    "workitem.propose": "住民異動からの作業の作成",
    "workitem.list": "作業一覧の表示",
    "workitem.confirmed": "作業の確定",
    "workitem.dismissed": "作業を対象外とした",
    "card.issue": "資格確認書の交付",
    "card.reissue": "資格確認書の再交付",
    "card.return": "資格確認書の返還",
    "card.list": "資格確認書の交付履歴の照会",
    "card.download": "資格確認書の出力",
    "income.import": "所得データの取込",
    "ratetable.seed": "税率表の初期設定",
    "ratetable.propose": "税率表の変更の提案",
    "ratetable.approve": "税率表の承認",
    "ratetable.reject": "税率表の却下",
    "assessment.calculate": "賦課の計算（単票）",
    "assessment.recalculate": "賦課の一括再計算",
    "assessment.read": "賦課の照会",
}

LABELS = {
    "audit_action": AUDIT_ACTIONS,
    "nhi_acquisition_reason": {c.value: c.label for c in AcquisitionReason},
    "nhi_loss_reason": {c.value: c.label for c in LossReason},
    "nhi_payer_kind": {c.value: c.label for c in PayerKind},
    "nhi_work_kind": {c.value: c.label for c in WorkKind},
    "nhi_card_kind": {c.value: c.label for c in CardKind},
    "nhi_card_reason": {c.value: c.label for c in CardReason},
    "nhi_reissue_cause": {c.value: c.label for c in ReissueCause},
    "nhi_work_status": {c.value: c.label for c in WorkStatus},
}
