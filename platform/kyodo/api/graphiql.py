"""GraphiQL (the in-browser query editor) for staff, and for anyone in debug mode."""

from __future__ import annotations

from .errors import ApiError


def graphiql_page(request, town):
    raise ApiError("NOT_ACCEPTABLE", "この画面はまだ用意されていません。", "GraphiQL is not available here.", status=406)
