"""Typed API errors (エラー): a stable ``code``, a message in Japanese and in English, and the path
of the field concerned, shaped as a GraphQL error (``extensions.code``, ``extensions.messageJa``).
Vendors branch on ``extensions.code``; people read the messages. Never internals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CODES = frozenset({
    "BAD_REQUEST", "BAD_USER_INPUT", "BATCH_NOT_SUPPORTED", "BODY_TOO_LARGE", "FORBIDDEN",
    "IDEMPOTENCY_KEY_IN_USE", "IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_REUSED", "INTERNAL", "INVALID_CURSOR",
    "MAX_COST_EXCEEDED", "MAX_DEPTH_EXCEEDED", "MAX_NODES_EXCEEDED", "METHOD_NOT_ALLOWED", "NOT_ACCEPTABLE",
    "NOT_FOUND", "PAGE_SIZE_INVALID", "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_REQUIRED", "SYNTAX",
    "THROTTLED", "TOO_MANY_ALIASES", "TOO_MANY_IDS", "TOO_MANY_TOKENS", "TOWN_UNAVAILABLE", "UNAUTHENTICATED",
    "VALIDATION",
})


class ApiError(Exception):
    """A refusal the caller sees as one GraphQL error. ``path`` is the response path of the field at
    fault (aliases as written); ``extra`` (and any further keyword) goes into ``extensions`` next to
    the code and messages; ``status`` is the HTTP status when the error refuses the whole request."""

    def __init__(self, code: str, message_ja: str, message_en: str, *, path: Sequence[str | int] | None = None,
                 status: int = 400, extra: Mapping[str, Any] | None = None, **more: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown API error code {code!r}")
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en
        self.path = list(path) if path is not None else None
        self.status = status
        self.extra = {**(extra or {}), **more}

    def as_graphql_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message_en}
        if self.path is not None:
            error["path"] = list(self.path)
        error["extensions"] = {**self.extra, "code": self.code, "messageJa": self.message_ja,
                               "messageEn": self.message_en}
        return error

    def __repr__(self) -> str:
        return f"ApiError({self.code!r}, path={self.path!r}, message_en={self.message_en!r})"


def not_found() -> ApiError:
    """What a missing record, a record of another town and a record of a dataset the caller may not
    read all answer: the same words."""
    return ApiError("NOT_FOUND", "指定したデータは見つかりません。", "The requested record was not found.")


def forbidden() -> ApiError:
    return ApiError("FORBIDDEN", "このデータを参照する権限がありません。",
                    "This token does not allow access to this data.", status=403)
