"""固定資産税 engine: 住宅用地特例, 負担調整, 免税点, 新築住宅 reduction and the town's rate, per owner."""

from tenants.tax.kotei.engine import (
    Building,
    BuildingLine,
    KindTotal,
    Land,
    LandBase,
    NewHousing,
    PropertyTaxResult,
    land_base,
    property_tax,
)
from tenants.tax.kotei.tables import NationalRules, TownRates, load_table, national_rules, parse_table

__all__ = [
    "Building",
    "BuildingLine",
    "KindTotal",
    "Land",
    "LandBase",
    "NationalRules",
    "NewHousing",
    "PropertyTaxResult",
    "TownRates",
    "land_base",
    "load_table",
    "national_rules",
    "parse_table",
    "property_tax",
]
