"""支援措置: whom a measure protects right now and which addresses may not be shown
(標準仕様 1.6 / 3.1: the protected person's address is kept secret). What each process may then
do with a protected person (証明 error, 照会 and 異動 alerts) is the 抑止 engine's business
(``suppression``); this module only says who is covered and hides addresses.

Protection follows the persons named in a measure *and their address*:

- the persons a measure names are its 申出者 and the 併せて支援を求める者 (``MeasureSubject``);
- a **protected address** is the (address, 方書) of the current record of a named person, and of
  everyone currently in a named person's household;
- a person is **covered** by a measure when they are named in it, are currently in a named
  person's household, or their current record is at its protected address (同一住所別世帯: e.g. a
  household split off but still living there);
- any record that *shows* a protected address and is not seen behind the measure's warning (a
  history row of someone who has moved away, an as-of view, an export) is shown with the address
  items replaced by ``HIDDEN_ADDRESS`` (``redact``): never written to the database.

Addresses are compared after ``address_key`` folding (NFKC width, spaces, dashes, 旧字体), so a
second household typed with half-width digits still matches.

The set of active measures, named persons, protected addresses and active 抑止 rows is cached per
town schema and recomputed only when the town's ``protection`` generation moves: statement triggers
bump it on every write to person versions, measures, their subjects and blocks (migrations 0008 and
0013), from a sequence, so a rolled-back write never leaves a number a later write could reuse.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Subquery

from . import audit
from .models import (
    Aggressor,
    AttemptKind,
    BlockedAttempt,
    Counter,
    MeasureStatus,
    MeasureSubject,
    PersonVersion,
    SupportMeasure,
    Suppression,
)
from .search import fold_name, fold_variants, strip_variation_selectors

NOT_FOUND_MESSAGE = "該当する住民が見つからないか、表示できません。"
HIDDEN_ADDRESS = "（支援措置により非表示）"
# The items of a record that locate a household; all of them are replaced in a redacted row.
ADDRESS_FIELDS = ("address", "katagaki", "district", "postal_code")
# Free-text addresses of elsewhere; replaced when they name a protected address.
OTHER_ADDRESS_FIELDS = ("previous_address", "destination")

_SPACES = re.compile(r"\s+")
_DASHES = re.compile("[\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d]")


class ResidentNotFound(Exception):
    """Raised for a missing, another town's, or protected record: callers cannot tell them apart."""

    def __init__(self, message: str = NOT_FOUND_MESSAGE):
        super().__init__(message)
        self.message = message


def address_key(value: str | None) -> str:
    """The form in which two spellings of one address compare equal (全角/半角, spaces, dashes,
    旧字体・異体字). Not a 住所辞書: 「1-2-3」 and 「1丁目2番3号」 still differ."""
    value = unicodedata.normalize("NFKC", strip_variation_selectors(value or ""))
    value = _DASHES.sub("-", _SPACES.sub("", value))
    return fold_variants(value)


AddressKey = tuple[str, str]  # (address_key(住所), address_key(方書))


def version_address(version) -> AddressKey:
    return address_key(version.address), address_key(version.katagaki)


@dataclass(frozen=True)
class Block:
    """An active 抑止 row as the engine needs it (``suppression.check``)."""

    id: int
    severity: str
    reason: str
    measure_id: int | None
    starts_on: dt.date
    ends_on: dt.date | None


BlockKey = tuple[str, str, int]  # (process, "person" | "household" | "measure", id)


@dataclass(frozen=True)
class _Protected:
    """The active measures and blocks of a town as they stand now."""

    by_person: Mapping[int, frozenset[int]]         # person named in a measure -> its measures
    by_household: Mapping[int, frozenset[int]]      # their current households -> measures
    by_address: Mapping[AddressKey, frozenset[int]]  # protected addresses -> measures
    blocks: Mapping[BlockKey, tuple[Block, ...]] = field(default_factory=dict)  # every 抑止 not ended


_cache: dict[str, tuple[int, _Protected]] = {}  # town schema -> (generation, protected)
_cache_lock = threading.Lock()
_GENERATION = Subquery(Counter.objects.filter(name="protection").values("value")[:1])


def _generation() -> int | None:
    return Counter.objects.filter(name="protection").values_list("value", flat=True).first()


def _protected(generation: int | None) -> _Protected:
    """The active measures and blocks of the current town, from the cache while ``generation``
    (read before, or in the same statement as, the rows it is used with) holds."""
    schema = getattr(connection, "schema_name", "public")  # django-tenants sets it per request/task
    cached = _cache.get(schema)
    if generation is not None and cached is not None and cached[0] == generation:
        return cached[1]
    protected = _compute_protected()
    if generation is not None:
        with _cache_lock:
            _cache[schema] = (generation, protected)
    return protected


def _blocks() -> dict[BlockKey, tuple[Block, ...]]:
    blocks: dict[BlockKey, list[Block]] = {}
    for sid, process, severity, reason, person_id, household_id, measure_id, starts_on, ends_on in \
            Suppression.objects.filter(ended_at__isnull=True).values_list(
                "id", "process", "severity", "reason", "person_id", "household_id", "measure_id", "starts_on",
                "ends_on"):
        key: BlockKey = ((process, "person", person_id) if person_id is not None else
                         (process, "household", household_id) if household_id is not None else
                         (process, "measure", measure_id))
        blocks.setdefault(key, []).append(Block(sid, severity, reason, measure_id, starts_on, ends_on))
    return {key: tuple(value) for key, value in blocks.items()}


def _compute_protected() -> _Protected:
    blocks = _blocks()
    by_person: dict[int, set[int]] = {}
    active = SupportMeasure.objects.filter(status=MeasureStatus.ACTIVE)
    for person_id, measure_id in active.values_list("person_id", "id"):
        by_person.setdefault(person_id, set()).add(measure_id)  # one person may have several
    for person_id, measure_id in MeasureSubject.objects.filter(measure__status=MeasureStatus.ACTIVE) \
            .values_list("person_id", "measure_id"):
        by_person.setdefault(person_id, set()).add(measure_id)
    if not by_person:
        return _Protected({}, {}, {}, blocks)
    households = PersonVersion.objects.filter(is_current=True, person_id__in=by_person.keys()) \
        .values("household_id")
    # The named persons and everyone in their current households, in one indexed semi-join
    # (each named person's own row is in their household).
    rows = list(PersonVersion.objects.filter(household_id__in=households, is_current=True)
                .values_list("person_id", "household_id", "address", "katagaki"))
    by_household: dict[int, set[int]] = {}
    for person_id, household_id, *_ in rows:
        if person_id in by_person:
            by_household.setdefault(household_id, set()).update(by_person[person_id])
    by_address: dict[AddressKey, set[int]] = {}
    for _, household_id, address, katagaki in rows:
        measures = by_household.get(household_id, set())
        if measures:
            by_address.setdefault((address_key(address), address_key(katagaki)), set()).update(measures)
    return _Protected(_frozen(by_person), _frozen(by_household), _frozen(by_address), blocks)


def _frozen(mapping: dict) -> dict:
    return {key: frozenset(value) for key, value in mapping.items()}


@dataclass(frozen=True)
class Assessment:
    """Whom the active measures cover among some persons, and the addresses to hide."""

    covered: Mapping[int, frozenset[int]] = field(default_factory=dict)  # person -> measures covering them
    households: Mapping[int, int] = field(default_factory=dict)          # person -> current household
    hidden: frozenset[AddressKey] = frozenset()                           # protected addresses
    _by_address: Mapping[AddressKey, frozenset[int]] = field(default_factory=dict)
    blocks: Mapping[BlockKey, tuple[Block, ...]] = field(default_factory=dict)  # the town's active 抑止

    @property
    def blocked(self) -> set[int]:
        """The persons covered by a measure (left out of every channel outside the portal)."""
        return set(self.covered)

    def measures_of(self, person_ids: Iterable[int]) -> frozenset[int]:
        return frozenset().union(*(self.covered.get(pid, frozenset()) for pid in person_ids))

    def revealing(self, measures: Iterable[int]) -> Assessment:
        """The same assessment seen behind the warning of ``measures``: their addresses are shown,
        an address also protected by another measure stays hidden."""
        measures = frozenset(measures)
        if not measures:
            return self
        hidden = frozenset(key for key in self.hidden if not self._by_address.get(key, frozenset()) <= measures)
        return Assessment(self.covered, self.households, hidden, self._by_address, self.blocks)

    def shows_hidden(self, version) -> bool:
        """Whether a record (a PersonVersion, or a change's payload as a mapping) shows a hidden
        address: its 住所+方書 is one, or its 転入前住所/転出先 names one."""
        if not self.hidden:
            return False
        get = version.get if isinstance(version, Mapping) else lambda name, default="": getattr(version, name, default)
        if (address_key(get("address", "")), address_key(get("katagaki", ""))) in self.hidden:
            return True
        return any(self._names_hidden(get(name, "")) for name in OTHER_ADDRESS_FIELDS)

    def _names_hidden(self, text) -> bool:
        key = address_key(text if isinstance(text, str) else "")
        return bool(key) and any(address and key.startswith(address) for address, _ in self.hidden)

    def redact(self, version):
        """``version`` as it may be shown: the same object when nothing in it is hidden, else a
        copy (never saved) with the address items replaced by ``HIDDEN_ADDRESS``."""
        if not self.shows_hidden(version):
            return version
        shown = copy.copy(version)
        if version_address(version) in self.hidden:
            for name in ADDRESS_FIELDS:  # one marker, not one per item
                setattr(shown, name, HIDDEN_ADDRESS if name == "address" else "")
        for name in OTHER_ADDRESS_FIELDS:
            if self._names_hidden(getattr(version, name, "")):
                setattr(shown, name, HIDDEN_ADDRESS)
        shown.address_hidden = True
        shown.save = _never_saved
        return shown

    def redact_all(self, versions: Iterable) -> list:
        return [self.redact(v) for v in versions]


def _never_saved(*args, **kwargs):
    raise RuntimeError("a redacted record is for display only")


def inspect(person_ids: Iterable[int]) -> Assessment:
    """Who among ``person_ids`` is covered by which active measures, their current households,
    every protected address and the town's active blocks: one query (the current rows read with
    the town's protection generation) while the cache holds."""
    person_ids = set(person_ids)
    rows = list(PersonVersion.objects.filter(is_current=True, person_id__in=person_ids).annotate(
        generation=_GENERATION).values_list("person_id", "household_id", "address", "katagaki", "generation")) \
        if person_ids else []
    protected = _protected(rows[0][4] if rows else _generation())
    households: dict[int, int] = {}
    covered: dict[int, set[int]] = {}
    for person_id, household_id, address, katagaki, _ in rows:
        households[person_id] = household_id
        if not protected.by_person:
            continue
        measures = set(protected.by_household.get(household_id, ()))
        measures |= protected.by_address.get((address_key(address), address_key(katagaki)), frozenset())
        if measures:
            covered[person_id] = measures
    for person_id in person_ids & protected.by_person.keys():
        covered.setdefault(person_id, set()).update(protected.by_person[person_id])
    return Assessment(_frozen(covered), households, frozenset(protected.by_address), protected.by_address,
                      protected.blocks)


def record_attempt(*, town, actor, person_ids: Iterable[int], channel: str, purpose: str = "",
                   kind: str = AttemptKind.REFUSED, reason: str = "support_measure") -> None:
    """Log and flag to supervisors (a refusal, a view behind a warning, a 加害者's request);
    committed even though the caller then refuses."""
    outcome = {AttemptKind.ALERTED.value: "alerted", AttemptKind.AGGRESSOR.value: "refused"}.get(str(kind), "blocked")
    with transaction.atomic():
        for person_id in sorted(set(person_ids)):
            BlockedAttempt.objects.create(
                person_id=person_id, channel=channel, kind=kind, purpose=(purpose or "")[:200],
                actor_id=getattr(actor, "pk", None), actor_username=getattr(actor, "username", "") or "",
            )
            audit.record(town=town, actor=actor, action=f"{channel}.{outcome}", person_id=person_id,
                         purpose=purpose, outcome=outcome, reason=reason)


def protected_person_ids(person_ids: Iterable[int]) -> set[int]:
    """The subset of ``person_ids`` that a channel outside the portal's warning view (an export, an
    extract, an API, a standard-layout file) must leave out."""
    return inspect(person_ids).blocked


def outside_redaction() -> Assessment:
    """An assessment for channels outside the portal: every protected address is hidden, so
    ``redact`` removes it from any row (e.g. a departed member's history) that shows one."""
    return inspect([])


def requested_by_aggressor(measures: Iterable[int], *, name: str, birth_date=None, person_id: int | None = None) -> bool:
    """Whether a requester is a 加害者 named in one of ``measures``: the same resident (宛名番号), or
    the same name (folded as search folds it) with no differing 生年月日 — on the safe side, a
    request under the 加害者's name without a birth date is theirs."""
    key = fold_name(name or "")
    for aggressor_name, aggressor_birth, aggressor_person in Aggressor.objects.filter(
            measure_id__in=list(measures)).values_list("name", "birth_date", "person_id"):
        if person_id is not None and aggressor_person == person_id:
            return True
        if key and fold_name(aggressor_name) == key and (
                aggressor_birth is None or birth_date is None or aggressor_birth == birth_date):
            return True
    return False
