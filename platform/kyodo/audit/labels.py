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
    "identity.session_expired": "セッションの期限切れ（無操作・最長時間）",
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
    "standard_spec.import_report_view": "標準レイアウトの取込の誤り一覧の表示",
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


# The keys of an entry's ``detail`` as the console shows them (a key not here: 「その他（key）」).
DETAIL_KEYS: dict[str, str] = {
    "path": "画面（パス）",
    "method": "方式",
    "reason": "理由",
    "name": "団体名",
    "hosts": "ホスト名",
    "applications": "利用業務",
    "from": "変更前",
    "to": "変更後",
    "role": "役割",
    "source": "契機",
    "added": "追加",
    "removed": "削除",
    "sso": "シングルサインオン",
    "silent": "自動サインイン",
    "sessions": "終了したセッション数",
    "by": "特定の方法",
    "was_active": "停止前に有効だった",
    "provisioner": "認証基盤の連携方式",  # its values are adapter names (keycloak, null), shown as they are
    "towns": "団体",
    "datasets": "データセット",
    "client_id": "クライアントID",
    "error": "エラー",
    "message": "メッセージ",
    "stores": "保管先",
    "store": "保管先",
    "key": "オブジェクトキー",
    "chunk": "チャンク",
    "bytes": "バイト数",
    "chunks": "チャンク数",
    "tables": "比較したテーブル数",
    "target_schema": "復元先スキーマ",
    "town_code": "団体コード",
    "succeeded": "成功した保管先",
    "id_token_hint": "IDトークンの提示",
    "post_logout_redirect_uri": "ログアウト後の戻り先",
    # the audit viewer's own filters (console.audit_export)
    "town": "団体",
    "user": "利用者",
    "action": "操作",
    "outcome": "結果",
    "date_from": "期間（開始日）",
    "date_to": "期間（終了日）",
}

# Values that are codes, per key: shown by their label (any other value as it is).
DETAIL_VALUES: dict[str, dict[str, str]] = {
    "reason": {"not_member": "その団体の職員ではない", "application_not_enabled": "利用していない業務",
               "suspended": "一時停止中"},  # or the town's status (MunicipalityStatus), below
    "method": {"oidc": "シングルサインオン（OIDC）", "password": "パスワード", "template": "ひな形スキーマの複製",
               "migrations": "マイグレーションの実行"},
    "source": {"login": "ログイン時", "session_check": "セッションの再確認"},
    "by": {"sid": "セッションID", "sub": "利用者ID"},
    "action": PLATFORM_ACTIONS,
    "outcome": OUTCOMES,
}
_APPLICATION_KEYS = {"applications", "from", "to"}  # lists of application codes (kyodo.registry)


def detail_key_label(key: str) -> str:
    return DETAIL_KEYS.get(key) or f"その他（{key}）"


def _value_text(key: str, value) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(_value_text(key, v) for v in value)
    if isinstance(value, dict):
        return "、".join(f"{detail_key_label(k)}: {_value_text(k, v)}" for k, v in value.items())
    text = str(value)
    if key == "role":
        from kyodo.identity.models import StaffRole

        return dict(StaffRole.choices).get(text, text)
    if key == "reason" and text not in DETAIL_VALUES["reason"]:
        from kyodo.tenancy.models import MunicipalityStatus

        return dict(MunicipalityStatus.choices).get(text, text)
    if key in _APPLICATION_KEYS:
        from kyodo import registry

        app = registry.get(text)
        return app.label if app else text
    return DETAIL_VALUES.get(key, {}).get(text, text)


def detail_items(detail) -> list[tuple[str, str]]:
    """An entry's ``detail`` as (日本語 key, value) pairs: codes by their labels, lists joined by 「、」,
    booleans as はい／いいえ."""
    if not isinstance(detail, dict):
        return []
    return [(detail_key_label(str(k)), _value_text(str(k), v)) for k, v in detail.items()]
