"""Deciding a 個人住民税 作業 (called by tenants.tax.services.workitem_decide in its transaction).

住所変更（送付先）: 確定 writes the proposed address as the 送付先 of the person's Taxpayer rows of the
proposal's years (an item without a proposed address is only recorded); 修正して確定 writes the address staff entered (``values["address"]``, ``values["katagaki"]``).
相続人代表者の指定: 確定 records the decision only (staff name the 相続人代表者 in the 作業's note; no
heir register is kept here). 却下・対象外 change nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from tenants.tax.models import WorkKind, WorkStatus

from . import services


def apply(item, *, actor, town, decision: str, values: dict) -> None:
    if decision in (WorkStatus.REJECTED, WorkStatus.DISMISSED):
        return
    proposed = item.proposed or {}
    if item.kind == WorkKind.ADDRESS_CHANGE:
        if decision == WorkStatus.ADJUSTED:
            address, katagaki = values.get("address", ""), values.get("katagaki", "")
        else:
            address, katagaki = proposed.get("address", ""), proposed.get("katagaki", "")
            if not address:  # nothing proposed to write (an item made by hand): confirming records it only
                return
        services.mail_address_change(actor=actor, town=town, person_id=item.person_id,
                                     fiscal_years=proposed.get("fiscal_years", []), address=address,
                                     katagaki=katagaki)
        return
    if item.kind == WorkKind.HEIR_REPRESENTATIVE:
        if decision == WorkStatus.ADJUSTED:
            raise ValidationError({"decision": ["相続人代表者の指定は修正して確定できません。"]})
        return
    raise ValidationError({"decision": ["この作業は個人住民税では処理できません。"]})
