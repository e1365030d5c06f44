"""国保's menu: only the pages the caller's roles may open."""

from __future__ import annotations

from django.urls import reverse

from kyodo.registry import NavItem

from . import permissions

MENU: tuple[tuple, ...] = (
    ("作業一覧", "nhi:workitems", permissions.can_read),
    ("賦課", "nhi:levy_home", permissions.can_levy),
    ("税率表", "nhi:levy_tables", permissions.can_levy),
)


def nhi_navigation(request) -> list[NavItem]:
    principal, town = getattr(request, "principal", None), request.tenant
    if principal is None:
        return []
    path = request.path_info
    return [NavItem(label, reverse(name), path == reverse(name)) for label, name, check in MENU if check(principal, town)]
