"""Writes of the API's own records: registering a vendor's trusted (persisted) queries."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from graphql import validate

from kyodo.audit.services import platform_audit_record
from kyodo.identity.models import ServiceAccount

from .errors import ApiError
from .limits import Limits, analyse, parse_document, validation_rules
from .models import PersistedQuery
from .schema import schema


def persisted_query_register(*, actor, client_id: str, document: str, name: str = "") -> PersistedQuery:
    """登録済みクエリの登録: a query a vendor will name by its SHA-256. It must parse, validate against
    today's schema and pass the static limits (so a registered query is never refused later for its
    shape, only for the caller's bucket). Registering the same text again returns the same row."""
    if not ServiceAccount.objects.filter(client_id=client_id).exists():
        raise ValidationError({"client_id": [f"クライアントID {client_id} は登録されていません。"]})
    try:
        parsed = parse_document(document, Limits())
    except ApiError as error:
        raise ValidationError({"document": [error.message_ja]}) from None
    errors = validate(schema().graphql_schema, parsed, validation_rules(allow_introspection=False))
    if errors:
        raise ValidationError({"document": [f"スキーマに合いません: {errors[0].message}"]})
    try:
        analyse(schema().graphql_schema, parsed, {}, None, Limits())
    except ApiError as error:
        raise ValidationError({"document": [error.message_ja]}) from None
    digest = hashlib.sha256(document.encode()).hexdigest()
    row, created = PersistedQuery.objects.get_or_create(client_id=client_id, sha256=digest,
                                                        defaults={"document": document, "name": name[:100]})
    if created:
        platform_audit_record(actor=actor, action="api.persisted_query_register", target_type="client",
                              target_id=client_id, detail={"sha256": digest, "name": name[:100]})
    return row
