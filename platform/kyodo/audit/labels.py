"""日本語 labels of the platform audit log's actions and outcomes (the console shows these, never codes)."""

from __future__ import annotations

PLATFORM_ACTIONS: dict[str, str] = {
    "municipality.provision": "団体の新規構築",
    "municipality.suspend": "団体の一時停止",
    "municipality.resume": "団体の再開",
    "municipality.applications": "利用業務の変更",
    "town.access_refused": "団体へのアクセス拒否",
    "console.access_refused": "コンソールへのアクセス拒否",
    "console.audit_export": "監査ログのCSV出力",
    "identity.login": "ログイン",
    "identity.login_failed": "ログイン失敗",
    "identity.logout": "ログアウト",
    "identity.session_ended": "セッション終了（認証基盤）",
    "identity.backchannel_logout": "ログアウト通知（認証基盤）",
    "identity.membership_sync": "所属の同期",
    "identity.staff_invite": "職員の招待",
    "identity.staff_disable": "職員の利用停止",
    "identity.town_ensure": "団体の認証設定",
    "identity.town_disable": "団体の認証停止",
    "identity.service_account_create": "連携アカウントの作成",
    "api.persisted_query_register": "連携APIの登録済みクエリの登録",
    "standard_spec.import_submit": "標準レイアウトの取込の受付",
    "standard_spec.import_run": "標準レイアウトの取込の実行",
    "standard_spec.import_report": "標準レイアウトの取込の誤り一覧の出力",
    "identity.service_account_disable": "連携アカウントの停止",
    "identity.service_account_sync": "連携アカウントの同期",
    "backup.run": "バックアップ",
    "backup.restore": "リストア",
    "backup.drill": "リストア訓練",
    "demo.populate": "デモデータの作成",
    "audit.read": "監査ログの参照",
}

OUTCOMES: dict[str, str] = {
    "ok": "成功",
    "refused": "拒否",
    "failed": "失敗",
}

TARGET_TYPES: dict[str, str] = {
    "municipality": "団体",
    "host": "ホスト名",
    "path": "画面",
    "audit": "監査ログ",
    "user": "職員",
    "backup": "バックアップ",
}


def target_type_label(target_type: str) -> str:
    return TARGET_TYPES.get(target_type, target_type)


def action_label(action: str) -> str:
    """The label of ``action``; an action not in the table is shown as 「その他（code）」."""
    return PLATFORM_ACTIONS.get(action) or f"その他（{action}）"


def outcome_label(outcome: str) -> str:
    return OUTCOMES.get(outcome) or f"その他（{outcome}）"
