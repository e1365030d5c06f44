"""The guard every town application's page shares: the caller's principal must exist and pass the page's
permission check (which also says whether the town enabled the application), a missing record — or another
town's, which the schema makes missing — gets the application's one 404 page, and a refusal the portal's 403."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.shortcuts import render


def refused(request):
    return render(request, "core/refused.html", status=403)


def application_view(check: Callable, *, not_found: tuple[type[BaseException], ...], not_found_template: str):
    """Decorator for a view called as ``view(request, town, *args)``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            town, principal = request.tenant, getattr(request, "principal", None)
            if principal is None or not check(principal, town):
                return refused(request)
            try:
                return view(request, town, *args, **kwargs)
            except not_found:
                return render(request, not_found_template, status=404)
            except PermissionDenied:
                return refused(request)
        return wrapper

    return decorator
