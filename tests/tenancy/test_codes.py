import pytest
from django.core.exceptions import ValidationError

from kyodo.tenancy.codes import check_digit, schema_name_for, validate_municipality_code


@pytest.mark.parametrize(
    "code",
    ["412066", "412074", "412091", "414239", "414247", "414255",  # the six Saga towns
     "131016", "011002", "141003", "271004", "130001", "470007"],
)
def test_known_codes_are_valid(code):
    validate_municipality_code(code)
    assert check_digit(code[:5]) == int(code[5])


def test_remainder_zero_gives_one_and_remainder_one_gives_zero():
    # 41209: 4*6+1*5+2*4+0*3+9*2 = 55, 55 mod 11 = 0 -> 11 -> 1 (嬉野市 412091)
    assert check_digit("41209") == 1
    # 13000: 1*6+3*5 = 21, 21 mod 11 = 10 -> 1; 47000: 4*6+7*5 = 59 mod 11 = 4 -> 7
    assert check_digit("47000") == 7


@pytest.mark.parametrize("bad,code", [
    ("412067", "check_digit"), ("41206", "format"), ("4120661", "format"), ("41206a", "format"),
    ("４１２０６６", "format"), ("", "format"), ("992000", "prefecture"),
])
def test_bad_codes_are_clear_errors(bad, code):
    if code == "prefecture":
        bad = "99200" + str(check_digit("99200"))
    with pytest.raises(ValidationError) as exc:
        validate_municipality_code(bad)
    assert exc.value.code == code
    assert "団体コード" in exc.value.messages[0]


def test_wrong_check_digit_message_names_the_expected_digit():
    with pytest.raises(ValidationError) as exc:
        validate_municipality_code("412067")
    assert "6桁目は 6 のはずです" in exc.value.messages[0]


def test_schema_name_comes_from_the_validated_code_only():
    assert schema_name_for("412066") == "town_412066"
    with pytest.raises(ValidationError):
        schema_name_for("412066; DROP SCHEMA public")
