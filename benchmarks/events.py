"""Benchmark `events`: the outbox relay over 20 towns with two idempotent no-op consumers.

- ``relay_events_s``: events per second relayed from the outbox of 20 towns to both consumers, in
  order per town, by ``relay_town`` (batches), against the same relay publishing one event per
  transaction (batch size 1), measured in the same run.
- ``relay_lag_p95_ms``: with a real Celery worker and a producer writing 200 events/s spread over
  the towns (each event its own transaction, the relay kicked on commit), the 95th percentile of
  handled_at − occurred_at; baseline: the same load relayed one event per transaction.

Runs in a throw-away database and on a Celery queue of its own; leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import django_ready, emit, scratch_database, town_codes

ROOT = Path(__file__).resolve().parents[1]


def noop_first(event, town) -> None:
    """A consumer that does nothing (the relay's own cost is what is measured)."""


def noop_second(event, town) -> None:
    """A second consumer, so that every event is delivered twice."""


def _declaration():
    from kyodo.registry import ConsumerSpec, TownApplication

    return TownApplication(code="benchrelay", label="配信計測", selectable=False, menu=False, consumers=(
        ConsumerSpec("bench.noop1", "benchmarks.events:noop_first"),
        ConsumerSpec("bench.noop2", "benchmarks.events:noop_second")))


APPLICATION = None  # set by _declaration() for the worker process (KYODO_EXTRA_APPLICATIONS)
if os.environ.get("KYODO_BENCH_RELAY_WORKER") == "1":
    APPLICATION = _declaration()


def _fill(towns, per_town: int) -> None:
    from django.db import transaction
    from django_tenants.utils import schema_context

    from kyodo.tenantlog.outbox import emit_many

    for town in towns:
        with schema_context(town.schema_name):
            for start in range(0, per_town, 500):
                with transaction.atomic():
                    emit_many(application="benchrelay", town=town, actor=None, events=[
                        {"event_type": "bench.happened", "aggregate_type": "thing",
                         "aggregate_id": str(i % 97), "payload": {"i": i}}
                        for i in range(start, min(per_town, start + 500))])


def _relay_all(towns, *, batch: int) -> int:
    from django_tenants.utils import schema_context

    from kyodo.tenantlog.relay import relay_town

    handled = 0
    for town in towns:
        with schema_context(town.schema_name):
            handled += relay_town(town, batch=batch).total_handled
    return handled


def _check_order(towns) -> None:
    from django_tenants.utils import schema_context

    from kyodo.tenantlog.models import HandledEvent, OutboxEvent

    for town in towns:
        with schema_context(town.schema_name):
            events = OutboxEvent.objects.count()
            for consumer in ("bench.noop1", "bench.noop2"):
                positions = list(HandledEvent.objects.filter(consumer=consumer).order_by("id")
                                 .values_list("position", flat=True))
                if len(positions) != events or positions != sorted(positions):
                    raise SystemExit(f"{town.code} {consumer}: {len(positions)} of {events} handled, or out of order")


def _reset(towns) -> None:
    from django_tenants.utils import schema_context

    from kyodo.tenantlog.models import ConsumerState, HandledEvent

    for town in towns:
        with schema_context(town.schema_name):
            HandledEvent.objects.all().delete()
            ConsumerState.objects.all().delete()


def _lag_run(towns, *, rate: float, seconds: float, batch: int, queue: str, log: Path,
             concurrency: int) -> list[float]:
    """Start a worker relaying with ``batch``, produce ``rate`` events/s for ``seconds``, and return
    every handled event's lag (ms)."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from kyodo.celery import app
    from kyodo.tenantlog.models import HandledEvent, OutboxEvent
    from kyodo.tenantlog.outbox import emit

    _reset(towns)
    before = {}
    for town in towns:  # everything already in the outbox counts as handled for this run
        with schema_context(town.schema_name):
            before[town.schema_name] = OutboxEvent.objects.order_by("-position").values_list(
                "position", flat=True).first() or 0
            from kyodo.tenantlog.models import ConsumerState

            for name in ("bench.noop1", "bench.noop2"):
                ConsumerState.objects.create(consumer=name, position=before[town.schema_name])
    env = dict(os.environ, KYODO_EXTRA_APPLICATIONS="benchmarks.events", KYODO_BENCH_RELAY_WORKER="1",
               KYODO_CELERY_QUEUE=queue,
               KYODO_RELAY_BATCH=str(batch), PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "kyodo", "worker", f"--concurrency={concurrency}", "--without-gossip",
         "--without-mingle", "--loglevel=WARNING", "-n", f"{queue}@%h", "-Q", queue],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            if time.time() > deadline or worker.poll() is not None:
                raise SystemExit(f"relay worker did not start; see {log}")
        total = int(rate * seconds)
        started = time.perf_counter()
        for n in range(total):
            town = towns[n % len(towns)]
            with schema_context(town.schema_name), transaction.atomic():
                emit(application="benchrelay", event_type="bench.steady", town=town, aggregate_id=str(n))
            pause = started + (n + 1) / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        deadline = time.time() + 60
        lags: list[float] = []
        while time.time() < deadline:
            lags = []
            for town in towns:
                with schema_context(town.schema_name):
                    lags.extend(HandledEvent.objects.filter(position__gt=before[town.schema_name])
                                .values_list("lag_ms", flat=True))
            if len(lags) >= 2 * total:
                break
            time.sleep(0.5)
        if len(lags) < 2 * total:
            raise SystemExit(f"only {len(lags)} of {2 * total} deliveries arrived; see {log}")
        return lags
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks events")
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--events-per-town", type=int, default=5000)
    parser.add_argument("--baseline-events-per-town", type=int, default=250)
    parser.add_argument("--rate", type=float, default=200.0, help="steady load for the lag figure (events/s)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--worker-concurrency", type=int, default=4,
                        help="relay worker processes (the relay waits on the database, not the CPU)")
    args = parser.parse_args(argv)

    with scratch_database() as name:
        django_ready()
        from kyodo import registry
        from kyodo.celery import app
        from kyodo.tenancy import services
        from kyodo.tenancy.db import use_public_schema

        queue = f"kyodo-bench-{name}"
        app.conf.task_default_queue = queue  # kicks after commit go to this run's worker only
        with registry.temporarily(_declaration()):
            towns = [services.municipality_provision(actor=None, code=code, name=f"町{code}", name_kana="マチ")
                     for code in town_codes(args.towns)]
            _fill(towns, args.events_per_town)
            started = time.perf_counter()
            handled = _relay_all(towns, batch=500)
            batched_s = time.perf_counter() - started
            _check_order(towns)
            total = args.towns * args.events_per_town
            if handled != 2 * total:
                raise SystemExit(f"relayed {handled} deliveries, expected {2 * total}")
            rate = total / batched_s

            # Baseline: the same relay, one event per transaction, over a smaller outbox.
            sample = towns[: max(1, args.towns // 4)]
            _reset(sample)
            from django_tenants.utils import schema_context

            from kyodo.tenantlog.models import ConsumerState, OutboxEvent

            for town in sample:  # start the baseline's cursors so that it relays only its share
                with schema_context(town.schema_name):
                    newest = OutboxEvent.objects.order_by("-position").values_list("position", flat=True).first()
                    for consumer in ("bench.noop1", "bench.noop2"):
                        ConsumerState.objects.create(consumer=consumer,
                                                     position=newest - args.baseline_events_per_town)
            started = time.perf_counter()
            baseline_handled = _relay_all(sample, batch=1)
            baseline_rate = (baseline_handled / 2) / (time.perf_counter() - started)

            log = Path(os.environ.get("KYODO_STATE_DIR", ROOT / "var")) / "logs" / "bench-events-worker.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            lags = _lag_run(towns, rate=args.rate, seconds=args.seconds, batch=500, queue=queue, log=log,
                            concurrency=args.worker_concurrency)
            baseline_lags = _lag_run(towns, rate=args.rate, seconds=args.seconds, batch=1, queue=queue, log=log,
                                     concurrency=args.worker_concurrency)
        use_public_schema()

    emit("events", "relay_events_s", rate, "events/s", baseline_rate, rate / baseline_rate, towns=args.towns,
         events=total, consumers=2, goal=">=5000 events/s")
    p95, baseline_p95 = _p95(lags), _p95(baseline_lags)
    emit("events", "relay_lag_p95_ms", p95, "ms", baseline_p95, baseline_p95 / p95 if p95 else 0.0,
         load_events_s=args.rate, seconds=args.seconds, deliveries=len(lags), max_ms=round(max(lags), 1),
         worker_processes=args.worker_concurrency,
         goal="<=500 ms")
    return 0
