"""juminzei's entries in 税務's menu: (label, URL name, permission check)."""

from __future__ import annotations

from tenants.tax import permissions

MENU: tuple[tuple, ...] = (
    ("個人住民税 納税義務者", "tax:juminzei_taxpayers", permissions.can_read),
    ("個人住民税 年度の処理", "tax:juminzei_year", permissions.can_read),
    ("個人住民税 所得資料の取込", "tax:juminzei_incomes", permissions.can_record),
)
