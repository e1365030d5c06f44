"""Property tests of the 生年月日 parser (標準仕様 1.1.8/1.1.9): what is accepted prints as a text that
reads back to the same value. Needs ``hypothesis`` (a dev dependency); skipped where it is missing."""

from __future__ import annotations

import datetime as dt

import pytest

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")

from django.core.exceptions import ValidationError  # noqa: E402

from tenants.residents.dates import BirthDate, DatePrecision, parse_birth_date, to_wareki  # noqa: E402

from .test_vague_dates import _assert_earliest  # noqa: E402

ERAS = ("明治", "大正", "昭和", "平成", "令和", "M", "T", "S", "H", "R", "")
_year = st.one_of(st.just("元"), st.integers(0, 99).map(str))
_western = st.integers(1, 9999).map(str)
_num = st.integers(0, 40).map(str)
_digits_width = st.sampled_from([str, lambda s: s.translate(str.maketrans("0123456789", "０１２３４５６７８９"))])


@st.composite
def birth_texts(draw) -> str:
    era = draw(st.sampled_from(ERAS))
    year = draw(_year) if era else draw(_western)
    month, day = draw(_num), draw(_num)
    form = draw(st.sampled_from([f"{era}{year}年月日不詳", f"{era}{year}年{month}月日不詳", f"{era}{year}年頃",
                                 f"{era}{year}年{month}月不詳", f"{era}{year}年不詳", f"{era}{year}年{month}月{day}日",
                                 f"{era}{year}.{month}.{day}", f"{era}{year}-{month}-{day}"]))
    return draw(_digits_width)(form)


@hypothesis.settings(max_examples=1500, deadline=None)
@hypothesis.given(birth_texts())
def test_parse_format_round_trip(text):
    """標準仕様 1.1.8/1.1.9: parse → text → parse gives the same 生年月日, and the text is canonical."""
    try:
        birth = parse_birth_date(text)
    except ValidationError:
        return
    again = parse_birth_date(birth.text)
    assert again == birth and again.text == birth.text
    _assert_earliest(birth)


@hypothesis.settings(max_examples=1500, deadline=None)
@hypothesis.given(st.dates(min_value=dt.date(1868, 1, 25), max_value=dt.date(2200, 12, 31)))
def test_every_real_day_round_trips_in_wareki(day):
    """標準仕様 1.1.8 (和暦で表示): a real day prints in 和暦 and reads back as itself, exact."""
    assert parse_birth_date(to_wareki(day)) == BirthDate(DatePrecision.EXACT, day)


@hypothesis.settings(max_examples=500, deadline=None)
@hypothesis.given(st.text(max_size=30))
def test_any_text_is_a_birth_date_or_a_validation_error(text):
    """標準仕様 1.1.8: arbitrary input never crashes the parser: a value or an error naming the field."""
    try:
        birth = parse_birth_date(text)
    except ValidationError as exc:
        assert "生年月日" in exc.messages[0]
    else:
        assert parse_birth_date(birth.text) == birth
