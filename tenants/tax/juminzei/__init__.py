"""個人住民税 engine: town rates and national rules as data, a pure calculation per taxpayer.

``resident_tax(taxpayer, load_table("151009", 2026), fiscal_year=2026)`` returns the amounts, the
step-by-step explanation in Japanese, and the 普通徴収 / 特別徴収 schedules.
"""

from tenants.tax.juminzei.engine import (
    Instalment,
    ResidentTaxResult,
    Taxpayer,
    ordinary_schedule,
    resident_tax,
    salary_income,
    special_schedule,
)
from tenants.tax.juminzei.tables import NationalRules, TownRates, load_table, national_rules, parse_table

__all__ = [
    "Instalment",
    "NationalRules",
    "ResidentTaxResult",
    "Taxpayer",
    "TownRates",
    "load_table",
    "national_rules",
    "ordinary_schedule",
    "parse_table",
    "resident_tax",
    "salary_income",
    "special_schedule",
]
