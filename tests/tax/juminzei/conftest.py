"""Fixtures of the 個人住民税 tests: the residents' household of town A, and its taxpayers of 令和7年度 linked."""

from __future__ import annotations

import pytest

from tests.residents.conftest import household  # noqa: F401  (fixture)

FY = 2025


@pytest.fixture
def linked(tax_a, tax_clerk_a, household):  # noqa: F811
    from tenants.tax.juminzei import services

    services.taxpayers_link(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)
    return household
