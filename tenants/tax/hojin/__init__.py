"""法人住民税 (法人市町村民税) engine: 均等割 and 法人税割 at the town's rates, 法人番号 validation."""

from tenants.tax.hojin.engine import (
    CorporateResidentTaxResult,
    CorporateReturn,
    corporate_number_check_digit,
    corporate_resident_tax,
    office_months,
    validate_corporate_number,
)
from tenants.tax.hojin.tables import Standard, TownRates, load_table, parse_table, standard

__all__ = [
    "CorporateReturn",
    "CorporateResidentTaxResult",
    "Standard",
    "TownRates",
    "corporate_number_check_digit",
    "corporate_resident_tax",
    "load_table",
    "office_months",
    "parse_table",
    "standard",
    "validate_corporate_number",
]
