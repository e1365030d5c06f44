"""A throw-away town application declared only by tests (kyodo.registry.temporarily, or
KYODO_EXTRA_APPLICATIONS=tests.sample_app for processes the tests start): pages, a CLI command,
console figures, a demo loader and an event consumer, all picked up by platform code that never
names it."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from kyodo.registry import ConsumerSpec, TownApplication

app_name = "sample"


def index(request):
    return HttpResponse(f"試験業務 {request.tenant.code}")


urlpatterns = [path("", index, name="index")]


def _cmd(args) -> int:
    print(f"sample command for {args.town}")
    return 0


def register(subparsers) -> None:
    sub = subparsers.add_parser("sample", help="試験業務").add_subparsers(dest="sample_command", required=True)
    hello = sub.add_parser("hello")
    hello.add_argument("--town", required=True)
    hello.set_defaults(func=_cmd)


def figures(town) -> dict[str, int]:
    return {"試験件数": 7}


def demo(*, town, staff, scale, seed) -> list[str]:
    return [f"試験業務のデモ: {town.code}"]


HANDLED: list[tuple[str, str]] = []


def on_event(event, town) -> None:
    HANDLED.append((town.code, event.event_type))


APPLICATION = TownApplication(
    code="sample", label="試験業務", urls="tests.sample_app", cli="tests.sample_app",
    statistics="tests.sample_app:figures", demo="tests.sample_app:demo", roles=("counter_clerk",),
    consumers=(ConsumerSpec("sample.recorder", "tests.sample_app:on_event", ("residents.*",)),), order=90,
)
