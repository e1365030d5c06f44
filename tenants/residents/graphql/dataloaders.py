"""Batched reads for the API (データローダー): every record a page needs is fetched in one query per
kind, whatever the page size. A producer of rows (a page, a household's members) announces the keys
it will ask for (``want``); the first ``load`` fetches all announced keys at once. Loaders live in the
request's context keyed by town (kyodo.api.context), so nothing is shared between towns or requests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from kyodo.api.context import context_of

from .. import protection
from ..models import ON_REGISTER, Change, Household, PersonVersion


class BatchLoader:
    def __init__(self, fetch: Callable[[set], dict]) -> None:
        self._fetch = fetch
        self._cache: dict[Hashable, Any] = {}
        self._pending: set = set()
        self.batches = 0

    def want(self, keys: Iterable[Hashable]) -> None:
        self._pending.update(k for k in keys if k not in self._cache)

    def load(self, key: Hashable, default: Any = None) -> Any:
        if key not in self._cache:
            keys = self._pending | {key}
            self._pending = set()
            found = self._fetch(keys)
            self.batches += 1
            for k in keys:
                self._cache[k] = found.get(k, default)
        return self._cache[key]


def _households(keys: set) -> dict:
    return {h.pk: h for h in Household.objects.filter(pk__in=keys)}


def _members(keys: set) -> dict:
    members: dict[int, list[PersonVersion]] = defaultdict(list)
    rows = PersonVersion.objects.filter(is_current=True, household_id__in=keys, status__in=ON_REGISTER) \
        .select_related("person").order_by("household_id", "person_id")
    for row in rows:
        members[row.household_id].append(row)
    return members


def _current(keys: set) -> dict:
    return {v.person_id: v for v in PersonVersion.objects.filter(is_current=True, person_id__in=keys)
            .select_related("person")}


def _history(keys: set) -> dict:
    history: dict[int, list[PersonVersion]] = defaultdict(list)
    rows = PersonVersion.objects.filter(person_id__in=keys).select_related("change").order_by("person_id", "history_no")
    redaction = protection.outside_redaction()  # a departed member's old rows may show a protected address
    for row in rows:
        history[row.person_id].append(redaction.redact(row))
    return history


def _changes(keys: set) -> dict:
    return {c.pk: c for c in Change.objects.filter(pk__in=keys)}


LOADERS: dict[str, Callable[[set], dict]] = {
    "residents.households": _households,
    "residents.members": _members,
    "residents.current": _current,
    "residents.history": _history,
    "residents.changes": _changes,
}


def loader(info, name: str) -> BatchLoader:
    return context_of(info).loader(name, lambda: BatchLoader(LOADERS[name]))


def shown_persons(info, versions: list[PersonVersion]) -> list[PersonVersion]:
    """The rows the API may hand out, in order: persons covered by a 支援措置 are left out entirely
    (docs/api.md says why); the rest are audited as read by this request and their related records
    announced to the loaders."""
    return produced(info, visible(versions))


def visible(versions: list[PersonVersion]) -> list[PersonVersion]:
    """``versions`` without the persons covered by a 支援措置 (one query while the cache holds)."""
    if not versions:
        return []
    blocked = protection.inspect(v.person_id for v in versions).blocked
    return [v for v in versions if v.person_id not in blocked]


def produced(info, shown: list[PersonVersion]) -> list[PersonVersion]:
    """Rows handed out: audited as read by this request, their related records announced."""
    context_of(info).audit_read("residents", (v.person_id for v in shown))
    loader(info, "residents.households").want(v.household_id for v in shown)
    loader(info, "residents.history").want(v.person_id for v in shown)
    loader(info, "residents.members").want(v.household_id for v in shown)
    return shown
