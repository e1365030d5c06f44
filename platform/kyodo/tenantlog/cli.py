"""``kyodo events ...``: look at and operate a town's event relay (list, lag, replay, relay now)."""

from __future__ import annotations

import sys


def _town(code: str):
    from kyodo.tenancy.selectors import municipality_for_command

    return municipality_for_command(code, option="town")


def cmd_list(args) -> int:
    from django_tenants.utils import schema_context

    from .models import HandledEvent, OutboxEvent, ParkedEvent

    town = _town(args.town)
    if town is None:
        return 2
    with schema_context(town.schema_name):
        query = OutboxEvent.objects.order_by("-position")
        if args.type:
            query = query.filter(event_type=args.type)
        rows = list(query[: args.limit])[::-1]
        handled: dict = {}
        for consumer, event_id in HandledEvent.objects.filter(event_id__in=[r.event_id for r in rows]) \
                .values_list("consumer", "event_id"):
            handled.setdefault(event_id, []).append(consumer)
        parked: dict = {}
        for consumer, event_id in ParkedEvent.objects.filter(event_id__in=[r.event_id for r in rows],
                                                             replayed_at__isnull=True).values_list("consumer", "event_id"):
            parked.setdefault(event_id, []).append(consumer)
    for r in rows:
        state = ",".join(sorted(handled.get(r.event_id, []))) or "-"
        flags = f"\tPARKED={','.join(sorted(parked[r.event_id]))}" if r.event_id in parked else ""
        print(f"{r.position}\t{r.event_id}\t{r.occurred_at.isoformat(timespec='seconds')}\t{r.event_type}\t"
              f"{r.aggregate_type}:{r.aggregate_id}\t{r.actor_kind}:{r.actor_name or '-'}\thandled={state}{flags}")
    return 0


def cmd_lag(args) -> int:
    from kyodo.tenancy.selectors import municipalities_list

    from .selectors import relay_status

    towns = [t for t in municipalities_list() if args.town in (None, t.code)]
    if args.town and not towns:
        return 2 if _town(args.town) is None else 0
    behind = 0
    for town in towns:
        status = relay_status(town)
        for c in status.consumers:
            behind += c.pending
            print(f"{town.code}\t{c.consumer}\tposition={c.position}\tpending={c.pending}\t"
                  f"lag={c.lag_seconds:.1f}s\tfailures={c.failures}\tparked={c.parked}"
                  + (f"\terror={c.last_error.splitlines()[-1][:120]}" if c.last_error else ""))
    return 0


def cmd_replay(args) -> int:
    from django_tenants.utils import schema_context

    from .relay import replay

    town = _town(args.town)
    if town is None:
        return 2
    if not args.event and not args.parked:
        print("エラー: --event EVENT_ID か --parked を指定してください。", file=sys.stderr)
        return 2
    with schema_context(town.schema_name):
        results = replay(town, event_id=args.event, consumer=args.consumer)
    if not results:
        print("再配信するイベントはありません。")
    failed = 0
    for r in results:
        failed += r.outcome == "failed"
        print(f"{r.consumer}\t{r.event_id}\t{r.outcome}" + (f"\t{r.error}" if r.error else ""))
    return 1 if failed else 0


def cmd_relay(args) -> int:
    from django_tenants.utils import schema_context

    from .relay import relay_town

    town = _town(args.town)
    if town is None:
        return 2
    with schema_context(town.schema_name):
        report = relay_town(town)
    for name, n in sorted(report.handled.items()):
        print(f"{name}\thandled={n}")
    for name, error in sorted(report.failed.items()):
        print(f"{name}\tFAILED\t{error}", file=sys.stderr)
    return 1 if report.failed else 0


def register(subparsers) -> None:
    events = subparsers.add_parser("events", help="イベント配信（送信箱・受信者）").add_subparsers(
        dest="events_command", required=True)
    p = events.add_parser("list", help="団体のイベントを新しい順に表示する")
    p.add_argument("--town", required=True, help="団体コード（6桁）")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--type", help="イベント種別で絞り込む")
    p.set_defaults(func=cmd_list)
    p = events.add_parser("lag", help="受信者ごとの遅れ・失敗・保留")
    p.add_argument("--town", help="団体コード（省略時は全団体）")
    p.set_defaults(func=cmd_lag)
    p = events.add_parser("replay", help="イベントを再配信する（処理済みの受信者には何もしない）")
    p.add_argument("--town", required=True)
    p.add_argument("--event", help="イベントID")
    p.add_argument("--parked", action="store_true", help="保留中のイベントをすべて再配信する")
    p.add_argument("--consumer", help="受信者名で絞り込む")
    p.set_defaults(func=cmd_replay)
    p = events.add_parser("relay", help="未配信のイベントを今すぐ配信する")
    p.add_argument("--town", required=True)
    p.set_defaults(func=cmd_relay)
