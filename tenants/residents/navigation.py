"""The residents registry's menu: only the pages the caller's roles may open (permissions.py decides)."""

from __future__ import annotations

from django.urls import reverse

from kyodo.registry import NavItem

from . import permissions

# (label, URL name, the check the page's view applies)
MENU = (
    ("住民検索", "residents:search", permissions.can_read),
    ("転入届の入力", "residents:move_in", permissions.can_enter_change),
    ("審査・決裁", "residents:approval_queue", permissions.can_read),
    ("交付履歴", "residents:issuance_list", permissions.can_read),
    ("閲覧", "residents:inspection_list", permissions.can_read),
    ("支援措置", "residents:measures", permissions.can_manage_measures),
    ("警告", "residents:alerts", permissions.can_supervise),
    ("監査ログ", "residents:audit_log", permissions.can_read_audit),
)


def residents_navigation(request) -> list[NavItem]:
    principal, town = getattr(request, "principal", None), request.tenant
    if principal is None:
        return []
    allowed = [(label, reverse(name)) for label, name, check in MENU if check(principal, town)]
    path = request.path_info
    # The page being shown: the entry whose URL is the longest prefix of the path.
    matching = [url for _, url in allowed if path == url or (url != "/residents/" and path.startswith(url))]
    current = max(matching, key=len) if matching else (path if path == "/residents/" else "")
    return [NavItem(label, url, url == current) for label, url in allowed]
