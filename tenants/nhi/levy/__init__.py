"""The NHI levy engine (国民健康保険税の賦課計算): rate tables as data and a pure calculation.

Plain Python, importable without Django: ``levy(household, table, fiscal_year=...)`` returns the
per-part amounts and a step-by-step explanation in Japanese.
"""

from tenants.nhi.levy.engine import (
    Household,
    LevyResult,
    PartResult,
    Person,
    ReductionResult,
    UnsupportedCase,
    insured_months,
    levy,
    months_with_cover,
)
from tenants.nhi.levy.tables import (
    Adjustment,
    NationalRules,
    PartRates,
    RateTable,
    TableError,
    load_table,
    load_table_file,
    national_rules,
    parse_table,
)

__all__ = [
    "Adjustment",
    "Household",
    "LevyResult",
    "NationalRules",
    "PartRates",
    "PartResult",
    "Person",
    "RateTable",
    "ReductionResult",
    "TableError",
    "UnsupportedCase",
    "insured_months",
    "levy",
    "months_with_cover",
    "load_table",
    "load_table_file",
    "national_rules",
    "parse_table",
]
