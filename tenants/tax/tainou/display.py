"""滞納管理 link's audit actions."""

from __future__ import annotations

AUDIT_ACTIONS: dict[str, str] = {
    "tainou.charges.read": "滞納管理連携: 調定・収納の提供",
    "tainou.payment_recorded": "滞納管理連携: 収納の書き戻し",
    "tainou.status_recorded": "滞納管理連携: 滞納整理の状況の書き戻し",
    "tainou.delivery.written": "滞納管理連携: 定期配信ファイルの作成",
    "tainou.delivery.fetched": "滞納管理連携: 配信ファイルの取得",
}
