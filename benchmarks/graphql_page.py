"""Benchmark `graphql-page`: the vendor GraphQL API (``/graphql/`` on a town host) through the whole
Django stack — bearer token, the caller's reach, parse and validation, static cost, the leaky bucket
(Redis), execution with the dataloaders, actual cost and refund, the audit entry — with Django's test
client on the town's host and a real vendor token from the development OpenID provider
(integrations.keycloak.devidp, started on a loopback port for the run and stopped afterwards).

The token is introspected over HTTP at the IdP on its first request; the view then keeps the
principal for 30 s per token (``INTROSPECTION_CACHE_SECONDS``), so the timed requests measure the
cached principal, not a round trip to the realm per request (``principal`` in the output says so).

- ``page_p99_ms``: p99 of every page request while reading 1,000 residents as 4 pages of 250
  (``persons(first: 250, after: $c) { nodes { id fullName address { address } household { number } }
  pageInfo { endCursor hasNextPage } }``), ``--runs`` times. Baseline, same run, same query through the
  same view: **naive per-row resolvers** — the loaders' batching is switched off in this process
  (``BatchLoader.want`` does nothing), so every ``household`` is fetched with its own query.
  ``gc_ms_max`` and ``p99_without_gc_ms``: time in Python's cyclic garbage collector during a page.
  ``sql_queries`` per page for both (the leaky bucket's keys are emptied before every request, outside
  the timing, so no request is throttled; the bucket's take and refund still run).
- ``feed_events_s``: ``--events`` residents outbox events (``emit_many`` in the town's schema,
  ``residents.relocated`` with real person ids) followed with ``changes(after:, first: 250)`` through the
  view to the end; events/s. Baseline: the same events read page by page straight from the outbox
  table with the ORM (no API, no feed filter, no audit).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from .common import django_ready, emit, free_port, percentile, scratch_database, town_codes

PERSONS_QUERY = """query Page($c: String) {
  persons(first: 250, after: $c) {
    nodes { id fullName address { address } household { number } }
    pageInfo { endCursor hasNextPage }
  }
}"""
FEED_QUERY = """query Feed($c: String) {
  changes(after: $c, first: 250) {
    nodes { eventId type subjects data }
    pageInfo { endCursor hasNextPage }
  }
}"""
PORTAL_SECRET = "bench-portal-secret-not-for-production"
VENDOR_CLIENT, VENDOR_SECRET = "vendor-bench", "bench-vendor-secret-not-for-production"


def p99(samples: list[float]) -> float:
    return percentile(samples, 0.99)


def _realm(code: str, portal_client: str) -> dict:
    return {"realm": "kyodo", "groups": [], "users": [], "clients": [
        {"clientId": portal_client, "secret": PORTAL_SECRET, "publicClient": False, "standardFlowEnabled": True,
         "redirectUris": ["http://localhost/oidc/callback/"]},
        {"clientId": VENDOR_CLIENT, "secret": VENDOR_SECRET, "serviceAccountsEnabled": True,
         "standardFlowEnabled": False, "defaultClientScopes": [f"town-{code}", "dataset-residents"]},
    ]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks graphql-page")
    parser.add_argument("--persons", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=20, help="times the whole list is read (4 pages of 250)")
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--profile", action="store_true", help="cProfile 4 pages after the warm-up (stderr)")
    parser.add_argument("--show-queries", action="store_true", help="print one page's SQL to stderr")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("kyodo.api").setLevel(logging.WARNING)  # one INFO line per request otherwise

    import redis as redis_lib

    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="kyodo-bench-idp-") as idp_dir, scratch_database():
        # integrations.keycloak imports kyodo: only once DATABASE_URL names the scratch database
        from integrations.keycloak.devidp import PORTAL_CLIENT_ID, start_dev_idp, stop_dev_idp

        code = next(town_codes(1, start=42501))

        _env, idp = start_dev_idp(Path(idp_dir) / "state", free_port(), _realm(code, PORTAL_CLIENT_ID))
        import os

        broker = redis_lib.Redis.from_url(os.environ["REDIS_URL"])
        keys_before = set(broker.keys("*"))
        try:
            django_ready()
            results = _measure(args, code, _env["KYODO_OIDC_ISSUER"])
        finally:
            stop_dev_idp(idp)
            new = set(broker.keys("*")) - keys_before  # ours: buckets, relay kicks, queued relay tasks
            if new:
                broker.delete(*new)

    page, naive = results["page"], results["naive"]
    emit("graphql-page", "page_p99_ms", p99(page["ms"]), "ms", p99(naive["ms"]), p99(naive["ms"]) / p99(page["ms"]),
         persons=results["persons"], samples=len(page["ms"]), page_size=250,
         median_ms=round(statistics.median(page["ms"]), 1),
         baseline_median_ms=round(statistics.median(naive["ms"]), 1),
         sql_queries=page["queries"], baseline_sql_queries=naive["queries"],
         gc_ms_max=round(max(page["gc"]), 1),
         p99_without_gc_ms=round(p99([t - g for t, g in zip(page["ms"], page["gc"], strict=True)]), 1),
         principal="real dev-IdP vendor token, introspected over HTTP once, then the view's 30 s principal cache",
         baseline_kind="the same query through the same view with naive per-row resolvers (loader batching off)",
         goal="<=100 ms per 250-row page, >=10x the baseline")
    feed = results["feed"]
    emit("graphql-page", "feed_events_s", feed["events_s"], "events/s", feed["baseline_events_s"],
         feed["events_s"] / feed["baseline_events_s"], events=feed["events"], pages=feed["pages"],
         seconds=round(feed["seconds"], 3), sql_queries_per_page=feed["queries"],
         baseline_kind="the same events read in pages of 250 straight from the outbox table with the ORM (no API)",
         goal=">=2,000 events/s")
    return 0


def _measure(args, code: str, issuer: str) -> dict:
    import requests
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from integrations.keycloak.devidp import PORTAL_CLIENT_ID
    from kyodo.api.throttle import _redis
    from kyodo.identity.conf import oidc_django_settings
    from kyodo.identity.models import ServiceAccount
    from kyodo.tenancy import services as tenancy
    from kyodo.tenancy.db import use_public_schema
    from kyodo.tenantlog.models import OutboxEvent
    from kyodo.tenantlog.outbox import emit_many
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.graphql import dataloaders
    from tenants.residents.models import PersonVersion

    for key, value in oidc_django_settings(issuer=issuer, client_id=PORTAL_CLIENT_ID, client_secret=PORTAL_SECRET,
                                           recheck_seconds=0).items():
        setattr(settings, key, value)
    host = f"t{code}.localhost"
    town = tenancy.municipality_provision(actor=None, code=code, name="計測村", name_kana="ケイソクムラ",
                                          hosts=[host], applications=["residents"])
    ServiceAccount.objects.update_or_create(client_id=VENDOR_CLIENT, defaults={
        "vendor_name": "計測ベンダー", "municipality_codes": [code], "datasets": ["residents"],
        "persisted_queries_only": False, "active": True})
    residents_demo_populate(town=town, scale=args.persons / 10_000, seed=3)
    with tenant_context(town):
        person_rows = list(PersonVersion.objects.filter(is_current=True).values_list("person_id", "household_id"))
    use_public_schema()
    response = requests.post(f"{issuer}/protocol/openid-connect/token", timeout=10,
                             data={"grant_type": "client_credentials"}, auth=(VENDOR_CLIENT, VENDOR_SECRET))
    response.raise_for_status()
    token = response.json()["access_token"]
    cache.clear()
    client = Client(HTTP_HOST=host)

    def empty_buckets() -> None:
        for key in _redis().scan_iter("kyodo:api:bucket:*"):
            _redis().delete(key)

    # Time spent in the garbage collector during each request (Python's cyclic GC runs when
    # allocations pile up; a full collection walks the whole heap).
    import gc

    gc_paused, gc_mark, gc_ms = [0.0], [0.0], []

    def gc_timer(phase, info):
        if phase == "start":
            gc_mark[0] = time.perf_counter()
        else:
            gc_paused[0] += time.perf_counter() - gc_mark[0]

    gc.callbacks.append(gc_timer)

    def post(query: str, cursor: str | None) -> tuple[dict, float, int]:
        empty_buckets()  # outside the timing: no request is throttled
        body = json.dumps({"query": query, "variables": {"c": cursor}})
        connection.queries_log.clear()  # a full log (9,000) would count 0 and keep every query alive
        gc_paused[0] = 0.0
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            answer = client.post("/graphql/", data=body, content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Bearer {token}")
            elapsed = (time.perf_counter() - started) * 1000
        gc_ms.append(gc_paused[0] * 1000)
        assert answer.status_code == 200, answer.content[:500]
        data = answer.json()
        assert "errors" not in data, data["errors"]
        return data, elapsed, len(queries)

    gc_of: list[float] = []  # GC ms of each page read by read_all, in order

    def read_all() -> tuple[list[float], list[int], int]:
        cursor, ms, counts, rows = None, [], [], 0
        while True:
            data, elapsed, n = post(PERSONS_QUERY, cursor)
            page = data["data"]["persons"]
            ms.append(elapsed)
            gc_of.append(gc_ms[-1])
            counts.append(n)
            rows += len(page["nodes"])
            assert all(node["household"]["number"] for node in page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return ms, counts, rows
            cursor = page["pageInfo"]["endCursor"]

    read_all()  # warm-up: schema, the first (real) introspection, connections
    if args.profile:
        import cProfile
        import gc
        import pstats
        import sys

        paused, mark = [0.0, 0], [0.0]

        def gc_timer(phase, info):
            if phase == "start":
                mark[0] = time.perf_counter()
            else:
                paused[0] += time.perf_counter() - mark[0]
                paused[1] += 1

        gc.callbacks.append(gc_timer)
        profiler = cProfile.Profile()
        profiler.runcall(read_all)
        gc.callbacks.remove(gc_timer)
        print(f"gc: {paused[1]} collections, {paused[0] * 1000:.1f} ms over 4 pages", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    if args.show_queries:
        import sys

        with CaptureQueriesContext(connection) as shown:
            post(PERSONS_QUERY, None)
        for q in shown.captured_queries:
            print(q["time"], q["sql"][:300], file=sys.stderr)
    batched: dict[str, list[float]] = {"ms": [], "gc": []}
    naive: dict[str, list[float]] = {"ms": []}
    batched_queries: set[int] = set()
    naive_queries: set[int] = set()
    original_want = dataloaders.BatchLoader.want
    rows_read = 0
    for _ in range(args.runs):  # interleaved, so drift on a shared machine hits both alike
        gc_of.clear()
        ms, counts, rows_read = read_all()
        batched["ms"] += ms
        batched["gc"] += gc_of
        batched_queries.update(counts)
        dataloaders.BatchLoader.want = lambda self, keys: None  # type: ignore[method-assign]
        try:
            ms, counts, naive_rows = read_all()
        finally:
            dataloaders.BatchLoader.want = original_want  # type: ignore[method-assign]
        assert naive_rows == rows_read
        naive["ms"] += ms
        naive_queries.update(counts)

    # The change feed: events with real person ids, followed to the end through the view.
    with tenant_context(town):
        before = OutboxEvent.objects.count()
        events = [{"event_type": "residents.relocated", "aggregate_type": "person",
                   "aggregate_id": str(pid), "payload": {"town": code, "person_ids": [pid], "household_id": hid,
                                                          "kind": "relocation", "effective_on": "2026-12-01"}}
                  for pid, hid in (person_rows[i % len(person_rows)] for i in range(args.events))]
        emit_many(application="residents", town=town, actor=None, events=events)
        total = OutboxEvent.objects.count()
        assert total == before + args.events
    use_public_schema()

    def follow() -> tuple[int, int, float, set[int]]:
        cursor, seen, pages, counts = None, 0, 0, set()
        started = time.perf_counter()
        while True:
            data, _, n = post(FEED_QUERY, cursor)
            page = data["data"]["changes"]
            seen += len(page["nodes"])
            pages += 1
            counts.add(n)
            cursor = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                return seen, pages, time.perf_counter() - started, counts

    seen, pages, seconds, feed_queries = follow()
    assert seen == total, (seen, total)  # nobody is protected here: every event is shown

    with tenant_context(town):
        started = time.perf_counter()
        position, read = 0, 0
        while True:
            batch = list(OutboxEvent.objects.filter(position__gt=position, application="residents")
                         .order_by("position")[:250])
            if not batch:
                break
            read += len(batch)
            position = batch[-1].position
        baseline_s = time.perf_counter() - started
        assert read == total
    use_public_schema()
    gc.callbacks.remove(gc_timer)
    return {"persons": len(person_rows),
            "page": {"ms": batched["ms"], "gc": batched["gc"], "queries": sorted(batched_queries)},
            "naive": {"ms": naive["ms"], "queries": sorted(naive_queries)},
            "feed": {"events": seen, "pages": pages, "seconds": seconds, "events_s": seen / seconds,
                     "baseline_events_s": read / baseline_s, "queries": sorted(feed_queries)}}
