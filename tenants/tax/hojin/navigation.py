"""hojin's entries in 税務's menu: (label, URL name, permission check)."""

from __future__ import annotations

MENU: tuple[tuple, ...] = ()
