"""The WSGI module builds what the first request would otherwise build (GraphQL schema, every
application's URLs) when a worker loads it, before gunicorn lets the worker accept connections."""

from __future__ import annotations

import importlib
import sys


def test_loading_the_wsgi_module_builds_the_schema_and_the_town_urls():
    from kyodo.api import schema as api_schema

    api_schema._reset()
    assert api_schema._schema is None
    sys.modules.pop("kyodo.wsgi", None)
    module = importlib.import_module("kyodo.wsgi")
    assert callable(module.application)
    assert api_schema._schema is not None  # built at load, not at the first /graphql/ request
