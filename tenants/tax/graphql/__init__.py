"""税務's part of the vendor API (docs/api.md), declared in app.py (``graphql``): the 調定・収納 a contracted
滞納管理 vendor reads (``taxCharges``), its daily files (``taxDeliveries``) and its write-back
(``taxPaymentRecord``, ``taxDelinquencyStatusRecord``, once per Idempotency-Key)."""

from __future__ import annotations

from .. import permissions
from .mutations import Mutation
from .queries import Query, node_charge, node_delivery
from .types import TaxCharge, TaxDelivery

NODES = {"TaxCharge": node_charge, "TaxDelivery": node_delivery}
TYPES = (TaxCharge, TaxDelivery)
STAFF_READS = {"tax": permissions.can_read}
# Unpaged lists, by their usual length (the query cost counts them so): a charge's payments and statuses.
LIST_SIZES = {"TaxCharge.payments": 2, "TaxCharge.statuses": 2}

__all__ = ["LIST_SIZES", "NODES", "STAFF_READS", "TYPES", "Mutation", "Query"]
