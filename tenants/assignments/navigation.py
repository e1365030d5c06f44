"""業務配分's menu."""

from __future__ import annotations

from django.urls import reverse

from kyodo.registry import NavItem

from . import permissions


def assignments_navigation(request) -> list[NavItem]:
    principal, town = getattr(request, "principal", None), request.tenant
    if principal is None or not permissions.can_work(principal, town):
        return []
    return [NavItem(label, reverse(name), request.path_info == reverse(name))
            for label, name in (("配分計画", "assignments:home"), ("ダッシュボード", "assignments:dashboard"))]
