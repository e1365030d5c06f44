"""有効期限 and 負担割合 of the 資格確認書 (pure rules, reference §5)."""

from __future__ import annotations

import datetime as dt

import pytest

from tenants.nhi.cards import rules

D = dt.date


@pytest.mark.parametrize(("issued", "until"), [(D(2026, 12, 1), D(2027, 7, 31)), (D(2026, 7, 31), D(2026, 7, 31)),
                                               (D(2026, 8, 1), D(2027, 7, 31)), (D(2026, 3, 1), D(2026, 7, 31))])
def test_valid_to_the_next_july_31(issued, until):
    assert rules.terms(birth=D(1980, 4, 2), issued_on=issued).valid_until == until


def test_a_renewal_in_july_runs_to_the_next_year():
    assert rules.terms(birth=D(1980, 4, 2), issued_on=D(2026, 7, 10), renewal=True).valid_until == D(2027, 7, 31)


def test_reaching_75_ends_the_day_before_the_birthday():
    t = rules.terms(birth=D(1952, 3, 15), issued_on=D(2026, 12, 1), rate="2割")
    assert t.valid_until == D(2027, 3, 14) and t.copay == "2割"


@pytest.mark.parametrize(("birth", "until", "effective"), [
    (D(1957, 2, 10), D(2027, 2, 28), D(2027, 3, 1)),  # end of the birthday month
    (D(1957, 2, 1), D(2027, 1, 31), D(2027, 2, 1)),   # born on the 1st: the month before
])
def test_reaching_70_ends_with_the_month_and_then_the_rate_is_printed(birth, until, effective):
    young = rules.terms(birth=birth, issued_on=D(2026, 12, 1))
    assert (young.valid_until, young.copay, young.copay_from, young.needs_rate) == (
        until, rules.UNDER_70, None, False)
    old = rules.terms(birth=birth, issued_on=effective, rate="3割")
    assert (old.copay, old.copay_from, old.needs_rate, old.valid_until) == ("3割", effective, True, D(2027, 7, 31))


def test_a_february_29_birth_reaches_its_age_on_february_28():
    assert rules.reaches(D(1956, 2, 29), 70) == D(2026, 2, 28)


def test_check_digit():
    assert rules.luhn_digit("000001") == "8" and rules.luhn_ok("0000018") and not rules.luhn_ok("0000019")
