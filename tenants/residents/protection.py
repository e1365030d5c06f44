"""支援措置 enforcement: who is address-protected right now, which addresses may not be shown,
and the uniform refusal (標準仕様 1.6 / 3.1: the protected person's address is kept secret).

Protection follows the persons named in a measure *and their address*:

- a **protected address** is the (address, 方書) of the current record of a person with an
  active measure, and of everyone currently in that person's household;
- a person is **blocked** (answered exactly like a missing record) when they have an active
  measure, are currently in a protected person's household, or their current record is at a
  protected address (同一住所別世帯: e.g. a household split off but still living there);
- any other record that *shows* a protected address (a history row of someone who has moved
  away, an as-of view) is shown with the address items replaced by ``HIDDEN_ADDRESS``
  (``redact``): never written to the database, only in what is rendered.

Addresses are compared after ``address_key`` folding (NFKC width, spaces, dashes, 旧字体), so a
second household typed with half-width digits still matches.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from . import audit
from .models import (
    BlockedAttempt,
    MeasureRequest,
    MeasureRequestKind,
    MeasureStatus,
    PersonVersion,
    SupportMeasure,
)
from .search import fold_variants, strip_variation_selectors

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
class _Protected:
    """The active measures as they stand now (two queries)."""

    by_person: Mapping[int, frozenset[int]]         # person with a measure -> its measures
    by_household: Mapping[int, frozenset[int]]      # their current households -> measures
    by_address: Mapping[AddressKey, frozenset[int]]  # protected addresses -> measures


_NOTHING = _Protected({}, {}, {})


def _protected() -> _Protected:
    by_person: dict[int, set[int]] = {}
    for person_id, measure_id in SupportMeasure.objects.filter(status=MeasureStatus.ACTIVE) \
            .values_list("person_id", "id"):
        by_person.setdefault(person_id, set()).add(measure_id)  # one person may have several
    if not by_person:
        return _NOTHING
    households = PersonVersion.objects.filter(is_current=True, person_id__in=by_person.keys()) \
        .values("household_id")
    # The protected persons and everyone in their current households, in one indexed semi-join
    # (each protected person's own row is in their household).
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
    return _Protected(_frozen(by_person), _frozen(by_household), _frozen(by_address))


def _frozen(mapping: dict) -> dict:
    return {key: frozenset(value) for key, value in mapping.items()}


def _measures_affecting(person_ids: Iterable[int], protected: _Protected | None = None) -> dict[int, set[int]]:
    """person id -> ids of the active measures that protect them: their own, their current
    household's, or those of the protected address their current record is at."""
    person_ids = set(person_ids)
    protected = _protected() if protected is None else protected
    if not person_ids or not protected.by_person:
        return {}
    result: dict[int, set[int]] = {}
    for person_id, household_id, address, katagaki in PersonVersion.objects.filter(
            is_current=True, person_id__in=person_ids).values_list("person_id", "household_id", "address",
                                                                   "katagaki"):
        measures = set(protected.by_household.get(household_id, ()))
        measures |= protected.by_address.get((address_key(address), address_key(katagaki)), frozenset())
        if measures:
            result[person_id] = measures
    for person_id in person_ids & protected.by_person.keys():
        result.setdefault(person_id, set()).update(protected.by_person[person_id])
    return result


def _excepted_measures(actor) -> set[int]:
    """Measures for which ``actor`` holds an approved, unexpired exception (一時解除)."""
    if actor is None:
        return set()
    return set(MeasureRequest.objects.filter(
        kind=MeasureRequestKind.EXCEPTION, status="approved", requested_by_id=actor.pk,
        expires_at__gt=timezone.now(), measure__status=MeasureStatus.ACTIVE,
    ).values_list("measure_id", flat=True))


@dataclass(frozen=True)
class Assessment:
    """What ``actor`` may see of a set of persons right now."""

    blocked: set[int] = field(default_factory=set)      # answered like a missing record
    excepted: set[int] = field(default_factory=set)     # protected, but seen under an exception
    hidden: frozenset[AddressKey] = frozenset()         # protected addresses not excepted for actor

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


def inspect(actor, person_ids: Iterable[int]) -> Assessment:
    """Blocked persons, persons seen under an exception, and the addresses ``actor`` may not see,
    in one pass (four queries at most; one when no measure is active)."""
    protected = _protected()
    if not protected.by_person:
        return Assessment()
    affecting = _measures_affecting(person_ids, protected)
    excepted = _excepted_measures(actor)
    blocked = {pid for pid, measures in affecting.items() if not measures <= excepted}
    hidden = frozenset(key for key, measures in protected.by_address.items() if not measures <= excepted)
    return Assessment(blocked, set(affecting) - blocked, hidden)


def assess(actor, person_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """(blocked, seen under an exception) for ``person_ids``."""
    result = inspect(actor, person_ids)
    return result.blocked, result.excepted


def blocked_person_ids(actor, person_ids: Iterable[int]) -> set[int]:
    """The subset of ``person_ids`` whose address ``actor`` may not see right now."""
    return assess(actor, person_ids)[0]


def record_blocked(*, town, actor, person_ids: Iterable[int], channel: str, purpose: str = "") -> None:
    """Log and flag to supervisors, committed even though the caller then refuses."""
    with transaction.atomic():
        for person_id in sorted(set(person_ids)):
            BlockedAttempt.objects.create(
                person_id=person_id, channel=channel, actor_id=getattr(actor, "pk", None),
                actor_username=getattr(actor, "username", "") or "",
            )
            audit.record(town=town, actor=actor, action=f"{channel}.blocked", person_id=person_id,
                         purpose=purpose, outcome="blocked", reason="support_measure")


def refuse_if_blocked(*, town, actor, person_ids: Iterable[int], channel: str, purpose: str = "") -> None:
    person_ids = list(person_ids)
    blocked = blocked_person_ids(actor, person_ids)
    if blocked:
        record_blocked(town=town, actor=actor, person_ids=blocked, channel=channel, purpose=purpose)
        raise ResidentNotFound()


def protected_person_ids(person_ids: Iterable[int]) -> set[int]:
    """The subset of ``person_ids`` that a channel outside the portal's warning view (an export, an
    extract, an API, a standard-layout file) must leave out: no exception or release applies."""
    return set(_measures_affecting(person_ids))


def outside_redaction() -> Assessment:
    """An assessment for channels outside the portal: every protected address is hidden, so
    ``redact`` removes it from any row (e.g. a departed member's history) that shows one."""
    return inspect(None, [])
