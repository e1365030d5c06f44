"""Tamper-evident, append-only audit chains (監査ログ): each entry stores the SHA-256 of its content
and of the previous entry, so editing, deleting or reordering any row breaks every later link."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

GENESIS = "0" * 64


class HashChainedEntry(models.Model):
    """Abstract base of every audit table (public or per-town)."""

    chain = models.CharField(max_length=40, db_index=True)
    seq = models.BigIntegerField()
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    municipality_code = models.CharField(max_length=6, blank=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, default="ok")
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        abstract = True
        ordering = ["chain", "seq"]

    HASHED_FIELDS = (
        "chain", "seq", "created_at", "actor_id", "actor_username", "municipality_code", "action",
        "target_type", "target_id", "purpose", "outcome", "detail", "prev_hash",
    )

    def hashed_fields(self) -> tuple[str, ...]:
        """The fields covered by the hash (a subclass may add fields for newer entries)."""
        return self.HASHED_FIELDS

    def canonical(self) -> bytes:
        return canonical({name: getattr(self, name) for name in self.hashed_fields()})

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


def canonical(data: dict[str, Any]) -> bytes:
    """The bytes an entry's hash is taken over: its hashed fields as sorted, compact JSON."""
    values = dict(data)
    if "created_at" in values and not isinstance(values["created_at"], str):
        values["created_at"] = values["created_at"].isoformat(timespec="microseconds")
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class ChainHead(models.Model):
    """Abstract: one row per chain, locked FOR UPDATE while appending so links are never forked."""

    chain = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        abstract = True


E = TypeVar("E", bound=HashChainedEntry)


def append(entry_model: type[E], head_model: type[ChainHead], *, chain: str, actor=None, **fields: Any) -> E:
    """Append one entry to ``chain``. Runs inside the caller's transaction (or its own): no savepoint of its own,
    since an entry that cannot be written must undo the caller's write too. The head is read and locked in one
    statement; only a chain's first entry creates it."""
    heads = head_model._default_manager
    with transaction.atomic(savepoint=False):
        head = heads.select_for_update().filter(chain=chain).first()
        if head is None:
            heads.get_or_create(chain=chain)
            head = heads.select_for_update().get(chain=chain)
        who = {"actor_id": getattr(actor, "pk", None), "actor_username": getattr(actor, "username", "") or ""}
        who.update({name: fields.pop(name) for name in ("actor_id", "actor_username") if name in fields})
        entry = entry_model(
            chain=chain,
            seq=head.last_seq + 1,
            created_at=timezone.now(),
            prev_hash=head.last_hash,
            **who,
            **fields,
        )
        # JSON round trip so the hash is computed over exactly what PostgreSQL will return.
        entry.detail = json.loads(json.dumps(entry.detail or {}, ensure_ascii=False, default=str))
        entry.entry_hash = entry.compute_hash()
        entry.save(force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries_checked: int
    ok: bool
    first_broken_seq: int | None = None
    reason: str = ""


def verify(entry_model: type[HashChainedEntry], head_model: type[ChainHead], *, chain: str) -> ChainReport:
    """Walk ``chain`` in order; report the first entry whose content, link or sequence is wrong."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in entry_model._default_manager.filter(chain=chain).order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(chain, count, False, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != expected_prev:
            return ChainReport(chain, count, False, entry.seq, "link to the previous entry does not match")
        if entry.compute_hash() != entry.entry_hash:
            return ChainReport(chain, count, False, entry.seq, "content does not match its hash")
        expected_prev = entry.entry_hash
        expected_seq += 1
    head = head_model._default_manager.filter(chain=chain).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != expected_prev):
        return ChainReport(chain, count, False, expected_seq, "entries after this point were removed")
    return ChainReport(chain, count, True)
