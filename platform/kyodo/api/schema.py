"""The API's one schema, composed from the platform's part and every declared application's part
(``TownApplication.graphql``: a module with ``Query``, optionally ``Mutation``, ``NODES``, ``TYPES``).
The SDL is committed as ``schema.graphql`` next to this file; ``kyodo api schema --write`` renews it
and a test fails when the two differ."""

from __future__ import annotations

import threading
from pathlib import Path

import graphene

from kyodo import registry

from .platform_schema import PlatformMutation, PlatformQuery, api_modules

SDL_PATH = Path(__file__).with_name("schema.graphql")

_lock = threading.Lock()
_schema: graphene.Schema | None = None


def _build() -> graphene.Schema:
    modules = api_modules()
    queries = [m.Query for m in modules if getattr(m, "Query", None) is not None]
    mutations = [m.Mutation for m in modules if getattr(m, "Mutation", None) is not None]
    types = [t for m in modules for t in getattr(m, "TYPES", ())]
    query = type("Query", (*queries, PlatformQuery, graphene.ObjectType), {})
    mutation = type("Mutation", (*mutations, PlatformMutation, graphene.ObjectType), {})
    built = graphene.Schema(query=query, mutation=mutation, types=types, auto_camelcase=True)
    from .limits import declare_list_size

    for module in modules:  # the expected length of unpaged lists, for the query cost
        for coordinate, size in getattr(module, "LIST_SIZES", {}).items():
            declare_list_size(built.graphql_schema, coordinate, size)
    return built


def schema() -> graphene.Schema:
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                _schema = _build()
    return _schema


def sdl() -> str:
    return str(schema()).rstrip() + "\n"


def _reset() -> None:
    global _schema
    _schema = None


registry.on_change(_reset)
