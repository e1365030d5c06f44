"""固定資産税's audit actions and code tables (merged by tenants/tax/display.py)."""

from __future__ import annotations

from .models import NoticeKind, ParcelKind, ParcelStatus

AUDIT_ACTIONS: dict[str, str] = {
    "kotei.parcel.create": "固定資産課税台帳の登録",
    "kotei.parcel.search": "固定資産の検索",
    "kotei.parcel.read": "固定資産の照会",
    "kotei.assessment.calculate": "固定資産税の一括計算",
    "kotei.assessment.calculate_one": "固定資産税の計算（単票）",
    "kotei.assessment.list": "固定資産税の賦課一覧",
    "kotei.assessment.read": "固定資産税の課税明細の照会",
    "kotei.notice.issue": "固定資産税の納税通知書の発付",
    "kotei.notice.print": "固定資産税の納税通知書の印刷",
    "kotei.notice.import": "登記済通知の取込",
    "kotei.notice.apply": "登記済通知の反映",
    "kotei.inquiry.read": "固定資産税の統合照会",
    "kotei.heir.set": "相続人代表者の指定",
}

LABELS: dict = {
    "kotei_parcel_kind": {c.value: c.label for c in ParcelKind},
    "kotei_parcel_status": {c.value: c.label for c in ParcelStatus},
    "kotei_notice_kind": {c.value: c.label for c in NoticeKind},
}
