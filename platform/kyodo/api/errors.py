"""Typed API errors (エラー): a stable ``code``, a message in Japanese and in English, and the path
of the field concerned. Vendors branch on ``extensions.code``; people read the messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ApiError(Exception):
    """An error the API answers with its own code and messages (never internals)."""

    def __init__(self, code: str, message_ja: str, message_en: str, *, path: Sequence[str | int] | None = None,
                 status: int = 400, extra: Mapping[str, Any] | None = None, **more: Any) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en
        self.path = list(path) if path is not None else None
        self.status = status  # the HTTP status when the error refuses the whole request
        self.extra = {**(extra or {}), **more}

    def as_graphql_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message_en,
                                 "extensions": {"code": self.code, "messageJa": self.message_ja,
                                                "messageEn": self.message_en, **self.extra}}
        if self.path:
            error["path"] = list(self.path)
        return error


def not_found(what: str = "") -> ApiError:
    """What a missing record, a record of another town and a record of a dataset the caller may not
    read all answer: the same words."""
    return ApiError("NOT_FOUND", "指定したデータは見つかりません。", "The requested record was not found.")


def forbidden() -> ApiError:
    return ApiError("FORBIDDEN", "このデータを参照する権限がありません。",
                    "This token does not allow access to this data.")


def invalid(field: str, message_ja: str, message_en: str) -> ApiError:
    return ApiError("BAD_USER_INPUT", message_ja, message_en, field=field)
