"""An application declared only by the relay tests: consumers whose behaviour the tests steer."""

from __future__ import annotations

from kyodo.registry import ConsumerSpec, TownApplication

RECORDED: dict[str, list[tuple[str, str, str, int]]] = {"relaytest.all": [], "relaytest.flaky": []}
FAIL_ON: set[str] = set()  # event ids the flaky consumer raises on


def record_all(event, town) -> None:
    RECORDED["relaytest.all"].append((town.code, event.event_id, event.aggregate_id, event.position))


def flaky(event, town) -> None:
    if event.event_id in FAIL_ON:
        raise RuntimeError(f"flaky consumer refuses {event.event_id}")
    RECORDED["relaytest.flaky"].append((town.code, event.event_id, event.aggregate_id, event.position))


def reset() -> None:
    for rows in RECORDED.values():
        rows.clear()
    FAIL_ON.clear()


APPLICATION = TownApplication(
    code="relaytest", label="配信試験", selectable=False, menu=False,
    consumers=(ConsumerSpec("relaytest.all", "tests.events.relay_app:record_all"),
               ConsumerSpec("relaytest.flaky", "tests.events.relay_app:flaky", ("test.*",))),
)
