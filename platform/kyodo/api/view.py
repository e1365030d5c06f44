"""The API endpoint (``/graphql/`` on every town host, and on the console's host for onboarding).

One request, in order: size and shape of the body → the caller (bearer token, or a staff session
with its CSRF token) → the caller's reach in this town → the document (registered query or text),
parsed with a token limit → standard validation (introspection off for vendors outside debug) →
static cost, depth, alias and node limits → the leaky bucket of caller × town → execution → the
actual cost refunded → one audit entry per application of every person read → the answer, with
``extensions.cost``. Every refusal is a typed error (kyodo.api.errors); nothing answers 500."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError, OperationDefinitionNode, execute_sync, validate

from kyodo.identity.permissions import is_prefecture_admin, town_roles
from kyodo.identity.principal import STAFF, VENDOR, Principal, StaffPrincipal, describe, staff_principal
from kyodo.identity.selectors import ServiceTokenInvalid, bearer_principal
from kyodo.observability import context as work_context
from kyodo.tenancy.models import MunicipalityStatus

from . import limits, throttle
from .context import ApiContext
from .errors import ApiError
from .models import PersistedQuery
from .schema import schema

log = logging.getLogger("kyodo.api")

INTROSPECTION_CACHE_SECONDS = 30


def _json(body: dict, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _refusal(error: ApiError, *, status: int | None = None, cost: dict | None = None,
             headers: dict | None = None) -> JsonResponse:
    body: dict[str, Any] = {"errors": [error.as_graphql_error()]}
    if cost is not None:
        body["extensions"] = {"cost": cost}
    return _json(body, status=status or error.status or 400, headers=headers)


def _town(request: HttpRequest):
    town = getattr(request, "tenant", None)
    return None if town is None or town.schema_name == "public" else town


def _principal(request: HttpRequest, town) -> tuple[Principal, bool]:
    """The caller and whether they came with a bearer token (else a session, which needs CSRF)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError("UNAUTHENTICATED", "Authorization ヘッダーは Bearer トークンで指定してください。",
                           "Send the token as `Authorization: Bearer <token>`.", status=401)
        try:
            return _cached_bearer(token.strip(), town), True
        except ServiceTokenInvalid:
            raise ApiError("UNAUTHENTICATED", "トークンが無効か期限切れです。", "The token is invalid or expired.",
                           status=401) from None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from kyodo.identity.oidc import session_check

        if not session_check(request):  # the identity provider no longer vouches for this session
            raise ApiError("UNAUTHENTICATED", "ログインの有効期限が切れました。", "The session has ended.", status=401)
        if town is None:
            roles = {"prefecture_admin"} if is_prefecture_admin(user) else set()
            return StaffPrincipal(user_id=user.pk, username=user.get_username(), municipality_code="",
                                  roles=frozenset(roles)), False
        return staff_principal(user, town, town_roles(user, town)), False
    raise ApiError("UNAUTHENTICATED", "認証が必要です（Bearer トークン）。", "Authentication required (a bearer token).",
                   status=401)


def _cached_bearer(token: str, town) -> Principal:
    """Introspection answers are kept for a few seconds per token and town (the key is a hash of the
    token: the token itself is never stored), so a vendor paging through a list is not slowed by a
    round trip to the realm for every page; a revoked token stops working within that time."""
    from django.core.cache import cache

    from kyodo.identity.principal import from_task

    key = "kyodo:api:principal:" + hashlib.sha256(f"{getattr(town, 'code', '')}:{token}".encode()).hexdigest()
    hit = cache.get(key)
    if hit is not None:
        return from_task(hit)
    principal = bearer_principal(token, town)
    cache.set(key, principal.to_task(), INTROSPECTION_CACHE_SECONDS)
    return principal


def _reaches(principal: Principal, town) -> bool:
    if town is None:
        return principal.kind == STAFF
    if principal.kind == VENDOR:
        return town.code in principal.municipality_codes  # type: ignore[union-attr]
    return bool(principal.roles_in(town))


def _body(request: HttpRequest, limit: int) -> dict:
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit:
        raise ApiError("BODY_TOO_LARGE", f"要求の本文が上限（{limit} バイト）を超えています。",
                       f"The request body exceeds {limit} bytes.", status=413)
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise ApiError("BODY_TOO_LARGE", f"要求の本文が上限（{limit} バイト）を超えています。",
                       f"The request body exceeds {limit} bytes.", status=413)
    if not request.content_type or request.content_type != "application/json":
        raise ApiError("BAD_REQUEST", "Content-Type は application/json にしてください。",
                       "The body must be application/json.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError("BAD_REQUEST", "要求の本文が正しい JSON ではありません。", "The body is not valid JSON.") from None
    try:
        # A JSON escape may encode half of a surrogate pair ("\ud800"): not text, and an answer that
        # echoed it (an operation name, a variable's value) could not be encoded.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        raise ApiError("BAD_REQUEST", "要求の本文に文字として正しくない値（サロゲート）が含まれています。",
                       "The body contains a lone surrogate, which is not text.") from None
    if isinstance(data, list):
        raise ApiError("BATCH_NOT_SUPPORTED", "複数の操作を一度に送ることはできません。1件ずつ送ってください。",
                       "Batched requests are not supported: send one operation per request.")
    if not isinstance(data, dict):
        raise ApiError("BAD_REQUEST", "要求の本文は JSON オブジェクトにしてください。", "The body must be a JSON object.")
    return data


def _text(data: dict, name: str, limit: int) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError("BAD_REQUEST", f"{name} は文字列で指定してください。", f"`{name}` must be a string.")
    if "\x00" in value:
        raise ApiError("BAD_REQUEST", f"{name} に NUL 文字は使えません。", f"`{name}` must not contain NUL.")
    if len(value) > limit:
        raise ApiError("BAD_REQUEST", f"{name} が長すぎます。", f"`{name}` is too long.")
    return value


def _has_nul(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return True
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def _document_text(data: dict, principal: Principal, body_limit: int) -> str:
    """The query text: sent as ``query``, or registered beforehand and named by its SHA-256 in
    ``extensions.persistedQuery.sha256Hash`` (required for a vendor whose account says so)."""
    query = _text(data, "query", body_limit)
    extensions = data.get("extensions") or {}
    if not isinstance(extensions, dict):
        raise ApiError("BAD_REQUEST", "extensions は JSON オブジェクトにしてください。", "`extensions` must be an object.")
    persisted = extensions.get("persistedQuery")
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if digest is not None:
        if not isinstance(digest, str) or len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ApiError("PERSISTED_QUERY_NOT_FOUND", "登録済みクエリのハッシュが正しくありません。",
                           "The persisted query hash is malformed.")
        owner = principal.client_id if principal.kind == VENDOR else ""  # type: ignore[union-attr]
        row = PersistedQuery.objects.filter(client_id=owner, sha256=digest).first()
        if row is None:
            raise ApiError("PERSISTED_QUERY_NOT_FOUND", "このハッシュのクエリは登録されていません。",
                           "No query is registered under this hash for this client.")
        if query is not None and hashlib.sha256(query.encode()).hexdigest() != digest:
            raise ApiError("BAD_REQUEST", "query と sha256Hash が一致しません。", "`query` does not match `sha256Hash`.")
        return row.document
    if principal.kind == VENDOR and principal.persisted_only:  # type: ignore[union-attr]
        raise ApiError("PERSISTED_QUERY_REQUIRED", "このクライアントは登録済みクエリのみ実行できます。",
                       "This client may run registered (persisted) queries only.")
    if not query:
        raise ApiError("BAD_REQUEST", "query を指定してください。", "`query` is required.")
    return query


def _operation(document, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        named = [o for o in operations if o.name is not None and o.name.value == operation_name]
        if not named:
            raise ApiError("BAD_REQUEST", f"操作 {operation_name[:50]} が文書にありません。",
                           f"Operation `{operation_name[:50]}` is not in the document.")
        return named[0]
    if len(operations) != 1:
        raise ApiError("BAD_REQUEST", "複数の操作がある文書では operationName を指定してください。",
                       "A document with several operations needs `operationName`.")
    return operations[0]


def _format(error: GraphQLError, debug: bool, vendor: bool) -> dict:
    original = error.original_error
    if isinstance(original, ApiError):
        formatted = original.as_graphql_error()
        if error.path:
            formatted["path"] = list(error.path)
        return formatted
    if isinstance(original, PermissionDenied):
        return ApiError("FORBIDDEN", "このデータを参照する権限がありません。", "Not allowed.",
                        path=list(error.path or [])).as_graphql_error()
    if isinstance(original, ValidationError):
        messages = [m for ms in getattr(original, "message_dict", {"": original.messages}).values() for m in ms]
        return ApiError("BAD_USER_INPUT", " ".join(messages)[:500], "The input was refused (see messageJa).",
                        path=list(error.path or [])).as_graphql_error()
    if original is not None:
        log.error("API resolver failed at %s", error.path, exc_info=original)
        return ApiError("INTERNAL", "内部エラーが発生しました。時間をおいて再度お試しください。",
                        "Internal error; please retry later.", path=list(error.path or [])).as_graphql_error()
    message = limits.scrub_suggestions(error.message) if vendor and not debug else error.message
    formatted = {"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED", "messageEn": message,
                                                     "messageJa": "クエリがスキーマに合っていません。"}}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return formatted


def _flush_audit(context: ApiContext) -> None:
    """One audit entry per application and action for the persons this request read."""
    if context.town is None:
        return
    from kyodo.tenantlog import audit

    for application, actions in context.reads.items():
        for action, persons in actions.items():
            if persons:
                audit.record(application=application, town=context.town, actor=context.principal, action=action,
                             persons=persons, purpose=context.purpose, channel="api",
                             operation=context.operation_name[:100])


@functools.lru_cache(maxsize=8)
def _bucket(size: int, restore_rate: float) -> throttle.Bucket:
    return throttle.Bucket(size=size, restore_rate=restore_rate)


@csrf_exempt
def graphql_endpoint(request: HttpRequest) -> HttpResponse:
    try:
        return _serve(request)
    except ApiError as error:
        headers = {"WWW-Authenticate": 'Bearer realm="kyodo"'} if error.status == 401 else None
        return _refusal(error, headers=headers)
    except Exception:  # a fault of ours: logged with its traceback; the caller learns nothing of it
        log.exception("API request failed")
        return _refusal(ApiError("INTERNAL", "内部エラーが発生しました。時間をおいて再度お試しください。",
                                 "Internal error; please retry later.", status=500))


def _serve(request: HttpRequest) -> HttpResponse:
    config = limits.Limits.from_config(settings.KYODO_API)
    town = _town(request)
    if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
        from .graphiql import graphiql_page

        return graphiql_page(request, town)
    if request.method != "POST":
        return _refusal(ApiError("METHOD_NOT_ALLOWED", "POST で送ってください。", "Use POST.", status=405),
                        headers={"Allow": "POST"})
    principal, bearer = _principal(request, town)
    work_context.bind_principal(principal)  # for the log lines of this request
    if not bearer:
        reason = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, lambda r: HttpResponse(), (), {})
        if reason is not None:
            raise ApiError("FORBIDDEN", "CSRF トークンが確認できません。", "CSRF verification failed.", status=403)
    if not _reaches(principal, town):
        raise ApiError("FORBIDDEN", "このトークンではこの団体のデータを参照できません。",
                       "This token does not give access to this town.", status=403)
    if town is not None and town.status != MunicipalityStatus.ACTIVE:
        raise ApiError("TOWN_UNAVAILABLE", "この団体は現在利用停止中です。", "This town is not available at present.",
                       status=403)
    data = _body(request, config.max_body_bytes)
    source = _document_text(data, principal, config.max_body_bytes)
    operation_name = _text(data, "operationName", 100)
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ApiError("BAD_REQUEST", "variables は JSON オブジェクトにしてください。", "`variables` must be an object.")
    if _has_nul(variables):
        raise ApiError("BAD_REQUEST", "variables に NUL 文字は使えません。", "`variables` must not contain NUL.")
    debug = bool(settings.DEBUG)
    vendor = principal.kind == VENDOR
    document = limits.parse_document(source, config)
    graphql_schema = schema().graphql_schema
    errors = validate(graphql_schema, document, limits.validation_rules(allow_introspection=debug or not vendor))
    if errors:
        return _json({"errors": [_format(e, debug, vendor) for e in errors[:20]]}, status=400)
    operation = _operation(document, operation_name)
    analysis = limits.analyse(graphql_schema, document, variables, operation_name, config)
    who = principal.audit_actor()
    bucket_key = f"{who.kind}.{who.id}"[:100]
    town_key = getattr(town, "code", "") or "public"
    bucket = _bucket(settings.KYODO_API.bucket_size, settings.KYODO_API.restore_rate)
    status = bucket.take(bucket_key, town_key, analysis.requested_cost)
    cost = {"requestedQueryCost": analysis.requested_cost, "actualQueryCost": None,
            "throttleStatus": status.as_extension()}
    if not status.allowed:
        retry = max(1, int(status.retry_after_seconds + 0.999))
        return _refusal(ApiError("THROTTLED", f"利用上限に達しました。{retry} 秒後に再度お試しください。",
                                 f"Throttled: retry in {retry} s.", retryAfter=retry),
                        status=429, cost=cost, headers={"Retry-After": str(retry)})
    name = operation.name.value if operation.name is not None else ""
    context = ApiContext(principal=principal, town=town, operation_name=name, debug=debug,
                         idempotency_key=(request.headers.get("Idempotency-Key") or "")[:100])
    if "\x00" in context.idempotency_key:
        raise ApiError("BAD_REQUEST", "Idempotency-Key に NUL 文字は使えません。", "NUL in Idempotency-Key.")
    with transaction.atomic():
        result = execute_sync(graphql_schema, document, context_value=context, variable_values=variables,
                              operation_name=operation_name)
        _flush_audit(context)  # in the same transaction: no answer leaves without its audit entry
    actual = limits.actual_cost(graphql_schema, document, operation_name, variables, result.data)
    status = bucket.refund(bucket_key, town_key, max(0, analysis.requested_cost - actual))
    cost = {"requestedQueryCost": analysis.requested_cost, "actualQueryCost": actual,
            "throttleStatus": status.as_extension()}
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_format(e, debug, vendor) for e in result.errors]
    body["data"] = result.data
    body["extensions"] = {"cost": cost}
    log.info("api %s %s %s cost=%s/%s", describe(principal), town_key, name or "-", analysis.requested_cost, actual)
    return _json(body)
