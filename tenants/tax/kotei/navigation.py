"""kotei's entries in 税務's menu: (label, URL name, permission check)."""

from __future__ import annotations

from tenants.tax import permissions

MENU: tuple[tuple, ...] = (
    ("固定資産の検索", "tax:kotei_parcels", permissions.can_read),
    ("固定資産税の賦課", "tax:kotei_assessments", permissions.can_read),
    ("登記済通知の取込", "tax:kotei_notices", permissions.can_record),
    ("評価変更の作業", "tax:kotei_work", permissions.can_read),
)
