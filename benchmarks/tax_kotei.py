"""Benchmark `tax-kotei`: 固定資産税 for a town of 200,000 parcels (100,000 宅地 with a 居宅 on each; one owner in
eight 共有 with a second person, 1/2 each), the whole-town calculation for 令和7年度, in a throw-away database.

- ``kotei_parcels_s``: ``kotei.services.assessments_calculate`` (parcels and owners on the 賦課期日 read in plain
  queries, the figures per 納税義務者, the rows written with COPY, one audit record), run twice; the first run is
  reported (it writes every row; the second finds each 納税義務者 unchanged and writes none, ``runs_s``). Baseline: ``assessment_calculate_one`` — the ORM 単票
  calculation (its own queries, row and audit record per 納税義務者) — on a sample of 納税義務者, scaled to all
  of them. Goal: ≤ 5 s.

The parcels and owners are synthetic rows loaded with COPY (owners are person ids with no residents record:
the calculation reads no residents data)."""

from __future__ import annotations

import argparse
import random
import time

from .common import django_ready, emit, scratch_database

FISCAL_YEAR = 2025
NAME = "tax-kotei"


def _fill(parcels: int, seed: int = 7) -> dict:
    """COPY ``parcels`` parcels (half 宅地, half 居宅) and their owners into the current town's schema."""
    import datetime as dt

    from django.db import connection

    from tenants.tax.kotei.models import Ownership, Parcel

    rng = random.Random(seed)
    homes = parcels // 2
    parcel_cols = ("id", "kind", "location", "number", "category", "area", "value", "previous_base", "housing_area",
                   "dwellings", "new_housing_first_year", "new_housing_area", "new_housing_midrise", "status",
                   "origin", "updated_at")
    owner_cols = ("parcel_id", "person_id", "atena_number", "corporate_number", "name", "share_numerator",
                  "share_denominator", "is_representative", "manager_name", "manager_address", "valid_from",
                  "source")
    now = dt.datetime.now(dt.UTC)
    since = dt.date(2010, 4, 1)
    co_owned = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {Parcel._meta.db_table} ({', '.join(parcel_cols)}) FROM STDIN") as copy:
            for i in range(homes):
                area = rng.randrange(10_000, 50_000) / 100
                value = int(area) * rng.randrange(8_000, 40_000)
                previous = None if i % 5 == 0 else int(value / 6 * rng.uniform(0.7, 1.05))
                copy.write_row((2 * i + 1, "land", f"計測町大字{i % 40}", f"{i}番", "03", f"{area:.2f}", value,
                                previous, f"{area:.2f}", 1, None, None, False, "active", "bench", now))
                floor = rng.randrange(6_000, 20_000) / 100
                new = i % 10 == 3
                copy.write_row((2 * i + 2, "building", f"計測町大字{i % 40}", f"{i}番の1", "01", f"{floor:.2f}",
                                int(floor) * rng.randrange(30_000, 90_000), None, "0", 1, 2024 if new else None,
                                f"{floor:.2f}" if new else None, False, "active", "bench", now))
        with cursor.copy(f"COPY {Ownership._meta.db_table} ({', '.join(owner_cols)}) FROM STDIN") as copy:
            for i in range(homes):
                person = i + 1
                joint = i % 8 == 7
                co_owned += joint
                for pid in (2 * i + 1, 2 * i + 2):
                    if joint:
                        copy.write_row((pid, person, f"{person:010d}", "", f"所有者{person}", 1, 2, True, "", "",
                                        since, "bench"))
                        other = homes + person
                        copy.write_row((pid, other, f"{other:010d}", "", f"共有者{other}", 1, 2, False, "", "",
                                        since, "bench"))
                    else:
                        copy.write_row((pid, person, f"{person:010d}", "", f"所有者{person}", 1, 1, True, "", "",
                                        since, "bench"))
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Parcel._meta.db_table}', 'id'), %s)", [parcels])
        cursor.execute(f"ANALYZE {Parcel._meta.db_table}")
        cursor.execute(f"ANALYZE {Ownership._meta.db_table}")
    return {"parcels": homes * 2, "co_owned_taxpayers": co_owned}


def run(*, parcels: int = 200_000, sample: int = 500, scratch: bool = True) -> list[dict]:
    """Measure ``kotei_parcels_s``; print one JSON line per figure and return them as dicts. With
    ``scratch`` (the default) a throw-away database is made and dropped; without it the caller has entered
    one and set Django up (benchmarks/tax_run.py)."""
    if scratch:
        with scratch_database():
            django_ready()
            return _measure(parcels, sample)
    return _measure(parcels, sample)


def _measure(parcels: int, sample: int) -> list[dict]:
    import json
    import sys
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context

    from kyodo.identity.models import StaffMembership
    from kyodo.tenancy import services as tenancy
    from kyodo.tenancy.db import use_public_schema
    from tenants.tax.kotei import services
    from tenants.tax.kotei.models import PropertyAssessment

    # 武雄市's code in the throw-away database: its shipped rate table (1.48%) is the one used
    code = "412066"
    from kyodo.tenancy.models import Municipality

    # tax-run calls this after its 個人住民税 part, in the same scratch database: the town is then already there
    town = Municipality.objects.filter(code=code).first() or tenancy.municipality_provision(
        actor=None, code=code, name="武雄市", name_kana="タケオシ", hosts=[f"t{code}.localhost"],
        applications=["residents", "tax"])
    chief = get_user_model().objects.create_user(f"bench-kotei-chief-{code}", password="bench-password-1")
    StaffMembership.objects.create(user=chief, municipality=town, role="tax_chief")
    with tenant_context(town):
        started = time.perf_counter()
        facts = _fill(parcels)
        setup_s = time.perf_counter() - started
        runs, done = [], []
        for _ in range(2):
            t0 = time.perf_counter()
            done.append(services.assessments_calculate(actor=chief, town=town, fiscal_year=FISCAL_YEAR))
            runs.append(time.perf_counter() - t0)
        counts = done[0]
        keys = list(PropertyAssessment.objects.filter(is_current=True).order_by("pk")
                    .values_list("taxpayer_key", flat=True))
        picked = random.Random(3).sample(keys, min(sample, len(keys)))
        t0 = time.perf_counter()
        for key in picked:
            services.assessment_calculate_one(actor=chief, town=town, fiscal_year=FISCAL_YEAR, key=key)
        sampled = time.perf_counter() - t0
        baseline = sampled / len(picked) * len(keys)
    use_public_schema()
    value = runs[0]  # the first run writes every row; the second finds them unchanged
    out, saved = StringIO(), sys.stdout
    sys.stdout = out
    try:
        emit(NAME, "kotei_parcels_s", value, "s", baseline, baseline / value, parcels=counts["parcels"],
             taxpayers=counts["taxpayers"], co_owned=facts["co_owned_taxpayers"], exempt=counts["exempt"],
             unsupported=counts["unsupported"], written=counts["written"], runs_s=[round(r, 3) for r in runs], setup_s=round(setup_s, 1),
             baseline_sample=len(picked), baseline_sample_s=round(sampled, 3),
             baseline_kind="the ORM 単票 calculation per 納税義務者 on a sample, scaled to all", goal="<=5 s")
    finally:
        sys.stdout = saved
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    for line in out.getvalue().splitlines():
        print(line, flush=True)
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks tax-kotei")
    parser.add_argument("--parcels", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=500)
    args = parser.parse_args(argv)
    run(parcels=args.parcels, sample=args.sample)
    return 0
