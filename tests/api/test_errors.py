"""The GraphQL error shape of kyodo.api.errors.ApiError."""

from __future__ import annotations

import pytest

from kyodo.api.errors import ApiError


def test_an_api_error_is_a_graphql_error_with_code_both_messages_path_and_extra():
    error = ApiError("PAGE_SIZE_INVALID", message_ja="towns の first は 0 以上 250 以下で指定してください",
                     message_en="first at towns must be between 0 and 250", path=["towns", 0],
                     extra={"maximum": 250})
    assert error.as_graphql_error() == {
        "message": "first at towns must be between 0 and 250",
        "path": ["towns", 0],
        "extensions": {"code": "PAGE_SIZE_INVALID", "messageJa": "towns の first は 0 以上 250 以下で指定してください",
                       "messageEn": "first at towns must be between 0 and 250", "maximum": 250},
    }
    assert str(error) == "first at towns must be between 0 and 250"


def test_without_a_path_the_error_has_none_and_extra_cannot_override_the_code():
    error = ApiError("THROTTLED", message_ja="しばらく待ってから再度実行してください", message_en="Throttled",
                     extra={"code": "OTHER", "retryAfterSeconds": 1.5})
    shaped = error.as_graphql_error()
    assert "path" not in shaped
    assert shaped["extensions"]["code"] == "THROTTLED"
    assert shaped["extensions"]["retryAfterSeconds"] == 1.5


def test_an_unknown_code_is_a_programming_error():
    with pytest.raises(ValueError):
        ApiError("Throttled", message_ja="x", message_en="x")
