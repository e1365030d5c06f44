"""Reading and writing the standard layout's files: encodings (declared, detected, BOM), CSV with
quoted newlines and fixed width in bytes, CRLF and trailing blank lines, 和暦 with 2-digit 年号コード
and 元年, 不詳日, full/half width, and a clear issue for every bad value — no database needed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.standard_spec import codec, layout

L = layout.load("chukan-2.7")
HOUSEHOLDS = L.file("households")


def _households_csv(*rows: str) -> str:
    return "\r\n".join(rows) + "\r\n"


def test_the_layout_is_data_and_has_every_file():
    assert L.version == "2.7" and list(L.files) == ["households", "persons", "history", "measures"]
    persons = L.file("persons")
    assert persons.item("birth_date").type == "B" and persons.item("family_name").gaiji
    assert [e.name for e in L.eras] == ["明治", "大正", "昭和", "平成", "令和"]
    with pytest.raises(layout.LayoutError):
        layout.load("../etc")


@pytest.mark.parametrize("text, expected", [
    ("04310430", dt.date(2019, 4, 30)),   # 平成31年4月30日
    ("05010501", dt.date(2019, 5, 1)),    # 令和元年5月1日 (年 01 = 元年)
    ("０３５５０４０１", dt.date(1980, 4, 1)),  # full-width digits
    ("01450729", dt.date(1912, 7, 29)),
    ("02010730", dt.date(1912, 7, 30)),   # 大正元年7月30日
    ("01450730", dt.date(1912, 7, 30)),   # 明治45年7月30日: 即日改元, right in both eras
])
def test_wareki_dates_with_two_digit_era_codes(text, expected):
    assert codec.wareki(L, text).earliest == expected


@pytest.mark.parametrize("text, rule", [
    ("04310501", "era_range"),  # 平成31年5月1日 does not exist
    ("09010101", "era"), ("0431043", "date_format"), ("04001231", "date"), ("04311301", "date"),
    ("03550229", "date"),       # 昭和55年 is 1980, a leap year: 2月29日 exists, but 2月30日 does not:
])
def test_wrong_wareki_dates_are_refused_with_a_rule(text, rule):
    if text == "03550229":
        assert codec.wareki(L, text).earliest == dt.date(1980, 2, 29)
        text = "03550230"
    with pytest.raises(codec.ValueRefused) as refused:
        codec.wareki(L, text)
    assert refused.value.rule == rule and refused.value.message_ja


def test_vague_birth_dates():
    assert codec.wareki(L, "03100000", vague=True).text == "昭和10年月日不詳"
    assert codec.wareki(L, "03100500", vague=True).text == "昭和10年5月日不詳"
    as_written = codec.wareki(L, "03100229", vague=True)  # 1935 is a common year
    assert as_written.precision == codec.AS_WRITTEN and as_written.earliest == dt.date(1935, 2, 28)
    assert codec.seireki("19900000", vague=True).text == "1990年月日不詳"


def test_csv_with_bom_quoted_newline_crlf_and_trailing_blank_lines():
    text = _households_csv('0000000019,0000000027,"佐賀県武雄市武雄町大字武雄1番地","コーポ\n武雄101",8430022,武雄',
                           "") + "\r\n\r\n"
    rows, issues, used = codec.read(b"\xef\xbb\xbf" + text.encode("utf-8"), HOUSEHOLDS, L, file="households.csv")
    assert issues == [] and used == "utf-8"
    assert rows[0].values["katagaki"] == "コーポ\n武雄101" and rows[0].values["postal_code"] == "843-0022"


def test_shift_jis_detected_and_fixed_width_counted_in_bytes():
    record = codec.write([{"number": "19", "head_atena": "27", "address": "武雄町1番地", "katagaki": "",
                           "postal_code": "843-0022", "district": "武雄"}], HOUSEHOLDS, L, form="fixed",
                         encoding="cp932")
    raw = b"".join(record)
    assert len(raw) == HOUSEHOLDS.width + 2
    rows, issues, used = codec.read(raw, HOUSEHOLDS, L, file="h.dat", form="fixed")
    assert used == "cp932" and issues == [], issues
    assert rows[0].values["address"] == "武雄町1番地" and rows[0].values["number"] == "0000000019"


def test_an_undecodable_byte_is_reported_with_file_line_and_bytes():
    good = _households_csv("0000000019,0000000027,武雄町1番地,,,").encode("cp932")
    bad = "0000000027,0000000035,武雄町".encode("cp932") + b"\x81\x7f" + b",,,\r\n"
    rows, issues, used = codec.read(good + bad, HOUSEHOLDS, L, file="households.csv", encoding="cp932")
    assert len(rows) == 1 and used == "cp932"
    assert [(i.file, i.line, i.rule, i.value) for i in issues] == [("households.csv", 2, "encoding", "81 7f")]


def test_each_bad_value_is_an_issue_naming_line_item_value_and_rule():
    persons = L.file("persons")
    cells = ["" for _ in persons.items]
    rows, issues, _ = codec.read(("," * (len(cells) - 1) + "\r\n").encode(), persons, L, file="persons.csv")
    assert rows == [] and {i.item for i in issues} >= {"宛名番号", "氏", "生年月日"}
    assert all(i.line == 1 and i.rule == "required" for i in issues)
    wrong = codec.read(b"000000001X,,,,\r\n", HOUSEHOLDS, L, file="h.csv")[1]
    assert wrong[0].rule == "columns"


def test_a_character_outside_jis_x_0208_in_an_item_without_gaiji():
    item = L.file("persons").item("relationship")
    with pytest.raises(codec.ValueRefused) as refused:
        codec.convert(item, "𠮷", L, "utf-8")
    assert refused.value.rule == "charset" and "U+20BB7" in refused.value.message_ja
    assert codec.convert(L.file("persons").item("family_name"), "𠮷田", L, "utf-8") == "𠮷田"


def test_kana_half_width_and_hiragana_become_full_width_katakana():
    item = L.file("persons").item("family_name_kana")
    assert codec.convert(item, "ﾔﾏﾀﾞ", L, "cp932") == "ヤマダ"
    assert codec.convert(item, "やまだ", L, "cp932") == "ヤマダ"
    with pytest.raises(codec.ValueRefused):
        codec.convert(item, "Yamada", L, "cp932")


def test_writing_a_character_cp932_cannot_hold_names_the_record_and_item():
    with pytest.raises(codec.ValueNotWritable) as refused:
        list(codec.write([{"number": "19", "head_atena": "27", "address": "𠮷野町1番地"}], HOUSEHOLDS, L,
                         encoding="cp932"))
    assert "1件目" in refused.value.message_ja and "住所" in refused.value.message_ja
    assert "U+20BB7" in refused.value.message_ja


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=dt.date(1868, 1, 25), max_value=dt.date(2099, 12, 31)))
def test_wareki_round_trip(day):
    item = L.file("persons").item("became_resident_on")
    assert codec.convert(item, codec.format_value(item, day, L), L, "utf-8") == day


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd"),
                                      max_codepoint=0x9FFF), max_size=40),
       st.sampled_from(["csv", "fixed"]), st.sampled_from(["utf-8", "cp932"]))
def test_any_address_round_trips_or_is_refused_clearly(address, form, encoding):
    record = {"number": "19", "head_atena": "27", "address": address or "町", "katagaki": "",
              "postal_code": None, "district": ""}
    try:
        raw = b"".join(codec.write([record], HOUSEHOLDS, L, form=form, encoding=encoding))
    except codec.ValueNotWritable as refused:
        assert refused.message_ja
        return
    rows, issues, _ = codec.read(raw, HOUSEHOLDS, L, file="h", form=form, encoding=encoding)
    if issues:
        assert all(i.rule in ("charset", "length", "control") for i in issues), issues
        return
    assert rows[0].values["address"] == (address or "町").rstrip(" \u3000")


def test_every_rule_an_issue_can_name_has_a_japanese_label():
    import re
    from pathlib import Path

    from integrations.standard_spec import residents

    source = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (codec, residents))
    rules = set(re.findall(r'ValueRefused\("([a-z_]+)"', source))
    # the issues the reader and the row checks make themselves
    rules |= {r for r in ("encoding", "columns", "width", "csv", "too_many", "file", "check_digit") if f'"{r}"' in source}
    rules |= {rule for _, _, rule, *_ in residents.CHECKS}
    assert rules >= {"required", "check_digit", "duplicate", "encoding"}, rules
    assert rules <= set(codec.RULE_LABELS), rules - set(codec.RULE_LABELS)
