"""Fixtures of 法人住民税: a registered corporation of town A (valid 法人番号 with its check digit)."""

from __future__ import annotations

from datetime import date

import pytest

from tenants.tax.hojin.engine import corporate_number_check_digit


def corporate_number(base: str) -> str:
    """A valid 法人番号 for a 12-digit 基礎番号 (check digit first)."""
    return f"{corporate_number_check_digit(base)}{base}"


def corporation_data(**extra) -> dict:
    data = {"corporate_number": corporate_number("123456789012"), "name": "株式会社武雄製作所",
            "kana": "タケオセイサクショ", "head_office_address": "佐賀県武雄市武雄町大字昭和1番地",
            "office_address": "佐賀県武雄市武雄町大字昭和1番地", "capital": 30_000_000, "employees": 12,
            "fiscal_year_end_month": 3}
    data.update(extra)
    return data


def final_return(**extra) -> dict:
    data = {"kind": "final", "period_start": date(2024, 4, 1), "period_end": date(2025, 3, 31),
            "capital": 30_000_000, "capital_and_reserve": 0, "employees": 12, "corporate_tax": 4_567_890,
            "filed_on": date(2025, 5, 20)}
    data.update(extra)
    return data


@pytest.fixture
def corporation_a(tax_a, tax_clerk_a):
    from tenants.tax.hojin import services

    return services.corporation_register(actor=tax_clerk_a, town=tax_a, data=corporation_data())
