"""Errors of the vendor API (ベンダー向けAPI), each with a stable code and a Japanese and English message,
shaped as a GraphQL error (``extensions.code``, ``extensions.messageJa``) for the response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CODES = frozenset({
    "BAD_REQUEST",
    "BODY_TOO_LARGE",
    "FORBIDDEN",
    "MAX_COST_EXCEEDED",
    "MAX_DEPTH_EXCEEDED",
    "MAX_NODES_EXCEEDED",
    "NOT_FOUND",
    "PAGE_SIZE_INVALID",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_REQUIRED",
    "SYNTAX",
    "THROTTLED",
    "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS",
    "UNAUTHENTICATED",
    "VALIDATION",
})


class ApiError(Exception):
    """A refusal the vendor sees as one GraphQL error. ``path`` is the response path of the field at
    fault (aliases as written); ``extra`` goes into ``extensions`` next to the code and messages."""

    def __init__(self, code: str, *, message_ja: str, message_en: str,
                 path: Sequence[str | int] | None = None, extra: Mapping[str, Any] | None = None) -> None:
        if code not in CODES:
            raise ValueError(f"unknown API error code {code!r}")
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en
        self.path = list(path) if path is not None else None
        self.extra = dict(extra or {})

    def as_graphql_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message_en}
        if self.path is not None:
            error["path"] = list(self.path)
        error["extensions"] = {**self.extra, "code": self.code, "messageJa": self.message_ja,
                               "messageEn": self.message_en}
        return error

    def __repr__(self) -> str:
        return f"ApiError({self.code!r}, path={self.path!r}, message_en={self.message_en!r})"
