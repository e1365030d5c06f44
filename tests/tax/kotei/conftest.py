"""Fixtures of the 固定資産税 tests: a small estate in town A (tests/tax/conftest.py's towns and staff)."""

from __future__ import annotations

import pytest

from tests.residents.conftest import household  # noqa: F401  (fixture)
from tests.tax.kotei.factories import _house, _land, _owner


@pytest.fixture
def estate(tax_a, tax_clerk_a, household):  # noqa: F811  (the fixture imported above)
    """太郎: a home (岡崎市's 負担調整 figures) and a new house; 太郎 and 花子 jointly (1/2 each): a second plot;
    花子 alone: a small plot below the 免税点."""
    taro, hanako = household["taro"], household["hanako"]
    parcels = {
        "home": _land(tax_clerk_a, tax_a, "1番", [_owner(taro)], value=17_000_000, previous=2_500_000),
        "house": _house(tax_clerk_a, tax_a, "1番の1", [_owner(taro)], value=9_000_000, new_from=2024),
        "joint": _land(tax_clerk_a, tax_a, "2番", [_owner(taro, (1, 2), representative=True),
                                                   _owner(hanako, (1, 2))], value=12_000_000, area="300"),
        "small": _land(tax_clerk_a, tax_a, "3番", [_owner(hanako)], value=1_500_000, area="50"),
    }
    return {**household, "parcels": parcels}
