"""hojin's entries in 税務's menu: (label, URL name, permission check)."""

from __future__ import annotations

from .. import permissions

MENU: tuple[tuple, ...] = (
    ("法人住民税（法人の検索）", "tax:hojin_corporations", permissions.can_read),
)
