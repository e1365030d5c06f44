"""Benchmark `tax-run`: the annual 税務 runs of a 100,000-resident town, each against the same work done record
by record through the ORM, in the same run, in a throw-away database that is dropped afterwards.

- ``juminzei_100k_s``: ``juminzei.services.assessments_calculate`` — the 個人住民税 of every taxpayer of the year
  (the taxpayers and their 所得資料 read in two queries, the engine per taxpayer in Python, the rows bulk inserted,
  one audit record), run twice in a row: the year's first calculation (every row written with COPY) and a
  recalculation with nothing changed (every outcome compared with the current row and kept: nothing written);
  the slower of the two is reported. Baseline: ``juminzei.services.assessment_calculate`` — the 単票 service (its own queries, row and
  audit record per taxpayer) — called for a sample of taxpayers and scaled to the whole town. The ratio is
  baseline ÷ value.

The town is 412066 (武雄市, whose shipped 令和7年度 rate table is used) provisioned in the scratch database; its
taxpayers are 100,000 synthetic ``Taxpayer`` rows (the residents registry is not filled: the figure is the
calculation, not the 1 January linking), about 60 % with a 所得資料 (給与支払報告書, 公的年金等 with its 収入金額,
申告), bulk inserted.

- ``kotei_parcels_s``: the 固定資産税 of 200,000 parcels, from benchmarks/tax_kotei.py (its docstring says how),
  run afterwards in the same scratch database with a town of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from .common import django_ready, emit, scratch_database

FISCAL_YEAR = 2025
TOWN_CODE = "412066"


def _fill(persons: int, *, clerk_name: str) -> int:
    from tenants.tax.juminzei.models import IncomeImport, IncomeReport, Taxpayer

    rng = random.Random(11)
    taxpayers, reports = [], []
    batch = IncomeImport.objects.create(fiscal_year=FISCAL_YEAR, filename="benchmark.csv", rows=0,
                                        imported_by=clerk_name)
    for pid in range(1, persons + 1):
        atena = f"{pid:012d}"
        birth = dt.date(1940 + rng.randrange(80), 1 + rng.randrange(12), 1 + rng.randrange(28))
        taxpayers.append(Taxpayer(fiscal_year=FISCAL_YEAR, person_id=pid, atena_number=atena, name=f"計測\u3000{pid}",
                                  birth_date=birth, address="佐賀県武雄市武雄町大字武雄1番地",
                                  household_id=(pid + 2) // 3, is_head=pid % 3 == 1,
                                  mail_address="佐賀県武雄市武雄町大字武雄1番地", linked_by=clerk_name))
        draw = rng.random()
        common = {"fiscal_year": FISCAL_YEAR, "person_id": pid, "atena_number": atena, "source": batch, "line": pid}
        if draw < 0.45:
            revenue = rng.randrange(800_000, 8_400_000, 1000)
            reports.append(IncomeReport(kind="salary", payer_number=f"K{rng.randrange(1, 300):04d}",
                                        payer_name="計測株式会社", salary_revenue=revenue,
                                        social_insurance=revenue * 15 // 100,
                                        dependants=rng.choice(([], [], ["spouse_general"], ["dependant_general"],
                                                               ["spouse_general", "dependant_young"])), **common))
        elif draw < 0.55:
            revenue = rng.randrange(0, 3_000_000, 1000)  # 収入金額: the engine computes the 雑所得 by age
            reports.append(IncomeReport(kind="pension", pension_revenue=revenue, social_insurance=revenue // 20,
                                        **common))
        elif draw < 0.6:
            income = rng.randrange(300_000, 5_000_000, 1000)
            reports.append(IncomeReport(kind="declaration", other_income=income, social_insurance=income // 8,
                                        **common))
    Taxpayer.objects.bulk_create(taxpayers, batch_size=5000)
    IncomeReport.objects.bulk_create(reports, batch_size=5000)
    IncomeImport.objects.filter(pk=batch.pk).update(rows=len(reports))
    return len(reports)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks tax-run")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="taxpayers the baseline loop calculates")
    parser.add_argument("--parcels", type=int, default=200_000, help="固定資産税 parcels (kotei_parcels_s)")
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from django.contrib.auth import get_user_model
        from django_tenants.utils import tenant_context

        from kyodo.identity.models import StaffMembership
        from kyodo.tenancy import services as tenancy
        from kyodo.tenancy.db import use_public_schema
        from tenants.tax.juminzei import services
        from tenants.tax.juminzei.models import Assessment

        town = tenancy.municipality_provision(actor=None, code=TOWN_CODE, name="武雄市", name_kana="タケオシ",
                                              hosts=["bench-takeo.localhost"], applications=["residents", "tax"])
        users = get_user_model().objects
        clerk = users.create_user("bench-tax-clerk", password="bench-password-1", last_name="計測", first_name="担当")
        chief = users.create_user("bench-tax-chief", password="bench-password-1", last_name="計測", first_name="課長")
        StaffMembership.objects.create(user=clerk, municipality=town, role="tax_clerk")
        StaffMembership.objects.create(user=chief, municipality=town, role="tax_chief")
        with tenant_context(town):
            started = time.perf_counter()
            reports = _fill(args.persons, clerk_name=clerk.username)
            setup_s = time.perf_counter() - started

            runs, phases, written = [], [], []
            for _ in range(2):
                t0 = time.perf_counter()
                done = services.assessments_calculate(actor=chief, town=town, fiscal_year=FISCAL_YEAR)
                runs.append(time.perf_counter() - t0)
                phases.append(done.seconds)
                written.append((done.calculated, done.unchanged))
            rng = random.Random(3)
            sample = sorted(rng.sample(range(1, args.persons + 1), min(args.sample, args.persons)))
            t0 = time.perf_counter()
            for pid in sample:
                services.assessment_calculate(actor=clerk, town=town, fiscal_year=FISCAL_YEAR, person_id=pid)
            looped_s = time.perf_counter() - t0
            baseline = looped_s * args.persons / len(sample)
            current = Assessment.objects.filter(fiscal_year=FISCAL_YEAR, is_current=True).count()
            rows = Assessment.objects.count()

        use_public_schema()
        # 固定資産税 (kotei_parcels_s), in the same scratch database with a town of its own: benchmarks/tax_kotei.py,
        # which prints its own line (also runnable alone as ``python -m benchmarks tax-kotei``).
        from . import tax_kotei

        tax_kotei.run(parcels=args.parcels, scratch=False)

    value = max(runs)
    emit("tax-run", "juminzei_100k_s", value, "s", baseline, baseline / value, taxpayers=args.persons,
         income_reports=reports, written=[w for w, _ in written], kept=[k for _, k in written],
         unsupported=done.unsupported,
         runs_s=[round(r, 3) for r in runs], phases_s=phases, baseline_sample=len(sample), baseline_sample_s=round(looped_s, 3),
         current_rows=current, assessments_written=rows, setup_s=round(setup_s, 1),
         baseline_kind="the 単票 service (per-taxpayer queries, row and audit record) on a sample, scaled",
         goal="<=5 s and >=20x")
    return 0
