"""The platform's own part of the API: the town's facts (団体情報), node lookups, the change feed
(変更フィード) and onboarding a town (``municipalityCreate``, 県管理者 only)."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
from dataclasses import dataclass
from typing import Any

import graphene
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from graphene.types.generic import GenericScalar

from kyodo import registry
from kyodo.identity.models import StaffRole
from kyodo.identity.principal import STAFF, VENDOR

from . import ids
from .context import ApiContext, context_of
from .errors import ApiError, forbidden
from .models import IdempotencyKey
from .types import MAX_PAGE, Node, PageInfo, after_key, page_size

MAX_NODES = 100


class Municipality(graphene.ObjectType):
    """地方公共団体: the town this endpoint serves."""

    code = graphene.String(required=True, description="団体コード (6 digits with check digit)")
    name = graphene.String(required=True)
    name_kana = graphene.String(required=True)
    prefecture = graphene.String(required=True)
    status = graphene.String(required=True, description="active, suspended, merged or closed")
    datasets = graphene.List(graphene.NonNull(graphene.String), required=True,
                             description="The datasets this token may read in this town.")


class FeedEvent(graphene.ObjectType):
    """One event of the change feed, as the vendor may see it."""

    event_id = graphene.ID(required=True, description="The same on every delivery: de-duplicate by it.")
    type = graphene.String(required=True)
    application = graphene.String(required=True)
    occurred_at = graphene.DateTime(required=True)
    actor_kind = graphene.String(required=True, description="staff, vendor or system")
    subjects = graphene.List(graphene.NonNull(graphene.ID), required=True,
                             description="Node ids of the records the event concerns (fetch them with `nodes`).")
    data = GenericScalar(required=True, description="The event's own facts (no personal data).")


class FeedEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(FeedEvent, required=True)


class FeedConnection(graphene.ObjectType):
    """A page of the change feed. Resume with ``after: pageInfo.endCursor``; an empty page with the
    same end cursor means nothing new yet."""

    edges = graphene.List(graphene.NonNull(FeedEdge), required=True)
    nodes = graphene.List(graphene.NonNull(FeedEvent), required=True)
    page_info = graphene.Field(PageInfo, required=True)

    def resolve_nodes(self, info):
        return [edge.node for edge in self.edges]


@dataclass(frozen=True)
class ApiParts:
    """What the applications declare for the API, gathered once (the registry is fixed while the
    process runs; ``registry.temporarily`` clears it): their modules, node resolvers by type name,
    feed filters by application code, staff read checks by dataset."""

    modules: tuple[Any, ...]
    nodes: dict[str, Any]
    feeds: dict[str, tuple[Any, Any]]
    staff_reads: dict[str, Any]


@functools.lru_cache(maxsize=1)
def api_parts() -> ApiParts:
    declared = [(app, importlib.import_module(app.graphql)) for app in registry.applications() if app.graphql]
    nodes: dict[str, Any] = {}
    staff_reads: dict[str, Any] = {}
    feeds = {}
    for app, module in declared:
        nodes.update(getattr(module, "NODES", {}))
        for dataset, check in getattr(module, "STAFF_READS", {}).items():
            staff_reads.setdefault(dataset, check)
        if getattr(module, "FEED", None) is not None:
            feeds[app.code] = (app, module.FEED)
    return ApiParts(tuple(m for _, m in declared), nodes, feeds, staff_reads)


registry.on_change(api_parts.cache_clear)


def api_modules() -> list[Any]:
    return list(api_parts().modules)


def resolve_node(info, value) -> Any:
    context = context_of(info)
    parsed = ids.parse_node_id(value, context.town_code) if context.town is not None else None
    if parsed is None:
        return None
    resolver = api_parts().nodes.get(parsed[0])
    return resolver(info, parsed[1]) if resolver is not None else None


def _readable_applications(context: ApiContext) -> dict[str, Any]:
    """The applications whose events this caller may follow in this town, with their feed filters."""
    readable = {}
    for code, (app, feed) in api_parts().feeds.items():
        if context.town is None or not context.town.has_application(code) and app.selectable:
            continue
        if any(context.may_read(dataset, staff_check=feed.staff_check) for dataset in app.vendor_datasets):
            readable[code] = feed
    return readable


FEED_KIND = "feed"


def resolve_changes(info, after: str | None = None, first: int | None = None, types: list[str] | None = None):
    from kyodo.tenantlog.outbox import Event
    from kyodo.tenantlog.selectors import events_after

    context = context_of(info)
    size = page_size(first, path="first")
    readable = _readable_applications(context)
    if not readable:
        raise forbidden()
    start = after_key(after, FEED_KIND, info)  # the same cursor rules as every list
    wanted = [t for t in (types or []) if isinstance(t, str)]
    if len(wanted) > 50 or any(len(t) > 80 for t in wanted):
        raise ApiError("BAD_USER_INPUT", "types の指定が多すぎるか長すぎます。", "Too many or too long `types`.",
                       argument="types")
    rows, scanned_to, has_next = events_after(start, limit=size, applications=sorted(readable), types=wanted)
    events = [Event.from_values(row, context.town_code) for row in rows]
    shown: list[FeedEdge] = []
    by_app: dict[str, list[Event]] = {}
    for event in events:
        by_app.setdefault(event.application, []).append(event)
    visible: dict[str, tuple[list[str], dict]] = {}
    for application, group in by_app.items():
        visible.update(readable[application].present(info, group))
    for event in events:
        seen = visible.get(event.event_id)
        if seen is None:
            continue  # withheld (e.g. a protected person's move): the cursor still passes it
        subjects, data = seen
        shown.append(FeedEdge(cursor=ids.cursor(FEED_KIND, context.town_code, event.position), node=FeedEvent(
            event_id=event.event_id, type=event.event_type, application=event.application,
            occurred_at=event.occurred_at, actor_kind=event.actor.kind, subjects=subjects, data=data)))
    end = scanned_to if scanned_to is not None else start
    return FeedConnection(edges=shown, page_info=PageInfo(
        has_next_page=has_next, end_cursor=ids.cursor(FEED_KIND, context.town_code, end)))


def resolve_municipality(info):
    context = context_of(info)
    town = context.town
    if town is None:
        return None
    datasets = [d for d in registry.datasets() if context.may_read(d, staff_check=api_parts().staff_reads.get(d))]
    return Municipality(code=town.code, name=town.name, name_kana=town.name_kana, prefecture=town.prefecture,
                        status=town.status, datasets=datasets)


class PlatformQuery(graphene.ObjectType):
    municipality = graphene.Field(Municipality, description="The town of this endpoint.")
    node = graphene.Field(Node, id=graphene.ID(required=True),
                          description="Any record by id; null when it does not exist or is not readable with "
                                      "this token (the two are not told apart).")
    nodes = graphene.List(Node, required=True, ids=graphene.List(graphene.NonNull(graphene.ID), required=True),
                          description=f"Records by id, in order, null where not found (at most {MAX_NODES}).")
    changes = graphene.Field(
        FeedConnection, required=True, after=graphene.String(), first=graphene.Int(),
        types=graphene.List(graphene.NonNull(graphene.String)),
        description=f"The change feed: events in commit order after the cursor (at most {MAX_PAGE} a page), "
                    "filtered by the token's datasets; delivered at least once.")

    def resolve_municipality(self, info):
        return resolve_municipality(info)

    def resolve_node(self, info, id):
        return resolve_node(info, id)

    def resolve_nodes(self, info, ids):
        if len(ids) > MAX_NODES:
            raise ApiError("TOO_MANY_IDS", f"ids は {MAX_NODES} 件までです。", f"At most {MAX_NODES} ids.",
                           argument="ids")
        return [resolve_node(info, value) for value in ids]

    def resolve_changes(self, info, after=None, first=None, types=None):
        return resolve_changes(info, after=after, first=first, types=types)


# --- municipalityCreate --------------------------------------------------------------------------------

class FieldError(graphene.ObjectType):
    """A refused input: the field and why, in Japanese and English."""

    field = graphene.String(required=True)
    message_ja = graphene.String(required=True)
    message_en = graphene.String(required=True)


class MunicipalityCreatePayload(graphene.ObjectType):
    municipality = graphene.Field(Municipality)
    errors = graphene.List(graphene.NonNull(FieldError), required=True)
    replayed = graphene.Boolean(required=True, description="True when this answers a retry of an earlier request.")


class MunicipalityCreateInput(graphene.InputObjectType):
    code = graphene.String(required=True, description="団体コード (6 digits)")
    name = graphene.String(required=True)
    name_kana = graphene.String(required=True)
    prefecture = graphene.String()
    hosts = graphene.List(graphene.NonNull(graphene.String))
    applications = graphene.List(graphene.NonNull(graphene.String))


def _caller(context: ApiContext) -> str:
    who = context.principal.audit_actor()
    return f"{who.kind}:{who.id}"[:160]


def idempotent(context: ApiContext, field: str, arguments: dict, run) -> dict:
    """Run a mutation once per idempotency key: a retry with the same key and the same arguments gets
    the stored answer (``replayed``); the same key with other arguments is refused."""
    key = context.idempotency_key
    if not key:
        raise ApiError("IDEMPOTENCY_KEY_REQUIRED", "変更操作には Idempotency-Key ヘッダーが必要です。",
                       "Mutations need an Idempotency-Key header.")
    digest = hashlib.sha256(json.dumps([field, arguments], sort_keys=True, default=str).encode()).hexdigest()
    caller = _caller(context)
    existing = IdempotencyKey.objects.filter(caller=caller, town_code=context.town_code, key=key).first()
    if existing is not None:
        if existing.request_hash != digest:
            raise ApiError("IDEMPOTENCY_KEY_REUSED", "この Idempotency-Key は別の内容の要求に使われています。",
                           "This Idempotency-Key was used for a different request.")
        return {**existing.response, "replayed": True}
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(caller=caller, town_code=context.town_code, key=key, request_hash=digest)
            answer = run()
            IdempotencyKey.objects.filter(caller=caller, town_code=context.town_code, key=key).update(response=answer)
    except IntegrityError:  # the same key sent twice at once: the other request holds it
        raise ApiError("IDEMPOTENCY_KEY_IN_USE", "同じ Idempotency-Key の要求を処理中です。再度お試しください。",
                       "A request with this Idempotency-Key is in progress; retry later.") from None
    return {**answer, "replayed": False}


def _errors_of(error: ValidationError) -> list[dict]:
    out = []
    for field_name, messages in error.message_dict.items():
        for message in messages:
            out.append({"field": field_name, "message_ja": message,
                        "message_en": f"The value of `{field_name}` was refused (see messageJa)."})
    return out


class MunicipalityCreate(graphene.Mutation):
    """団体の新規構築 (onboarding) through the API, for 県管理者: the same service as the console, once per
    Idempotency-Key."""

    class Arguments:
        input = MunicipalityCreateInput(required=True)

    Output = MunicipalityCreatePayload

    def mutate(self, info, input):
        from kyodo.tenancy import services as tenancy

        context = context_of(info)
        principal = context.principal
        if context.town is not None or principal.kind != STAFF or \
                StaffRole.PREFECTURE_ADMIN.value not in principal.roles:  # type: ignore[union-attr]
            raise forbidden()
        arguments: dict[str, Any] = {k: (list(v) if isinstance(v, list) else v) for k, v in dict(input).items()}

        def run() -> dict:
            user = get_user_model().objects.get(pk=principal.user_id)  # type: ignore[union-attr]
            try:
                with transaction.atomic():
                    town = tenancy.municipality_provision(
                        actor=user, code=str(arguments["code"]), name=str(arguments["name"]),
                        name_kana=str(arguments["name_kana"]),
                        prefecture=str(arguments["prefecture"]) if arguments.get("prefecture") else None,
                        hosts=arguments.get("hosts") or (),
                        applications=arguments.get("applications") or ())
            except ValidationError as error:
                return {"municipality": None, "errors": _errors_of(error)}
            return {"municipality": {"code": town.code, "name": town.name, "name_kana": town.name_kana,
                                     "prefecture": town.prefecture, "status": town.status, "datasets": []},
                    "errors": []}

        answer = idempotent(context, "municipalityCreate", arguments, run)
        town = answer["municipality"]
        return MunicipalityCreatePayload(municipality=Municipality(**town) if town else None,
                                         errors=[FieldError(**e) for e in answer["errors"]],
                                         replayed=answer["replayed"])


class PlatformMutation(graphene.ObjectType):
    municipality_create = MunicipalityCreate.Field()


__all__ = ["PlatformMutation", "PlatformQuery", "VENDOR", "api_modules"]
