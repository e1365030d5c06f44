"""業務配分 by idle time (seed 000, 八王子市): the rules as properties (hypothesis) and worked examples.

Rules (the issue's and seed 000's): idle = (勤務時間 − 固定業務時間) × 出勤職員数 − 標準窓口処理時間 × 繁忙係数
(+ 短縮開庁で生じた時間), never negative; tasks go in whole tasks, in proportion to idle time, never beyond an office's
idle time; an office without idle time gets none; every task is in the plan exactly once; the same inputs give
the same plan; each office's numbers are explained."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.assignments.distribution import OfficeDay, PlanError, Task, block_batch, plan

offices_st = st.lists(
    st.builds(OfficeDay, code=st.text("ABCDEFGHIJ", min_size=1, max_size=3),
              work_minutes=st.integers(0, 600), fixed_minutes=st.integers(0, 600),
              staff_on_duty=st.integers(0, 30), counter_minutes=st.integers(0, 5000),
              busy=st.sampled_from([Fraction(n, 10) for n in range(10, 16)]),
              released_minutes=st.integers(0, 120)),
    min_size=1, max_size=14, unique_by=lambda o: o.code,
).map(lambda offices: [o if o.fixed_minutes <= o.work_minutes else
                       OfficeDay(o.code, o.fixed_minutes, o.work_minutes, o.staff_on_duty, o.counter_minutes, o.busy,
                                 o.released_minutes) for o in offices])
tasks_st = st.lists(
    st.builds(Task, id=st.uuids().map(str), minutes=st.integers(1, 240),
              due_on=st.one_of(st.none(), st.dates(dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
              received=st.text("0123456789", max_size=4)),
    max_size=300, unique_by=lambda t: t.id,
)


@settings(max_examples=300, deadline=None)
@given(offices_st, tasks_st)
def test_every_task_is_in_the_plan_exactly_once(offices, tasks):
    result = plan(offices, tasks)
    assigned = [t for share in result.offices for t in share.task_ids]
    assert len(assigned) == len(set(assigned))
    assert sorted(assigned + result.unassigned) == sorted(t.id for t in tasks)


@settings(max_examples=300, deadline=None)
@given(offices_st, tasks_st)
def test_no_office_goes_beyond_its_idle_time_and_none_without_idle_time_gets_any(offices, tasks):
    minutes = {t.id: t.minutes for t in tasks}
    for share in plan(offices, tasks).offices:
        assert share.idle_minutes >= 0
        assert share.used_minutes == sum(minutes[t] for t in share.task_ids) <= share.idle_minutes
        if share.idle_minutes == 0:
            assert share.task_ids == []


@settings(max_examples=200, deadline=None)
@given(offices_st, tasks_st)
def test_a_task_is_left_over_only_when_it_fits_in_no_office(offices, tasks):
    result = plan(offices, tasks)
    room = {s.code: s.idle_minutes - s.used_minutes for s in result.offices}
    minutes = {t.id: t.minutes for t in tasks}
    for task_id in result.unassigned:
        assert all(minutes[task_id] > left for left in room.values())


@settings(max_examples=200, deadline=None)
@given(offices_st, tasks_st, st.randoms())
def test_the_same_inputs_give_the_same_plan_in_any_order(offices, tasks, rnd):
    first = plan(offices, tasks)
    shuffled_offices, shuffled_tasks = list(offices), list(tasks)
    rnd.shuffle(shuffled_offices)
    rnd.shuffle(shuffled_tasks)
    again = plan(shuffled_offices, shuffled_tasks)
    assert first.assignment() == again.assignment() and first.unassigned == again.unassigned


@settings(max_examples=200, deadline=None)
@given(offices_st, st.integers(1, 60), st.integers(0, 400))
def test_equal_tasks_are_shared_in_proportion_to_idle_time(offices, minutes, count):
    """With tasks of one size, no office is filled further (used ÷ idle) than one task beyond any office that
    still has room: offices fill in proportion to their idle time until they are full."""
    tasks = [Task(f"t{i:04d}", minutes) for i in range(count)]
    shares = plan(offices, tasks).offices
    for j in shares:
        for i in shares:
            if j.task_ids and i.idle_minutes - i.used_minutes >= minutes:
                assert j.used_minutes * i.idle_minutes <= (i.used_minutes + minutes) * j.idle_minutes


def test_idle_time_is_the_formula_of_the_pilot():
    # 4 staff × (7h45m − 1h) − 600 min at the counter × 1.2 + 30 released = 4 × 405 − 720 + 30 = 930
    office = OfficeDay("honcho", work_minutes=465, fixed_minutes=60, staff_on_duty=4, counter_minutes=600,
                       busy=Fraction(6, 5), released_minutes=30)
    assert office.idle_minutes == 930
    busy_day = OfficeDay("shisho", 465, 60, 1, 500, Fraction(3, 2))  # 405 − 750 < 0 → no idle time
    assert busy_day.idle_minutes == 0


def test_a_worked_plan_with_its_explanation():
    offices = [OfficeDay("honcho", 465, 60, 4, 1020), OfficeDay("yamauchi", 465, 60, 2, 210),
               OfficeDay("kitagata", 465, 105, 1, 360)]  # idle 600, 600, 0
    tasks = [Task(f"app-{i}", 30, received=f"{i:02d}") for i in range(45)]  # 1,350 min of work
    result = plan(offices, tasks)
    by_code = {s.code: s for s in result.offices}
    assert len(by_code["honcho"].task_ids) == 20 and len(by_code["yamauchi"].task_ids) == 20
    assert by_code["kitagata"].task_ids == [] and len(result.unassigned) == 5
    assert result.unassigned == [f"app-{i}" for i in range(40, 45)]  # the last received wait for another day
    assert "(465分 − 60分) × 4人 = 1620分" in by_code["honcho"].explanation()
    assert "配分 20件 600分" in by_code["honcho"].explanation()


def test_tasks_due_first_go_first():
    offices = [OfficeDay("a", 100, 0, 1, 0)]
    tasks = [Task("late", 60, dt.date(2026, 12, 20)), Task("soon", 60, dt.date(2026, 12, 3)), Task("none", 30)]
    result = plan(offices, tasks)
    assert result.offices[0].task_ids == ["soon", "none"] and result.unassigned == ["late"]


def test_a_block_receives_a_batch_sized_to_it():
    tasks = [Task("a", 30, received="1"), Task("b", 50, received="2"), Task("c", 20, received="3"),
             Task("d", 15, received="4")]
    assert [t.id for t in block_batch(tasks, 60)] == ["a", "c"]  # 30, b (50) does not fit, 20; d (15) not
    assert [t.id for t in block_batch(tasks, 120)] == ["a", "b", "c", "d"]  # 30 + 50 + 20 + 15 = 115
    assert [t.id for t in block_batch(tasks, 10)] == []
    with pytest.raises(PlanError) as excinfo:
        block_batch(tasks, 0)
    assert excinfo.value.field == "block_minutes"


@pytest.mark.parametrize(("office", "field"), [
    (OfficeDay("a", 465, 60, -1, 0), "offices[0].staff_on_duty"),
    (OfficeDay("a", 60, 465, 1, 0), "offices[0].fixed_minutes"),
    (OfficeDay("a", 465, 60, 1, 0, Fraction(2)), "offices[0].busy"),
])
def test_bad_office_figures_are_named(office, field):
    with pytest.raises(PlanError) as excinfo:
        plan([office], [])
    assert excinfo.value.field == field


def test_bad_tasks_are_named():
    with pytest.raises(PlanError) as excinfo:
        plan([OfficeDay("a", 465, 60, 1, 0)], [Task("x", 10), Task("x", 20)])
    assert excinfo.value.field.endswith(".id")
    with pytest.raises(PlanError) as excinfo:
        plan([OfficeDay("a", 465, 60, 1, 0)], [Task("x", 0)])
    assert excinfo.value.field == "tasks[0].minutes"


@settings(max_examples=200, deadline=None)
@given(offices_st, tasks_st, tasks_st)
def test_planning_again_the_same_day_never_goes_beyond_idle_time(offices, first_tasks, later_tasks):
    first = plan(offices, first_tasks)
    committed = {s.code: s.used_minutes for s in first.offices}
    fresh = [t for t in later_tasks if t.id not in {x.id for x in first_tasks}]
    second = plan(offices, fresh, committed)
    minutes = {t.id: t.minutes for t in fresh}
    for share in second.offices:
        assert committed[share.code] + sum(minutes[t] for t in share.task_ids) <= share.idle_minutes
