"""法人住民税's audit actions and code tables (merged by tenants/tax/display.py)."""

from __future__ import annotations

from .models import CorporateReturnKind, CorporationStatus

AUDIT_ACTIONS: dict[str, str] = {
    "corporation.search": "法人の検索",
    "corporation.read": "法人の照会",
    "corporation.register": "法人の登録",
    "corporation.update": "法人の変更",
    "corporation.return_filed": "法人住民税の申告受付",
}

LABELS: dict = {
    "tax_hojin_status": {c.value: c.label for c in CorporationStatus},
    "tax_hojin_return_kind": {c.value: c.label for c in CorporateReturnKind},
}

