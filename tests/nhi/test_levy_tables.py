"""The NHI rate-table loader: every shipped table loads, and a wrong field is named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tenants.nhi.levy import TableError, load_table, load_table_file, national_rules, parse_table
from tenants.nhi.levy.tables import DATA_DIR

VALID: dict[str, Any] = {
    "table": {"town_code": "412074", "town_name": "鹿島市", "fiscal_year": 2023,
              "sources": ["https://www.city.saga-kashima.lg.jp/main/26687.html"]},
    "parts": {
        "medical": {"income_rate": "11.1%", "per_capita": 25200, "per_household": 37100, "cap": 650000},
        "support": {"income_rate": "2.10%", "per_capita": 4600, "per_household": 6800, "cap": 220000},
        "care": {"income_rate": "2.35%", "per_capita": 14300, "per_household": 8600, "cap": 170000},
    },
}


@pytest.mark.parametrize("path", sorted(p for p in DATA_DIR.glob("*.toml") if p.name != "national.toml"),
                         ids=lambda p: p.name)
def test_every_shipped_table_loads(path: Path) -> None:
    table = load_table_file(path)
    assert path.name == f"{table.town_code}-{table.fiscal_year}.toml"
    assert table.sources


def test_kashima_table_holds_the_official_rates_not_the_third_party_ones() -> None:
    # kokuho-keisan.com lists 1.11%; https://www.city.saga-kashima.lg.jp/main/26687.html says 11.1%.
    assert load_table("412074", 2023).part("medical").income_rate.text == "11.1%"  # type: ignore[union-attr]


def test_a_valid_table_parses_the_same_as_the_shipped_file() -> None:
    assert parse_table(VALID).parts == load_table("412074", 2023).parts


def _broken(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node = data
    for name in parents:
        node = node[name]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(("path", "value"), [
    ("parts.medical.income_rate", "11.1"),       # no % sign
    ("parts.medical.income_rate", 0.111),        # a float would lose the written precision
    ("parts.medical.income_rate", "111%"),
    ("parts.support.cap", None),
    ("parts.care.per_capita", -1),
    ("parts.care.per_household", "8600"),
    ("parts.medical.capp", 1),
    ("table.town_code", "41207"),
    ("table.fiscal_year", "令和5"),
    ("table.sources", []),
])
def test_a_wrong_field_is_named(path: str, value: Any) -> None:
    with pytest.raises(TableError) as caught:
        parse_table(_broken(path, value))
    assert caught.value.field == path


def test_an_unknown_part_and_an_early_child_part_are_refused() -> None:
    with pytest.raises(TableError, match="parts.dental"):
        parse_table(_broken("parts.dental", {"income_rate": "1%", "per_capita": 1, "cap": 1}))
    with pytest.raises(TableError, match="令和8年度"):
        parse_table(_broken("parts.child", {"income_rate": "0.3%", "per_capita": 1800, "cap": 30000}))


def test_a_complete_table_needs_all_three_parts() -> None:
    with pytest.raises(TableError) as caught:
        parse_table(_broken("parts.care", None))
    assert caught.value.field == "parts"


def test_an_adjustment_must_name_parts_of_the_table() -> None:
    data = copy.deepcopy(VALID)
    data["adjustments"] = [{"kind": "per_capita_reduction", "label": "子ども減免", "parts": ["child"],
                            "rate": "80%", "below_age": 18, "source": "https://example.invalid/"}]
    with pytest.raises(TableError) as caught:
        parse_table(data)
    assert caught.value.field == "adjustments[0].parts"


def test_national_rules_by_year_from_the_reference() -> None:
    # 令和5/6/7: 5割 +29万/+29.5万/+30.5万, 2割 +53.5万/+54.5万/+56万 (reference §1.3).
    lines = {y: (national_rules(y).reduction_5_per_person, national_rules(y).reduction_2_per_person)
             for y in (2023, 2024, 2025)}
    assert lines == {2023: (290_000, 535_000), 2024: (295_000, 545_000), 2025: (305_000, 560_000)}
    assert not national_rules(2022).verified
    with pytest.raises(LookupError):
        national_rules(2026)


def test_the_engine_imports_without_django() -> None:
    import subprocess
    import sys

    code = ("import sys, tenants.nhi.levy; "
            "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
