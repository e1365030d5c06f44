"""The demo's 国保 (declared in app.py): about one household in four insured, as an initial migration
(初期移行) recorded by the town's counter clerk through the real services. Idempotent."""

from __future__ import annotations

import random

from django_tenants.utils import tenant_context

from tenants.residents.models import PersonVersion

from . import residents_facts, services
from .models import AcquisitionReason, Enrolment

SHARE = 4  # 国保 covers roughly a quarter of a town's residents


def nhi_demo_load(*, town, staff: dict, scale: float, seed: int) -> list[str]:
    clerk = staff.get("counter_clerk")
    if clerk is None:
        return []
    with tenant_context(town):
        from .levy_services import ratetables_seed

        seeded = [f"国保の税率表（同梱）: {t.fiscal_year}年度" for t in ratetables_seed(town=town)]
        if Enrolment.objects.exists():
            return seeded
        rng = random.Random(f"nhi:{town.code}:{seed}")
        households = sorted(set(PersonVersion.objects.filter(is_current=True).values_list("household_id", flat=True)))
        insured = 0
        for household_id in households:
            if rng.randrange(SHARE):
                continue
            members = residents_facts.members(household_id)
            for v in members:
                on = max(v.became_resident_on, v.birth_date)
                services.enrolment_acquire(actor=clerk, town=town, person_id=v.person_id, acquired_on=on,
                                           reason=AcquisitionReason.OTHER, note="初期移行（デモ）")
                insured += 1
            head = next((v for v in members if v.is_head), None)
            if head is not None:
                services.payer_set(actor=clerk, town=town, household_id=household_id, person_id=head.person_id,
                                   valid_from=max(v.became_resident_on for v in members))
    return [*seeded, f"国保の被保険者（デモ）: {insured}人"]
