"""Shared GraphQL building blocks: the ``Node`` interface with town-bound ids, Relay-style
connections with opaque keyset cursors, and the page arguments every list takes (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import graphene

from . import ids
from .context import context_of
from .errors import ApiError

MAX_PAGE = 250
DEFAULT_PAGE = 50


class Node(graphene.Interface):
    """An object with an id that is unique in the whole API and valid only on its town's endpoint."""

    id = graphene.ID(required=True, description="Opaque; valid only on this town's endpoint.")


def global_id(info, type_name: str, key: object) -> str:
    return ids.node_id(type_name, context_of(info).town_code, key)


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String()


def page_size(first: int | None, *, path: str) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not isinstance(first, int) or first < 0 or first > MAX_PAGE:
        raise ApiError("PAGE_SIZE_INVALID", f"first は 0 から {MAX_PAGE} までで指定してください。",
                       f"`first` must be between 0 and {MAX_PAGE}.", argument=path)
    return first


def after_key(after: str | None, kind: str, info) -> int:
    """The integer position a cursor ``after`` points at (0 when absent); a cursor that is not one of
    this list on this town's endpoint is a clear error."""
    if after is None:
        return 0
    position = ids.parse_cursor(after, kind, context_of(info).town_code)
    key = ids.int_key(position) if position is not None else None
    if key is None and position != "0":
        raise ApiError("INVALID_CURSOR", "after に指定したカーソルが正しくありません。",
                       "The `after` cursor is not a cursor of this list.", argument="after")
    return key or 0


@dataclass
class Page:
    """One page of a connection: the rows, their keys (for cursors) and whether more follow."""

    rows: Sequence[Any]
    keys: Sequence[int]
    has_next: bool
    kind: str
    end_key: int | None = None       # the position to resume after (the last key scanned)


def keyset_page(queryset, *, key: str, after: int, first: int, kind: str, key_of: Callable[[Any], int] | None = None) -> Page:
    """Rows of ``queryset`` with ``key`` above ``after``, ordered by it, ``first`` of them: one query
    whatever the page size (the row beyond the page tells whether there is a next one)."""
    rows = list(queryset.filter(**{f"{key}__gt": after}).order_by(key)[: first + 1]) if first else []
    get = key_of or (lambda row: getattr(row, key))
    has_next = len(rows) > first
    rows = rows[:first]
    keys = [int(get(r)) for r in rows]
    return Page(rows, keys, has_next, kind, keys[-1] if keys else None)


def connection(node_type: type, name: str, description: str = "") -> type:
    """A ``<name>Connection`` type (edges with cursors, nodes, pageInfo) over ``Page``. There is no
    total count: it would cost a count of the whole list on every page and, for persons, tell how
    many are left out."""

    edge = type(f"{name}Edge", (graphene.ObjectType,), {
        "cursor": graphene.String(required=True),
        "node": graphene.Field(node_type, required=True),
    })

    def resolve_edges(page: Page, info):
        code = context_of(info).town_code
        return [edge(cursor=ids.cursor(page.kind, code, k), node=row) for row, k in zip(page.rows, page.keys, strict=True)]

    def resolve_nodes(page: Page, info):
        return list(page.rows)

    def resolve_page_info(page: Page, info):
        end = page.end_key
        return PageInfo(has_next_page=page.has_next,
                        end_cursor=ids.cursor(page.kind, context_of(info).town_code, end) if end is not None else None)

    return type(f"{name}Connection", (graphene.ObjectType,), {
        "__doc__": description or f"A page of {name} records.",
        "edges": graphene.List(graphene.NonNull(edge), required=True),
        "nodes": graphene.List(graphene.NonNull(node_type), required=True),
        "page_info": graphene.Field(PageInfo, required=True),
        "resolve_edges": resolve_edges,
        "resolve_nodes": resolve_nodes,
        "resolve_page_info": resolve_page_info,
    })


class CodeLabel(graphene.ObjectType):
    """A code with its label from the code table (コード・名称)."""

    code = graphene.String(required=True)
    label = graphene.String(required=True)
