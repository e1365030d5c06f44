"""From stored data to the levy engine's ``levy.Household``: who is in the household (residents registry), who
is insured in which months (資格履歴), who owes the tax (納付義務者, 擬制世帯主) and last year's incomes (所得).

Two loaders fill the same plain structure (``Facts``): ``facts_for_households`` reads a whole town in a few
set-based queries (一括), ``facts_for_household`` reads one household with a few queries of its own (単票).
``household_of`` turns one household's facts into the engine's input, so both paths compute the same thing.
Reads only; the callers (levy_services) audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from . import residents_facts
from .levy import Household, Person, months_with_cover
from .levy_models import IncomeRecord
from .models import Enrolment, LossReason, Payer, PayerKind

INCOME_FIELDS = ("total_income", "salary_revenue", "pension_revenue", "pension_income", "fixed_asset_tax")


def fiscal_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """The fiscal year (年度) from 4月1日 to the next 3月31日."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


@dataclass
class Facts:
    """What the stored data says about some households for one fiscal year (plain values)."""

    fiscal_year: int
    members: dict[int, list[tuple]] = field(default_factory=dict)  # household → member rows (residents_facts)
    enrolments: dict[int, tuple[dt.date, dt.date | None]] = field(default_factory=dict)  # person → (取得日, 喪失日)
    payers: dict[int, tuple[int, str]] = field(default_factory=dict)  # household → (person, kind)
    incomes: dict[int, tuple[int, ...]] = field(default_factory=dict)  # person → INCOME_FIELDS
    # 特定同一世帯所属者 candidates: persons whose 資格 ended by 75歳到達 (後期高齢者医療) by the year's end
    former: set[int] = field(default_factory=set)
    # person → earlier closed spans (取得日, 喪失日) of the year, before the span in ``enrolments`` (left and rejoined)
    earlier: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)


@dataclass(frozen=True)
class HouseholdInput:
    """The engine's input for one household, with what the assessment records beside it."""

    household_id: int
    household: Household
    payer_person_id: int
    nominal_head: bool
    months: dict[str, int]  # name → 月数 of 資格 in the year
    missing_income: tuple[str, ...]  # names without an income record (levied as no income)
    inputs_hash: str


def _enrolled_in(fiscal_year: int):
    start, end = fiscal_bounds(fiscal_year)
    return (Enrolment.objects.filter(is_current=True, acquired_on__lte=end)
            .filter(Q(lost_on__isnull=True) | Q(lost_on__gt=start)))


def _earlier_spans(fiscal_year: int, current: dict[int, tuple], person_ids=None) -> dict[int, list[tuple]]:
    """Closed spans of 資格 in the year other than each person's current one: for every earlier 取得 the last row
    recorded for it (its 喪失). One query."""
    start, end = fiscal_bounds(fiscal_year)
    qs = Enrolment.objects.filter(is_current=False, lost_on__isnull=False, lost_on__gt=start, acquired_on__lte=end)
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    last: dict[tuple[int, dt.date], tuple[int, Any]] = {}
    for pid, acquired, lost, history_no in qs.values_list("person_id", "acquired_on", "lost_on", "history_no"):
        if pid in current and current[pid][0] == acquired:
            continue  # the current span's own earlier rows
        if (pid, acquired) not in last or history_no > last[(pid, acquired)][0]:
            last[(pid, acquired)] = (history_no, lost)
    found: dict[int, list[tuple]] = {}
    for (pid, acquired), (_, lost) in sorted(last.items()):
        found.setdefault(pid, []).append((acquired, lost))
    return found


def _moved_to_late_elderly(fiscal_year: int, person_ids=None) -> set[int]:
    qs = Enrolment.objects.filter(is_current=True, loss_reason=LossReason.LATE_ELDERLY,
                                  lost_on__lte=fiscal_bounds(fiscal_year)[1])
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    return set(qs.values_list("person_id", flat=True))


def _add_departed(facts: Facts, household_id: int | None = None) -> set[int]:
    """Persons insured in the year who are no longer on the register (転出, 死亡): levied for their months in
    the household they left, as the registry's current record has it. Returns the households added to."""
    listed = {r[0] for rows in facts.members.values() for r in rows}
    departed = [pid for pid in facts.enrolments if pid not in listed]
    added: set[int] = set()
    if not departed:
        return added
    for shown in residents_facts.shown(departed).values():
        v = shown.version
        if v is None or (household_id is not None and v.household_id != household_id):
            continue
        facts.members.setdefault(v.household_id, []).append(tuple(getattr(v, f) for f in residents_facts.MEMBER_FIELDS))
        added.add(v.household_id)
    return added


def facts_for_households(fiscal_year: int) -> Facts:
    """Every household of the town with someone insured in the year: six queries in all."""
    facts = Facts(fiscal_year)
    enrolled = _enrolled_in(fiscal_year)
    facts.enrolments = {pid: (acq, lost) for pid, acq, lost in
                        enrolled.values_list("person_id", "acquired_on", "lost_on")}
    facts.earlier = _earlier_spans(fiscal_year, facts.enrolments)
    # The town's insured persons and their households go to the database as subqueries, not as lists: an IN list
    # of 25,000 ids costs more to build, send and plan than the query itself.
    insured = enrolled.values("person_id")
    others = [pid for pid in facts.earlier if pid not in facts.enrolments]  # only earlier spans this year: few
    rows = residents_facts.member_rows(residents_facts.households_query(insured))
    if others:
        listed = {row[1] for row in rows}
        extra = [h for h in residents_facts.households_of(others) if h not in listed]
        rows += residents_facts.member_rows(extra) if extra else []
    for row in rows:
        facts.members.setdefault(row[1], []).append(row)
    _add_departed(facts)
    # Every current 納付義務者 of the town: a household without anyone insured is never looked up.
    facts.payers = {h: (p, k) for h, p, k in Payer.objects.filter(is_current=True)
                    .values_list("household_id", "person_id", "kind")}
    facts.incomes = {row[0]: row[1:] for row in IncomeRecord.objects.filter(income_year=fiscal_year - 1)
                     .values_list("person_id", *INCOME_FIELDS)}
    facts.former = _moved_to_late_elderly(fiscal_year)
    return facts


def facts_for_household(household_id: int, fiscal_year: int) -> Facts:
    """One household, as a per-household reader would (also the benchmark's baseline)."""
    facts = Facts(fiscal_year)
    members = residents_facts.members(household_id)
    facts.members[household_id] = [tuple(getattr(v, f) for f in residents_facts.MEMBER_FIELDS) for v in members]
    ids = [v.person_id for v in members]
    enrolled = _enrolled_in(fiscal_year).filter(Q(person_id__in=ids) | Q(household_id=household_id))
    facts.enrolments = {pid: (acq, lost) for pid, acq, lost in enrolled.values_list("person_id", "acquired_on",
                                                                                      "lost_on")}
    facts.earlier = _earlier_spans(fiscal_year, facts.enrolments, ids)
    _add_departed(facts, household_id)
    facts.enrolments = {pid: span for pid, span in facts.enrolments.items()
                        if any(r[0] == pid for r in facts.members.get(household_id, []))}
    ids = [r[0] for r in facts.members.get(household_id, [])]
    payer = Payer.objects.filter(household_id=household_id, is_current=True).first()
    if payer is not None:
        facts.payers[household_id] = (payer.person_id, payer.kind)
    facts.incomes = {row[0]: row[1:] for row in IncomeRecord.objects.filter(
        income_year=fiscal_year - 1, person_id__in=ids).values_list("person_id", *INCOME_FIELDS)}
    facts.former = _moved_to_late_elderly(fiscal_year, ids)
    return facts


def household_of(facts: Facts, household_id: int, *, table_key: str) -> HouseholdInput | None:
    """The engine's household, or None when nobody in it is insured in the year (or it has no 世帯主).

    納付義務者: the current ``Payer`` (擬制世帯主 when its kind says so), else the registry's 世帯主. A
    person counts as insured from the month of 取得 to the month before 喪失 (``insured_months``)."""
    year = facts.fiscal_year
    start, end = fiscal_bounds(year)
    rows = facts.members.get(household_id, [])
    payer = facts.payers.get(household_id)
    head_id = payer[0] if payer else next((r[0] for r in rows if r[3] == "世帯主"), None)
    if head_id is None or not any(r[0] == head_id for r in rows):
        return None
    persons: dict[int, Person] = {}
    months: dict[str, int] = {}
    missing: list[str] = []
    former: list[Person] = []
    digest: list = [table_key, year]
    for person_id, _, birth, _, family, given in sorted(rows):  # by person: 単票 and 一括 hash alike
        span = facts.enrolments.get(person_id)
        in_year = span is not None and span[0] <= end and (span[1] is None or span[1] > start)
        acquired = span[0] if span is not None and in_year and span[0] > start else None
        lost = span[1] if span is not None and in_year and span[1] and span[1] <= end else None
        earlier = tuple((a if a > start else None, lost_) for a, lost_ in facts.earlier.get(person_id, ()))
        count = len(months_with_cover(year, acquired, lost, in_year, earlier)) if (in_year or earlier) else 0
        insured = count > 0
        if insured and not in_year:  # only earlier spans this year: levied for those months alone
            acquired, lost = earlier[-1]
            earlier = earlier[:-1]
        if person_id == head_id and payer and payer[1] == PayerKind.DEEMED_HEAD:
            insured = False
        name = f"{family} {given}"
        income = facts.incomes.get(person_id)
        amounts: dict[str, Any] = dict(zip(INCOME_FIELDS, income or (0,) * len(INCOME_FIELDS), strict=True))
        if not insured and person_id != head_id:
            if person_id in facts.former:  # 特定同一世帯所属者: counted in the 軽減 test, not levied
                former.append(Person(name, birth, insured=False, acquired_on=None, lost_on=None, **amounts))
                if income is None:
                    missing.append(name)
                digest.append([person_id, birth.isoformat(), "former", list(income or ())])
            continue  # any other member outside 国保 (社保, 後期高齢者) is neither levied nor counted
        if income is None:
            missing.append(name)
        persons[person_id] = Person(name, birth, insured=insured, acquired_on=acquired if insured else None,
                                    lost_on=lost if insured else None, earlier_spans=earlier if insured else (),
                                    **amounts)
        if insured:
            months[name] = count
        entry = [person_id, birth.isoformat(), insured, acquired and acquired.isoformat(),
                 lost and lost.isoformat(), list(income or ())]
        if earlier:  # only then: households without a second span keep their inputs hash
            entry.append([[a and a.isoformat(), b.isoformat()] for a, b in earlier])
        digest.append(entry)
    if not months:
        return None
    head = persons.pop(head_id)
    ordered = tuple(persons[pid] for pid in sorted(persons))
    inputs_hash = hashlib.sha256(json.dumps(digest, separators=(",", ":")).encode()).hexdigest()
    return HouseholdInput(household_id, Household(head=head, members=ordered, former_members=tuple(former)), head_id, not head.insured,
                          months, tuple(missing), inputs_hash)
