"""Input hygiene at the edge: a request whose path, query, form or upload carries a value we never accept
(NUL, text that is not UTF-8, more than Django's DATA_UPLOAD_MAX_* limits) is answered 400 with a message
naming the parameter, before any view or query runs; ids are parsed strictly with ``ascii_int``."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError

log = logging.getLogger(__name__)

# 18 digits always fit in a PostgreSQL bigint; [0-9] and not \d, which also matches "²", "１" and "٣".
ASCII_ID = re.compile(r"[0-9]{1,18}")  # an id as typed: the one rule, here and in services
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class InvalidInput(ValidationError):
    """A request parameter we refuse outright; ``InputHygieneMiddleware`` answers it with 400."""

    def __init__(self, field: str, message: str, english: str) -> None:
        super().__init__({field: [message]})
        self.field = field
        self.message_ja = message
        self.message_en = english


def _shown(name: str) -> str:
    """A parameter name as it may appear in a message: NUL visible, length bounded."""
    return name.replace("\x00", "\\0")[:60]


def ascii_int(value, *, field: str) -> int:
    """The id in ``value`` if it is 1 to 18 ASCII digits, else ``InvalidInput`` naming ``field``.
    (Python's ``str.isdigit`` and ``int`` accept "²", "１２" and other scripts' digits; we do not.)"""
    if isinstance(value, str) and ASCII_ID.fullmatch(value):
        return int(value)
    raise InvalidInput(field, f"入力値 '{_shown(field)}' は半角数字（0〜9、18桁まで）で入力してください。",
                       f"Input '{_shown(field)}' must be 1 to 18 ASCII digits (0-9).")


def optional_ascii_int(value, *, field: str) -> int | None:
    """``ascii_int`` for an optional parameter: None when absent or empty."""
    return None if value in (None, "") else ascii_int(value, field=field)


def _nul(name: str) -> InvalidInput:
    return InvalidInput(name, f"入力値 '{_shown(name)}' に使用できない文字（NUL）が含まれています。",
                        f"Input '{_shown(name)}' contains a character that is not allowed (NUL).")


def _not_text(name: str, encoding: str) -> InvalidInput:
    return InvalidInput(name, f"入力値 '{_shown(name)}' の文字コードが {encoding.upper()} ではありません。",
                        f"Input '{_shown(name)}' is not valid {encoding.upper()} text.")


def _check_pairs(data: QueryDict) -> None:
    for key, values in data.lists():
        if "\x00" in key:
            raise _nul(key)
        for value in values:
            if "\x00" in value:
                raise _nul(key)


def _undecodable(raw: bytes, encoding: str) -> str | None:
    """The name of the first parameter of URL-encoded ``raw`` whose key or value is not text in
    ``encoding`` (Django decodes them with replacement characters and carries on)."""
    for part in raw.split(b"&"):
        key, _, value = part.partition(b"=")
        for piece in (key, value):
            try:
                unquote_to_bytes(piece.replace(b"+", b" ")).decode(encoding)
            except UnicodeDecodeError:
                return unquote_to_bytes(key.replace(b"+", b" ")).decode(encoding, "replace")
    return None


def check_request(request) -> None:
    """Raise ``InvalidInput`` (or Django's own SuspiciousOperation for its size limits) for a request
    we refuse. Reads ``request.GET``, and ``request.POST``/``FILES`` for form submissions, as Django
    would for the view."""
    encoding = request.encoding or settings.DEFAULT_CHARSET
    try:
        get_bytes_from_wsgi(request.environ, "PATH_INFO", "").decode("utf-8")
    except UnicodeDecodeError:
        raise _not_text("path", "utf-8") from None
    except UnicodeEncodeError:
        pass  # already text beyond latin-1 (Django's test client hands the decoded path): nothing to decode
    if "\x00" in request.path or "\x00" in request.path_info:
        raise _nul("path")
    _check_pairs(request.GET)
    name = _undecodable(get_bytes_from_wsgi(request.environ, "QUERY_STRING", ""), encoding)
    if name is not None:
        raise _not_text(name, encoding)
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.content_type.startswith(_FORM_TYPES):
        return
    _check_pairs(request.POST)
    if request.content_type == "multipart/form-data":
        for key, files in request.FILES.lists():
            if "\x00" in key or any("\x00" in (f.name or "") for f in files):
                raise _nul(key)
        for key, values in request.POST.lists():
            if "\ufffd" in key or any("\ufffd" in v for v in values):  # how the parser marks undecodable bytes
                raise _not_text(key, encoding)
    else:
        name = _undecodable(request.body, encoding)
        if name is not None:
            raise _not_text(name, encoding)


def _limit_message(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return (f"送信されたデータが上限（{limit} バイト）を超えています。",
                f"The request body exceeds the limit of {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).")
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return (f"入力項目の数が上限（{limit}）を超えています。",
                f"More than {limit} parameters were sent (DATA_UPLOAD_MAX_NUMBER_FIELDS).")
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return (f"ファイルの数が上限（{limit}）を超えています。",
                f"More than {limit} files were sent (DATA_UPLOAD_MAX_NUMBER_FILES).")
    return ("送信されたデータの形式が正しくありません。", "The request data is malformed.")


def bad_request(japanese: str, english: str) -> HttpResponse:
    return HttpResponse(f"{japanese}\n{english}\n", status=400, content_type="text/plain; charset=utf-8")


class InputHygieneMiddleware:
    """Early in MIDDLEWARE (after the town is resolved): refuse bad input before sessions, CSRF, auth and
    views read it; and answer an ``InvalidInput`` raised by a view (``ascii_int``) with the same 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            check_request(request)
        except InvalidInput as exc:
            log.warning("refused input on %s %s: %s", request.method, request.path_info[:200].replace("\x00", "\\0"),
                        exc.message_en)
            return bad_request(exc.message_ja, exc.message_en)
        except (SuspiciousOperation, MultiPartParserError) as exc:
            japanese, english = _limit_message(exc)
            log.warning("refused input on %s %s: %s", request.method, request.path_info[:200].replace("\x00", "\\0"),
                        english)
            return bad_request(japanese, english)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, InvalidInput):
            log.warning("refused input on %s %s: %s", request.method, request.path_info[:200], exception.message_en)
            return bad_request(exception.message_ja, exception.message_en)
        return None
