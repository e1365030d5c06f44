"""What 個人住民税 shows its codes as: audit actions and code tables (merged by tenants/tax/display.py)."""

from __future__ import annotations

from .models import IncomeKind

AUDIT_ACTIONS: dict[str, str] = {
    "juminzei.taxpayers_link": "個人住民税 納税義務者の抽出",
    "juminzei.income_import": "個人住民税 所得資料の取込",
    "juminzei.calculate": "個人住民税 税額の一括計算",
    "juminzei.calculate_one": "個人住民税 税額の計算（単票）",
    "juminzei.notices_issue": "個人住民税 通知書の発付",
    "juminzei.notice_pdf": "個人住民税 通知書の出力",
    "juminzei.taxpayer_list": "個人住民税 納税義務者の検索",
    "juminzei.taxpayer_read": "個人住民税 納税義務者の照会",
    "juminzei.unsupported_list": "個人住民税 計算できない納税義務者の確認",
    "juminzei.inquiry": "個人住民税 統合照会",
    "juminzei.mail_address_change": "個人住民税 送付先の変更",
}

LABELS: dict = {
    "juminzei_income_kind": {c.value: c.label for c in IncomeKind},
    "juminzei_collection": {"ordinary": "普通徴収", "special": "特別徴収"},
    "juminzei_exempt": {"": "課税", "full": "非課税（全部）", "per_capita": "非課税（均等割・所得割）",
                        "income_levy": "所得割非課税（均等割のみ）"},
    "juminzei_status": {"ok": "計算済み", "unsupported": "自動計算の対象外（要確認）"},
}
