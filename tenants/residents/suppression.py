"""The 抑止 engine (標準仕様 3.1): which blocks stand in the way of one process (異動, 証明, 照会)
for some persons right now, and what each block means there.

A block (``Suppression``) targets one person, one household (its current members), or — for a
支援措置 — everyone the measure covers (``protection``: the persons it names, their household and
whoever lives at its address). It is an **error** (the process is refused) or an **alert** (it goes
on behind a warning, with a stated purpose, flagged to supervisors). Several may apply at once;
the strictest wins. A block is in force from its start date until someone ends it: its planned
end date never lifts it. A temporary lift (``SuppressionLift``) lets the member of staff who asked
for it past the error-level blocks that stood when they asked, once, until it expires.

``check`` costs one query while the protection cache holds (the current rows read with the town's
protection generation; the active blocks are in the cache), two when an error meets a member of
staff who may hold a lift; ``benchmarks residents-search`` measures it as ``protected_check_p95_ms``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from . import protection
from .models import (
    AttemptKind,
    ChangeStatus,
    Process,
    Severity,
    SuppressionLift,
    SuppressionReason,
)
from .protection import Assessment

# The purpose stated behind a warning: one for everyone, or per person (acknowledged in the portal).
Purpose = str | Mapping[int, str]


class AlertRequired(Exception):
    """The process may go on only once the member of staff has seen the warning and stated a
    purpose (照会アラート). ``person_ids`` are the persons the warning is about."""

    def __init__(self, person_ids: Iterable[int], messages: list[str]):
        super().__init__("；".join(messages))
        self.person_ids = sorted(set(person_ids))
        self.messages = messages


@dataclass(frozen=True)
class Hit:
    """One block standing in the way of a process for one person."""

    suppression_id: int
    person_id: int
    severity: str
    reason: str
    measure_id: int | None
    ends_on: dt.date | None
    lifted: bool = False    # an error-level block the actor holds a lift for


_REFUSED = {Process.CHANGE.value: "異動を受け付けられません", Process.CERTIFICATE.value: "証明書を交付できません",
            Process.INQUIRY.value: "照会できません"}


@dataclass(frozen=True)
class Check:
    """The blocks on one process for some persons, as the engine found them."""

    process: str
    hits: Mapping[int, tuple[Hit, ...]] = field(default_factory=dict)
    protection: Assessment = field(default_factory=Assessment)
    lifts: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # person -> lifts that apply

    @property
    def errors(self) -> set[int]:
        """Persons for whom the process is refused."""
        return {pid for pid, hits in self.hits.items()
                if any(h.severity == Severity.ERROR and not h.lifted for h in hits)}

    @property
    def alerts(self) -> set[int]:
        """Persons for whom the process goes on only behind a warning (alert-level or lifted blocks)."""
        errors = self.errors
        return {pid for pid in self.hits if pid not in errors}

    @property
    def clear(self) -> bool:
        return not self.hits

    def messages(self, person_ids: Iterable[int] | None = None) -> list[str]:
        """What the warning or the refusal says, once per kind of block (no address, no other
        person's data)."""
        ids = self.hits.keys() if person_ids is None else person_ids
        seen: list[str] = []
        for pid in sorted(ids):
            for hit in self.hits.get(pid, ()):
                reason = SuppressionReason(hit.reason).label
                if hit.severity == Severity.ERROR and not hit.lifted:
                    text = f"{reason}により{_REFUSED[self.process]}"
                    if hit.reason == SuppressionReason.SUPPORT_MEASURE:
                        text += "（支援措置責任者による一時解除が必要です）"
                else:
                    text = f"{reason}（{Process(self.process).label}{'・一時解除中' if hit.lifted else 'アラート'}）"
                if hit.ends_on and hit.ends_on < timezone.localdate():
                    text += "・終了予定日経過（明示の解除まで有効）"
                if text not in seen:
                    seen.append(text)
        return seen

    def measures(self, person_ids: Iterable[int] | None = None) -> frozenset[int]:
        """The 支援措置 behind the blocks of ``person_ids`` (all persons when None)."""
        ids = self.hits.keys() if person_ids is None else person_ids
        return frozenset(h.measure_id for pid in ids for h in self.hits.get(pid, ()) if h.measure_id)

    def shown(self, person_ids: Iterable[int]) -> Assessment:
        """The address protection as seen behind the warning about ``person_ids``."""
        return self.protection.revealing(self.measures(person_ids))


def check(process: str, person_ids: Iterable[int], *, actor=None, today: dt.date | None = None) -> Check:
    """The blocks on ``process`` for ``person_ids`` now (``today`` for the start dates)."""
    process = Process(process).value
    ids = set(person_ids)
    seen = protection.inspect(ids)
    if not ids:
        return Check(process, protection=seen)
    today = today or timezone.localdate()
    hits: dict[int, list[Hit]] = {}

    def add(pid: int, blocks) -> None:
        for b in blocks:
            if b.starts_on <= today:
                hits.setdefault(pid, []).append(Hit(b.id, pid, b.severity, b.reason, b.measure_id, b.ends_on))

    for pid in ids:
        add(pid, seen.blocks.get((process, "person", pid), ()))
        if pid in seen.households:
            add(pid, seen.blocks.get((process, "household", seen.households[pid]), ()))
        for measure_id in sorted(seen.covered.get(pid, ())):
            add(pid, seen.blocks.get((process, "measure", measure_id), ()))
    lifts: dict[int, tuple[int, ...]] = {}
    erring = {pid for pid, hs in hits.items() if any(h.severity == Severity.ERROR for h in hs)}
    if erring and getattr(actor, "pk", None) is not None:
        lifted: dict[int, set[int]] = {}
        for lift_id, pid, suppression_ids in SuppressionLift.objects.filter(
                process=process, person_id__in=erring, status=ChangeStatus.APPROVED, requested_by_id=actor.pk,
                used_at__isnull=True, expires_at__gt=timezone.now()).values_list("id", "person_id",
                                                                               "suppression_ids"):
            lifted.setdefault(pid, set()).update(suppression_ids)
            lifts[pid] = (*lifts.get(pid, ()), lift_id)
        for pid, covered in lifted.items():
            hits[pid] = [Hit(h.suppression_id, pid, h.severity, h.reason, h.measure_id, h.ends_on,
                             lifted=h.severity == Severity.ERROR and h.suppression_id in covered)
                         for h in hits[pid]]
    return Check(process, {pid: tuple(hs) for pid, hs in hits.items()}, seen, lifts)


class Refused(ValidationError):
    """An error-level block: the process is refused (標準仕様 3.1); the message names the block."""

    def __init__(self, person_ids: Iterable[int], messages: list[str]):
        super().__init__({"person_ids": messages})
        self.person_ids = sorted(set(person_ids))


def enforce(result: Check, *, town, actor, channel: str, purpose: str = "",
            alert_purpose: Purpose = "") -> None:
    """Apply a check to a process: refuse on an error (logged and flagged), ask for the warning to
    be acknowledged on an alert, and log and flag each process that goes on behind one.
    ``alert_purpose`` is the purpose stated behind the warning: one for everyone, or per person
    (what a member of staff acknowledged in the portal); every alerted person needs one.
    Call it outside the caller's transaction, so the record stays when the caller then refuses."""
    if result.errors:
        protection.record_attempt(town=town, actor=actor, person_ids=result.errors, channel=channel,
                                  purpose=purpose, kind=AttemptKind.REFUSED, reason=_reasons(result, result.errors))
        raise Refused(result.errors, result.messages(result.errors))
    alerts = result.alerts
    if not alerts:
        return
    if isinstance(alert_purpose, Mapping):
        stated = [alert_purpose.get(pid, "").strip() for pid in sorted(alerts)]
        given = "；".join(dict.fromkeys(p for p in stated if p)) if all(stated) else ""
    else:
        given = (alert_purpose or "").strip()
    if not given:
        raise AlertRequired(alerts, result.messages(alerts))
    protection.record_attempt(town=town, actor=actor, person_ids=alerts, channel=channel,
                              purpose=given[:200], kind=AttemptKind.ALERTED, reason=_reasons(result, alerts))


def _reasons(result: Check, person_ids: Iterable[int]) -> str:
    return ",".join(sorted({h.reason for pid in person_ids for h in result.hits.get(pid, ())}))


def only(result: Check, person_ids: Iterable[int]) -> Check:
    """``result`` narrowed to ``person_ids`` (e.g. the person whose page it is, not their household)."""
    ids = set(person_ids)
    return Check(result.process, {pid: hs for pid, hs in result.hits.items() if pid in ids}, result.protection,
                 {pid: ls for pid, ls in result.lifts.items() if pid in ids})
