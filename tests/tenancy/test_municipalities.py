"""The known municipalities (data/municipalities.csv, 総務省「全国地方公共団体コード」) and the onboarding
rule that a known code comes with its own name and reading."""

import csv

import pytest
from django.core.exceptions import ValidationError

from kyodo.demo import SAGA_TOWNS
from kyodo.tenancy import services
from kyodo.tenancy.codes import (
    MUNICIPALITIES_FILE,
    check_digit,
    known_municipalities,
    prefecture_of,
    validate_municipality_code,
)
from kyodo.tenancy.models import Municipality

ROWS = list(csv.DictReader(MUNICIPALITIES_FILE.open(encoding="utf-8", newline="")))


def test_the_file_has_the_documented_header_and_every_saga_municipality():
    assert MUNICIPALITIES_FILE.read_text(encoding="utf-8").splitlines()[0] == "code,name,name_kana,prefecture"
    saga = [r for r in ROWS if r["prefecture"] == "佐賀県"]
    assert len([r for r in saga if r["name"].endswith("市")]) == 10
    assert len([r for r in saga if r["name"].endswith("町")]) == 10
    assert {r["code"]: r["name"] for r in saga if r["code"] in {"414018", "414239", "414247", "414255", "414417"}} == {
        "414018": "有田町", "414239": "大町町", "414247": "江北町", "414255": "白石町", "414417": "太良町"}


@pytest.mark.parametrize("row", ROWS, ids=[r["code"] for r in ROWS])
def test_each_row_is_a_valid_code_of_its_prefecture_with_a_katakana_reading(row):
    validate_municipality_code(row["code"])
    assert int(row["code"][5]) == check_digit(row["code"][:5])
    assert prefecture_of(row["code"]) == row["prefecture"]
    assert row["name_kana"] and all("\u30a1" <= ch <= "\u30fc" for ch in row["name_kana"])


def test_codes_and_names_are_unique_and_the_cache_matches_the_file():
    assert len({r["code"] for r in ROWS}) == len({(r["prefecture"], r["name"]) for r in ROWS}) == len(ROWS)
    assert {c: (m.name, m.name_kana) for c, m in known_municipalities().items()} == {
        r["code"]: (r["name"], r["name_kana"]) for r in ROWS}


@pytest.mark.parametrize("town", SAGA_TOWNS, ids=[t.code for t in SAGA_TOWNS])
def test_the_demo_towns_match_the_file(town):
    known = known_municipalities()[town.code]
    assert (known.name, known.name_kana, known.prefecture) == (town.name, town.kana, "佐賀県")


# --- onboarding ---------------------------------------------------------------------------------

def _provision(**data):
    base = {"code": "414239", "name": "大町町", "name_kana": "オオマチチョウ", "hosts": ["omachi.test"]}
    return services.municipality_provision(actor=None, **{**base, **data})


@pytest.mark.django_db
def test_a_known_code_with_another_towns_name_is_refused_naming_the_expected_name():
    with pytest.raises(ValidationError) as exc:
        _provision(name="江北町", name_kana="コウホクマチ")
    assert exc.value.message_dict == {"name": ["団体コード 414239 は大町町のコードです（入力: 江北町）。"]}
    assert not Municipality.objects.filter(code="414239").exists()


@pytest.mark.django_db
def test_a_known_code_with_the_wrong_reading_is_refused():
    with pytest.raises(ValidationError) as exc:
        _provision(code="414247", name="江北町", name_kana="コウホクチョウ", hosts=["kohoku.test"])
    assert exc.value.message_dict == {
        "name_kana": ["江北町（414247）の名称カナは コウホクマチ です（入力: コウホクチョウ）。"]}


@pytest.mark.django_db
def test_a_known_code_with_its_own_name_is_onboarded():
    town = _provision(name_kana="おおまちちょう")
    assert (town.code, town.name, town.name_kana, town.prefecture) == ("414239", "大町町", "オオマチチョウ", "佐賀県")


@pytest.mark.django_db
def test_ke_written_either_way_is_the_same_name_and_the_listed_spelling_is_kept():
    town = _provision(code="413275", name="吉野ケ里町", name_kana="ヨシノガリチョウ", hosts=["yoshinogari.test"])
    assert town.name == "吉野ヶ里町"


@pytest.mark.django_db
def test_a_code_not_in_the_file_is_still_allowed():
    code = "42001" + str(check_digit("42001"))  # the benchmarks' range: no municipality has it
    assert code not in known_municipalities()
    town = _provision(code=code, name="計測町", name_kana="ケイソクチョウ", hosts=["bench.test"])
    assert town.name == "計測町"
