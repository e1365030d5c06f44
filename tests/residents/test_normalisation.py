"""Search folding and date parsing (pure functions; the rules are in docs/residents.md)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tenants.residents.dates import parse_date, to_wareki
from tenants.residents.numbers import mod11_weights_2_7, with_check_digit
from tenants.residents.search import fold_kana, fold_name, is_kana


@pytest.mark.parametrize("typed,stored", [
    ("やまだ たろう", "ヤマダタロウ"), ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"), ("ヤマダ　タロウ", "ヤマダタロウ"),
    ("ジョー", "ジヨー"), ("ヴァイオレット", "ブアイオレツト"),
])
def test_kana_folding(typed, stored):
    assert fold_kana(typed) == fold_kana(stored)


@pytest.mark.parametrize("a,b", [("髙橋", "高橋"), ("渡邉", "渡辺"), ("渡邊", "渡辺"), ("濱田", "浜田"),
                                 ("齋藤", "斎藤"), ("山﨑", "山崎"), ("邉\U000E0101", "辺"), ("ｻﾄｳ", "さとう")])
def test_variant_folding(a, b):
    assert fold_name(a) == fold_name(b)


def test_different_names_stay_different():
    assert fold_name("高橋") != fold_name("高梁")
    assert is_kana(fold_kana("やまだ")) and not is_kana(fold_name("山田"))


@pytest.mark.parametrize("text,date", [
    ("令和6年4月1日", dt.date(2024, 4, 1)), ("R6.4.1", dt.date(2024, 4, 1)), ("平成元年1月8日", dt.date(1989, 1, 8)),
    ("平成31年4月30日", dt.date(2019, 4, 30)), ("令和元年5月1日", dt.date(2019, 5, 1)), ("２０２４／４／１", dt.date(2024, 4, 1)),
    ("S55.4.1", dt.date(1980, 4, 1)), ("2024年2月29日", dt.date(2024, 2, 29)),
])
def test_dates_that_exist(text, date):
    assert parse_date(text, label="異動日") == date


@pytest.mark.parametrize("text,code", [
    ("平成31年5月1日", "era_range"), ("令和1年4月30日", "era_range"), ("昭和64年1月8日", "era_range"),
    ("2023-02-29", "invalid_date"), ("令和6年2月30日", "invalid_date"), ("明日", "format"), ("", "required"),
])
def test_dates_that_do_not_exist(text, code):
    with pytest.raises(ValidationError) as exc:
        parse_date(text, label="異動日")
    assert exc.value.code == code
    assert exc.value.messages[0].startswith("異動日")


def test_wareki_display():
    assert to_wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert to_wareki(dt.date(2019, 4, 30)) == "平成31年4月30日"


def test_mod11_check_digit():
    # weights 2..7 from the right: 000000001 -> 1*2 = 2, 11-2 = 9
    assert with_check_digit(1) == "0000000019"
    assert mod11_weights_2_7("000000000") == 0


@pytest.mark.parametrize("value", ["12345678901²", "²²²²²²²²²²²²", "١٢٣٤٥٦٧٨٩٠١٢", "1234567890a1", "12345678901"])
def test_my_number_takes_only_ascii_or_full_width_digits(value):
    from django.core.exceptions import ValidationError

    from tenants.residents.numbers import validate_my_number

    with pytest.raises(ValidationError) as exc:
        validate_my_number(value)
    assert exc.value.code == "format"


def test_full_width_numbers_are_read_as_ascii():
    from tenants.residents.numbers import my_number_check_digit, validate_my_number, validate_resident_code

    body = "12345678901"
    number = body + str(my_number_check_digit(body))
    full = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert validate_my_number(full) == number
    assert validate_resident_code("１２３４５６７８９０１") == "12345678901"


@pytest.mark.parametrize("value", ["1234567890²", "١٢٣٤٥٦٧٨٩٠١", "123456789012"])
def test_resident_code_refuses_other_digits(value):
    from django.core.exceptions import ValidationError

    from tenants.residents.numbers import validate_resident_code

    with pytest.raises(ValidationError):
        validate_resident_code(value)
