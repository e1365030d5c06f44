"""開庁日 and the proposed 繁忙係数: public holidays from the ``holidays`` library (国民の祝日に関する法律, with
振替休日 and 国民の休日), 年末年始 (行政機関の休日に関する法律 1条: 12月29日–1月3日), and the office's own history."""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction

import pytest

from tenants.assignments.calendar import after_closure, is_open, propose_busy

D = dt.date


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 1, 5), True),    # Monday after 年末年始 (12/29–1/3) and the weekend
    (D(2026, 5, 7), True),    # Thursday after ゴールデンウィーク (5/3 憲法記念日 … 5/6 振替休日)
    (D(2026, 9, 24), True),   # after 9/19–9/23 (敬老の日 9/21, 国民の休日 9/22, 秋分の日 9/23)
    (D(2026, 1, 13), True),   # Tuesday after 成人の日 (1/12)
    (D(2026, 12, 1), False),  # an ordinary Tuesday
    (D(2026, 11, 30), False),  # Monday after a plain two-day weekend
    (D(2026, 11, 28), False),  # a Saturday: closed
])
def test_the_first_opening_day_after_a_holiday_closure(day, expected):
    assert after_closure(day) is expected


def test_closed_days():
    assert not is_open(D(2026, 12, 29)) and not is_open(D(2027, 1, 3))  # 年末年始
    assert not is_open(D(2026, 11, 3)) and not is_open(D(2026, 11, 23))  # 文化の日, 勤労感謝の日
    assert is_open(D(2026, 12, 28)) and is_open(D(2027, 1, 4))


def _opening_days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        if is_open(day):
            yield day
        day += dt.timedelta(days=1)


def test_a_steady_office_gets_one_point_zero():
    rnd = random.Random(7)
    history = {d: 100 + rnd.randint(-5, 5) for d in _opening_days(D(2026, 4, 1), D(2026, 10, 31))}
    assert propose_busy(history, D(2026, 11, 24)) == 1  # after 勤労感謝の日, but the volume barely varies


def test_a_jumpy_office_gets_its_own_ratio_after_holidays_only():
    rnd = random.Random(11)
    history = {d: (130 if after_closure(d) else 100) + rnd.randint(-2, 2) if d.weekday() != 4 else 40
               for d in _opening_days(D(2026, 4, 1), D(2026, 10, 31))}  # quiet Fridays make it vary
    after = [n for d, n in history.items() if after_closure(d)]
    other = [n for d, n in history.items() if not after_closure(d)]
    expected = round(sum(after) / len(after) / (sum(other) / len(other)), 1)
    assert float(propose_busy(history, D(2026, 11, 24))) == pytest.approx(min(1.5, expected))
    assert propose_busy(history, D(2026, 11, 24)) > 1
    assert propose_busy(history, D(2026, 11, 25)) == 1  # an ordinary Wednesday


def test_the_proposal_is_held_to_one_point_five():
    history = {d: (400 if after_closure(d) else 100) if d.weekday() != 4 else 10
               for d in _opening_days(D(2026, 4, 1), D(2026, 10, 31))}
    assert propose_busy(history, D(2027, 1, 4)) == Fraction(3, 2)
