"""The residents registry's menu: only the pages the caller's roles may open (permissions.py decides)."""

from __future__ import annotations

from django.urls import reverse

from kyodo.registry import NavItem

from . import permissions

# (label, URL name, the check the page's view applies[, element id])
MENU: tuple[tuple, ...] = (
    ("住民検索", "residents:search", permissions.can_read),
    ("転入届の入力", "residents:move_in", permissions.can_enter_change),
    ("審査・決裁", "residents:approval_queue", permissions.can_read),
    ("交付履歴", "residents:issuance_list", permissions.can_read),
    ("閲覧", "residents:inspection_list", permissions.can_read),
    ("住民一覧の出力", "residents:export", permissions.can_export, "nav-export"),
    ("支援措置", "residents:measures", permissions.can_manage_measures),
    ("警告", "residents:alerts", permissions.can_supervise),
    ("監査ログ", "residents:audit_log", permissions.can_read_audit),
)


def residents_navigation(request) -> list[NavItem]:
    principal, town = getattr(request, "principal", None), request.tenant
    if principal is None:
        return []
    allowed = [(entry[0], reverse(entry[1]), entry[3] if len(entry) > 3 else "") for entry in MENU
               if entry[2](principal, town)]
    path = request.path_info
    # The page being shown: the entry whose URL is the longest prefix of the path.
    matching = [url for _, url, _ in allowed if path == url or (url != "/residents/" and path.startswith(url))]
    current = max(matching, key=len) if matching else (path if path == "/residents/" else "")
    return [NavItem(label, url, url == current, element_id) for label, url, element_id in allowed]
