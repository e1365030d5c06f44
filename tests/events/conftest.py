"""Fixtures of the relay tests: the steerable consumers of relay_app, and the effect table of kill_app."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from kyodo import registry
from tests.events import relay_app


@pytest.fixture
def consumers():
    relay_app.reset()
    with registry.temporarily(relay_app.APPLICATION):
        yield relay_app
    relay_app.reset()


def create_effect_table(schema: str) -> None:
    """The table kill_app's consumer writes its effect to, in the town's own schema."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE relaytest_effect (id bigserial PRIMARY KEY, event_id uuid NOT NULL, "
                       "aggregate_id text NOT NULL, seq int NOT NULL)")
