"""The daily file of the 滞納管理 link in the standard-spec layer's layout ``tainou-1.0`` (integrations/
standard_spec/layouts/tainou-1.0): one record per current 調定 with its 収納 totals, latest 滞納整理の状況 and the
taxpayer's 宛名 and 送付先 (withheld under a 支援措置). Written with ``integrations.standard_spec.codec.write``."""

from __future__ import annotations

import datetime as dt

from integrations.standard_spec import codec
from integrations.standard_spec import layout as layouts
from kyodo.api import ids

LAYOUT = "tainou-1.0"
FILE = "charges"


def charge_node_id(town_code: str, charge_id: int) -> str:
    """The charge's GraphQL id (``TaxCharge``), the one the write-back mutations take."""
    return ids.node_id("TaxCharge", town_code, charge_id)


def record_of(town_code: str, row) -> dict:
    charge, status = row.charge, row.status
    return {"town_code": town_code, "charge_id": charge_node_id(town_code, charge.pk), "tax": charge.tax,
            "fiscal_year": charge.fiscal_year, "notice_no": charge.notice_no, "instalment": charge.instalment,
            "subject_kind": charge.subject_kind, "atena_number": charge.atena_number,
            "corporate_number": charge.corporate_number, "name": charge.name,
            "postal_code": row.addressee.postal_code, "address": row.addressee.address,
            "address_withheld": "true" if row.addressee.withheld else "false", "amount": charge.amount,
            "due_on": charge.due_on, "paid": row.paid, "balance": row.balance, "last_paid_on": row.last_paid_on,
            "stage": status.stage if status else "", "stage_as_of": status.as_of if status else None}


def file_bytes(town, rows) -> bytes:
    layout = layouts.load(LAYOUT)
    return b"".join(codec.write((record_of(town.code, r) for r in rows), layout.file(FILE), layout,
                                encoding="utf-8", label="調定"))


def file_name(town, client_id: str, on_date: dt.date) -> str:
    return f"tainou_{town.code}_{client_id}_{on_date:%Y%m%d}.csv"[:120]


def read_back(content: bytes) -> list[dict]:
    """The records of a delivered file, as the vendor's side reads it (for tests and the vendor guide)."""
    layout = layouts.load(LAYOUT)
    rows, issues, _ = codec.read(content, layout.file(FILE), layout, file=FILE)
    if issues:
        raise ValueError("; ".join(i.message_en for i in issues[:5]))
    return [dict(r.values) for r in rows]
