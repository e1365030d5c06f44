"""Benchmark `residents-search`: p95 of a name-kana search and of opening a person (both through the
real selectors, read-audit record included) in a town of 100,000 persons, against an unindexed
``icontains`` search over the same rows measured in the same run."""

from __future__ import annotations

import argparse
import random
import time

from .common import django_ready, emit, p95, scratch_database, town_codes


def _timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks residents-search")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--baseline-samples", type=int, default=60)
    parser.add_argument("--protected", type=int, default=500, help="active 支援措置 (checked on every read)")
    args = parser.parse_args(argv)

    with scratch_database():
        django_ready()
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.db.models import Q
        from django_tenants.utils import tenant_context

        from kyodo.identity.models import StaffMembership
        from kyodo.tenancy import services as tenancy
        from kyodo.tenancy.db import use_public_schema
        from tenants.residents import selectors, services
        from tenants.residents.demo import residents_demo_populate
        from tenants.residents.models import PersonVersion

        code = next(town_codes(1, start=42201))
        town = tenancy.municipality_provision(actor=None, code=code, name="計測市", name_kana="ケイソクシ",
                                              applications=["residents"])
        clerk = get_user_model().objects.create_user("bench-clerk", password="bench-password-1")
        chief = get_user_model().objects.create_user("bench-chief", password="bench-password-1")
        StaffMembership.objects.create(user=clerk, municipality=town, role="counter_clerk")
        StaffMembership.objects.create(user=chief, municipality=town, role="section_chief")
        started = time.perf_counter()
        residents_demo_populate(town=town, scale=args.persons / 10_000, seed=7)
        load_s = time.perf_counter() - started
        rng = random.Random(11)
        with tenant_context(town):
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            rows = list(PersonVersion.objects.filter(is_current=True).values_list(
                "person_id", "family_name_kana", "given_name_kana"))
            for person_id, *_ in rng.sample(rows, args.protected):
                services.support_measure_create(actor=chief, town=town, person_id=person_id, starts_on="2024-04-01")
            protected = selectors.protection.protected_person_ids([r[0] for r in rows])
            open_rows = [r for r in rows if r[0] not in protected]
            # Queries as staff type them: hiragana surname + start of the given name, or the full kana.
            import jaconv

            queries = []
            for _, family, given in rng.sample(rows, args.samples):
                queries.append(jaconv.kata2hira(family) + " " + given[:2] if rng.random() < 0.5 else family + given)
            for q in queries[:20]:  # warm-up
                selectors.persons_search(actor=clerk, town=town, query=q)
            search_ms = _timed(lambda q: selectors.persons_search(actor=clerk, town=town, query=q), queries)
            # 部分一致: three kana from inside the full kana (the end of the surname, the start of the name).
            infixes = [(family + given)[max(0, len(family) - 1):][:3] for _, family, given in rng.sample(rows, args.samples)]
            partial_ms = _timed(lambda q: selectors.persons_search(actor=clerk, town=town, query=q, partial=True),
                                infixes)
            person_ids = [r[0] for r in rng.sample(open_rows, args.samples)]
            open_ms = _timed(lambda pid: selectors.person_get(actor=clerk, town=town, person_id=pid), person_ids)

            def baseline(item):
                _, family, given = item
                list(PersonVersion.objects.filter(Q(family_name_kana__icontains=family)
                                                  & Q(given_name_kana__icontains=given[:2]),
                                                  is_current=True)[:50])

            baseline_ms = _timed(baseline, rng.sample(rows, args.baseline_samples))
            # The 抑止 check for a household of 6 among the protected ones (the path with hits),
            # against reading the same 6 current rows without it.
            from tenants.residents import suppression

            by_household: dict[int, list[int]] = {}
            for pid, hid in PersonVersion.objects.filter(is_current=True, person_id__in=protected) \
                    .values_list("person_id", "household_id"):
                by_household.setdefault(hid, []).append(pid)
            pool = [pid for members in sorted(by_household.values(), key=len, reverse=True) for pid in members]
            sixes = [rng.sample(pool, 6) for _ in range(args.samples)]
            for ids in sixes[:20]:  # warm-up (fills the protection cache once)
                suppression.check("inquiry", ids, actor=clerk)
            check_ms = _timed(lambda ids: suppression.check("inquiry", ids, actor=clerk), sixes)
            read_ms = _timed(lambda ids: list(PersonVersion.objects.filter(person_id__in=ids, is_current=True)), sixes)

            def cold(ids):  # the first check after a write: the protected set is recomputed
                selectors.protection._cache.clear()
                suppression.check("inquiry", ids, actor=clerk)

            cold_ms = _timed(cold, sixes[:40])
            measures = selectors.SupportMeasure.objects.filter(status="active").count()
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass('residents_kana_full_trgm') IS NOT NULL")
                trigram = cursor.fetchone()[0]
            count = len(rows)
        use_public_schema()

    base = p95(baseline_ms)
    search = p95(search_ms)
    opened = p95(open_ms)
    emit("residents-search", "search_p95_ms", search, "ms", base, base / search, persons=count,
         samples=len(search_ms), baseline_kind="unindexed icontains on kana columns", goal="<=50 ms",
         load_s=round(load_s, 1))
    emit("residents-search", "partial_search_p95_ms", p95(partial_ms), "ms", base, base / p95(partial_ms),
         persons=count, samples=len(partial_ms), baseline_kind="unindexed icontains on kana columns",
         goal="<=50 ms", trigram_index=trigram)
    emit("residents-search", "open_person_p95_ms", opened, "ms", base, base / opened, persons=count,
         samples=len(open_ms), baseline_kind="unindexed icontains on kana columns", goal="<=50 ms")
    check, read = p95(check_ms), p95(read_ms)
    emit("residents-search", "protected_check_p95_ms", check, "ms", read, read / check, persons=count,
         samples=len(check_ms), active_measures=measures, household_size=6,
         baseline_kind="reading the same 6 current rows without the check", goal="<=2 ms")
    emit("residents-search", "protected_check_cold_p95_ms", p95(cold_ms), "ms", check, check / p95(cold_ms),
         persons=count, samples=len(cold_ms), active_measures=measures,
         baseline_kind="the same check with the cache warm")
    return 0
