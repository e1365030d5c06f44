"""業務配分 (task distribution) by idle time, as 八王子市 distributed its online applications' back-office work
to its offices (seed 000). Plain Python, no Django: the planner takes numbers and returns a plan.

バックヤード業務可能時間 (an office's idle time for the day), in minutes::

    idle = (daily work hours − fixed work hours) × staff on duty − standard counter time × busy coefficient
           + time released by shortened opening hours

never below zero. Tasks are handed out in order (due date, then received, then id) in whole tasks of their
standard processing time; each goes to the office whose share would stay lowest relative to its idle time
(used + task) / idle — so the offices fill in proportion to their idle time — among the offices that still have
room for it; ties go to the office that comes first by its code. A task that fits nowhere is left for another
day (``unassigned``), and a smaller task after it may still fit. The same inputs give the same plan, no office
gets more than its idle time, an office without idle time gets nothing, and every task is in the plan exactly
once: assigned to one office or left unassigned.

Blocks: staff who reserve a block of time at their office receive a batch sized to it (:func:`block_batch`):
the office's tasks in order, each taken while it still fits in the block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


class PlanError(ValueError):
    """Bad input to the planner; ``field`` names it (``offices[2].staff_on_duty``, ``tasks[7].minutes``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class OfficeDay:
    """One office on one day (本庁・支所・出張所): the calendar's figures, in minutes and persons.

    - ``work_minutes``: 1日の勤務時間 of one member of staff (e.g. 7 h 45 min = 465).
    - ``fixed_minutes``: 固定業務時間 per member of staff (庶務, meetings, facilities).
    - ``staff_on_duty``: 出勤職員数 (after leave).
    - ``counter_minutes``: 標準窓口処理時間 of the day for the whole office (the monthly average counts of counter
      procedures × their standard times, per opening day).
    - ``busy``: 繁忙係数, 1.0–1.5 (days after holidays and long weekends at offices whose volume jumps).
    - ``released_minutes``: time released by shortened opening hours (短縮開庁), when the town records it.
    """

    code: str
    work_minutes: int
    fixed_minutes: int
    staff_on_duty: int
    counter_minutes: int
    busy: Fraction = Fraction(1)
    released_minutes: int = 0

    def check(self, where: str) -> None:
        for name in ("work_minutes", "fixed_minutes", "staff_on_duty", "counter_minutes", "released_minutes"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise PlanError(f"{where}.{name}", f"must be a whole number ≥ 0, not {value!r}")
        if self.fixed_minutes > self.work_minutes:
            raise PlanError(f"{where}.fixed_minutes", "is more than the day's work hours")
        if not Fraction(1) <= Fraction(self.busy) <= Fraction(3, 2):
            raise PlanError(f"{where}.busy", f"the busy coefficient is 1.0 to 1.5, not {float(self.busy)}")

    @property
    def idle_exact(self) -> Fraction:
        gross = (self.work_minutes - self.fixed_minutes) * self.staff_on_duty
        return gross - self.counter_minutes * Fraction(self.busy) + self.released_minutes

    @property
    def idle_minutes(self) -> int:
        """バックヤード業務可能時間 in whole minutes (truncated; never below zero)."""
        return max(0, int(self.idle_exact // 1))


@dataclass(frozen=True)
class Task:
    """A back-office task (an online application's バックヤード work): its standard processing time in minutes
    and what orders it (納期 due date first, then when it was received, then its id)."""

    id: str
    minutes: int
    due_on: dt.date | None = None
    received: str = ""  # ISO timestamp or any text that sorts in the order received

    def key(self) -> tuple:
        return (self.due_on or dt.date.max, self.received, self.id)


@dataclass
class OfficeShare:
    """How one office's share came about: the numbers shown beside the plan."""

    code: str
    work_minutes: int
    fixed_minutes: int
    staff_on_duty: int
    counter_minutes: int
    busy: Fraction
    released_minutes: int
    idle_minutes: int
    share_of_idle: Fraction  # this office's idle time / all offices' idle time
    task_ids: list[str] = field(default_factory=list)
    used_minutes: int = 0  # committed + this plan's tasks
    committed_minutes: int = 0  # already planned for the day before this plan

    def explanation(self) -> str:
        gross = (self.work_minutes - self.fixed_minutes) * self.staff_on_duty
        text = (f"({self.work_minutes}分 − {self.fixed_minutes}分) × {self.staff_on_duty}人 = {gross}分、"
                f"窓口 {self.counter_minutes}分 × 繁忙係数 {float(self.busy):.1f}")
        if self.released_minutes:
            text += f"、短縮開庁 +{self.released_minutes}分"
        text += f" → 可能時間 {self.idle_minutes}分（全体の {float(self.share_of_idle) * 100:.1f}%）、"
        if self.committed_minutes:
            text += f"配分済み {self.committed_minutes}分、"
        text += f"配分 {len(self.task_ids)}件 {self.used_minutes - self.committed_minutes}分"
        return text


@dataclass
class Plan:
    offices: list[OfficeShare]
    unassigned: list[str]

    def assignment(self) -> dict[str, str]:
        """task id → office code."""
        return {task_id: share.code for share in self.offices for task_id in share.task_ids}


def _check_tasks(tasks: Sequence[Task]) -> None:
    seen: set[str] = set()
    for i, task in enumerate(tasks):
        if not isinstance(task.minutes, int) or isinstance(task.minutes, bool) or task.minutes <= 0:
            raise PlanError(f"tasks[{i}].minutes", f"must be a whole number of minutes > 0, not {task.minutes!r}")
        if task.id in seen:
            raise PlanError(f"tasks[{i}].id", f"{task.id!r} appears twice")
        seen.add(task.id)


def plan(offices: Sequence[OfficeDay], tasks: Iterable[Task], committed: Mapping[str, int] | None = None) -> Plan:
    """Distribute ``tasks`` over ``offices`` for one day (see the module's docstring for the rules).
    ``committed``: minutes already planned for the day per office (an earlier plan of the same day), counted as
    used from the start, so planning again never puts an office beyond its idle time."""
    codes: set[str] = set()
    for i, office in enumerate(offices):
        office.check(f"offices[{i}]")
        if office.code in codes:
            raise PlanError(f"offices[{i}].code", f"{office.code!r} appears twice")
        codes.add(office.code)
    ordered = sorted(tasks, key=Task.key)
    _check_tasks(ordered)
    ordered_offices = sorted(offices, key=lambda o: o.code)
    idle = [o.idle_minutes for o in ordered_offices]
    total = sum(idle)
    shares = [OfficeShare(o.code, o.work_minutes, o.fixed_minutes, o.staff_on_duty, o.counter_minutes,
                          Fraction(o.busy), o.released_minutes, idle[i],
                          Fraction(idle[i], total) if total else Fraction(0))
              for i, o in enumerate(ordered_offices)]
    open_ = [i for i in range(len(shares)) if idle[i] > 0]
    committed = committed or {}
    used = [min(idle[i], max(0, int(committed.get(o.code, 0)))) for i, o in enumerate(ordered_offices)]
    for i, share in enumerate(shares):
        share.committed_minutes = used[i]
    unassigned: list[str] = []
    for task in ordered:
        best = -1
        for i in open_:
            if used[i] + task.minutes > idle[i]:
                continue
            # lowest (used + task) / idle, compared exactly by cross-multiplying; ties keep the first code
            if best < 0 or (used[i] + task.minutes) * idle[best] < (used[best] + task.minutes) * idle[i]:
                best = i
        if best < 0:
            unassigned.append(task.id)
            continue
        used[best] += task.minutes
        shares[best].task_ids.append(task.id)
    for i, share in enumerate(shares):
        share.used_minutes = used[i]
    return Plan(shares, unassigned)


def block_batch(tasks: Iterable[Task], block_minutes: int) -> list[Task]:
    """A batch for a reserved block of ``block_minutes``: the tasks in order, each taken while it still fits."""
    if not isinstance(block_minutes, int) or isinstance(block_minutes, bool) or block_minutes <= 0:
        raise PlanError("block_minutes", f"must be a whole number of minutes > 0, not {block_minutes!r}")
    batch: list[Task] = []
    left = block_minutes
    for task in sorted(tasks, key=Task.key):
        if task.minutes <= left:
            batch.append(task)
            left -= task.minutes
    return batch
