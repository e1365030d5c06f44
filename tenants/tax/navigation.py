"""税務's menu: 税務のトップ, then each tax's pages (its ``navigation.MENU``), only those the caller's roles may open."""

from __future__ import annotations

from django.urls import reverse

from kyodo.registry import NavItem

from . import permissions
from .hojin import navigation as hojin_nav
from .juminzei import navigation as juminzei_nav
from .kotei import navigation as kotei_nav

MENU: tuple[tuple, ...] = (
    ("税務のトップ", "tax:home", permissions.can_read),
    ("作業一覧", "tax:workitems", permissions.can_read),
    *juminzei_nav.MENU, *hojin_nav.MENU, *kotei_nav.MENU,
)


def tax_navigation(request) -> list[NavItem]:
    principal, town = getattr(request, "principal", None), request.tenant
    if principal is None:
        return []
    path = request.path_info
    return [NavItem(label, reverse(name), path == reverse(name)) for label, name, check in MENU if check(principal, town)]
