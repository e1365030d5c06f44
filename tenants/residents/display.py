"""What the residents registry shows its codes as (kyodo.core.display): every audit action it
records, the 抑止 channels (経路) and the kinds of 抑止の記録. Declared in app.py (``display``)."""

from __future__ import annotations

from .models import AttemptKind, MeasureRequestKind, Process

# 抑止の経路: the processes a 抑止 stops (標準仕様 3.1) and the portal's other ways in.
CHANNELS: dict[str, str] = {**{p.value: p.label for p in Process}, "search": "検索", "export": "出力"}

# protection.record_attempt records ``<channel>.<outcome>``.
_ATTEMPT_OUTCOMES = {"blocked": "抑止により拒否", "alerted": "警告の上で実行", "refused": "加害者からの請求を拒否"}
_DECISIONS = {"approve": "承認", "reject": "却下"}

AUDIT_ACTIONS: dict[str, str] = {
    "person.search": "住民検索",
    "person.read": "住民照会",
    "household.read": "世帯照会",
    "residents.export": "住民一覧の出力",
    "change.submit": "異動の仮登録",
    "change.read": "異動の照会",
    "change.queue": "審査待ち一覧の表示",
    "change.approve": "異動の決裁（本登録）",
    "change.reject": "異動の差戻し",
    "change.move_out_completed": "転出の完了（転出予定日の到来）",
    "certificate.issue": "証明書の交付",
    "personal_number.rekey": "個人番号の暗号鍵の更新",
    "certificate.refuse": "証明書の不交付",
    "certificate.destroy": "交付した証明書の処分",
    "issuance.list": "交付履歴の表示",
    "issuance.overflow_list": "文字超過リストの表示",
    "inspection.request": "閲覧申出の受付",
    "inspection.read": "閲覧申出の照会",
    "inspection.list": "閲覧申出一覧の表示",
    "inspection.extract": "閲覧用の写しの作成",
    "support_measure.create": "支援措置の登録",
    "support_measure.confirm": "仮支援措置の決定",
    "support_measure.extend": "支援措置の延長",
    "support_measure.list": "支援措置一覧の表示",
    "support_measure.previous_address": "前住所地の支援措置の記録",
    "suppression.set": "抑止の設定",
    "suppression.end": "抑止の解除",
    "suppression_lift.request": "一時解除の申請",
    "suppression_lift.list": "一時解除の申請一覧の表示",
    "suppression_lift.use": "一時解除の使用",
    "blocked_attempt.list": "抑止の記録（警告）の表示",
    "blocked_attempt.acknowledge": "抑止の記録の確認",
    "audit.read": "監査ログの参照",
    "api.read": "連携APIによる提供",
    "api.feed": "連携APIの変更通知",
    "import.load": "標準レイアウトからの移行（取込）",
    "residents.standard_export": "標準レイアウトでの出力",
}
for _channel, _channel_label in CHANNELS.items():
    for _outcome, _outcome_label in _ATTEMPT_OUTCOMES.items():
        AUDIT_ACTIONS[f"{_channel}.{_outcome}"] = f"{_channel_label}（{_outcome_label}）"
for _decision, _decision_label in _DECISIONS.items():
    AUDIT_ACTIONS[f"inspection.{_decision}"] = f"閲覧申出の{_decision_label}"
    AUDIT_ACTIONS[f"suppression_lift.{_decision}"] = f"一時解除の{_decision_label}"
    for _kind in MeasureRequestKind:
        AUDIT_ACTIONS[f"support_measure.{_kind.value}_{_decision}"] = f"{_kind.label}の{_decision_label}"
for _kind in MeasureRequestKind:
    AUDIT_ACTIONS[f"support_measure.{_kind.value}_request"] = f"{_kind.label}の申請"

LABELS = {
    "audit_action": AUDIT_ACTIONS,
    "channel": CHANNELS,
    "attempt_kind": {k.value: k.label for k in AttemptKind},
}
