"""The demo's 国保 (declared in app.py): about one household in four insured, as an initial migration
(初期移行) recorded by the town's counter clerk through the real services. Idempotent."""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

from django_tenants.utils import tenant_context

from tenants.residents.models import PersonVersion

from . import residents_facts, services
from .levy.tables import DATA_DIR
from .models import AcquisitionReason, Enrolment

SHARE = 4  # 国保 covers roughly a quarter of a town's residents
DEMO_TABLES = Path(__file__).resolve().parent / "demo_tables"


def latest_national_year() -> int:
    """The latest fiscal year whose national figures (軽減・限度額) are recorded in levy/data/national.toml."""
    data = tomllib.loads((DATA_DIR / "national.toml").read_text(encoding="utf-8"))
    return max(int(y) for y in data["years"])


def _demo_table(town, clerk, approver) -> list[str]:
    """A table for the latest year with national figures, so that a 転入 of that year is levied in the demo:
    the town's newest approved table carried forward (据置), else the demo-only table shipped for the town —
    proposed by the clerk and approved by the approver, as any change."""
    from .levy_models import RateTable, TableStatus
    from .levy_services import ratetable_carry_forward, ratetable_decide, ratetable_propose

    year = latest_national_year()
    if approver is None or RateTable.objects.filter(fiscal_year=year).exists():
        return []
    source = (RateTable.objects.filter(status=TableStatus.APPROVED, is_current=True, fiscal_year__lt=year)
              .order_by("-fiscal_year").first())
    demo_file = DEMO_TABLES / f"{town.code}.toml"
    if source is not None:
        row = ratetable_carry_forward(actor=clerk, town=town, source_table_id=source.pk, fiscal_year=year,
                                      note=f"デモ: {source.fiscal_year}年度の税率を{year}年度に据置")
    elif demo_file.exists():
        text = demo_file.read_text(encoding="utf-8")
        text = text.replace("fiscal_year = 2023", f"fiscal_year = {year}")
        row = ratetable_propose(actor=clerk, town=town, fiscal_year=year, text=text,
                                note="デモ: 第三者サイトの税率（未確認）を準用")
    else:
        return []
    ratetable_decide(actor=approver, town=town, table_id=row.pk, approve=True)
    return [f"国保の税率表（デモ）: {year}年度（{row.note}）"]


def nhi_demo_load(*, town, staff: dict, scale: float, seed: int) -> list[str]:
    clerk = staff.get("counter_clerk")
    if clerk is None:
        return []
    with tenant_context(town):
        from .levy_services import ratetables_seed

        seeded = [f"国保の税率表（同梱）: {t.fiscal_year}年度" for t in ratetables_seed(town=town)]
        seeded += _demo_table(town, clerk, staff.get("approver"))
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
