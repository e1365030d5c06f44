"""An application declared only by the relay tests: consumers whose behaviour the tests steer."""

from __future__ import annotations

from kyodo.registry import ConsumerSpec, TownApplication

RECORDED: dict[str, list[tuple[str, str, str, int]]] = {"relaytest.all": [], "relaytest.flaky": [],
                                                       "relaytest.batched": []}
BATCHES: list[int] = []  # sizes of the batches the batch handler was given
FAIL_ON: set[str] = set()  # event ids the flaky consumer raises on


def record_all(event, town) -> None:
    RECORDED["relaytest.all"].append((town.code, event.event_id, event.aggregate_id, event.position))


def flaky(event, town) -> None:
    if event.event_id in FAIL_ON:
        raise RuntimeError(f"flaky consumer refuses {event.event_id}")
    RECORDED["relaytest.flaky"].append((town.code, event.event_id, event.aggregate_id, event.position))


def batched_one(event, town) -> None:
    if event.event_id in FAIL_ON:
        raise RuntimeError(f"batched consumer refuses {event.event_id}")
    RECORDED["relaytest.batched"].append((town.code, event.event_id, event.aggregate_id, event.position))


def batched_many(events, town) -> None:
    BATCHES.append(len(events))
    for event in events:
        batched_one(event, town)


def reset() -> None:
    for rows in RECORDED.values():
        rows.clear()
    FAIL_ON.clear()
    BATCHES.clear()


APPLICATION = TownApplication(
    code="relaytest", label="配信試験", selectable=False, menu=False,
    consumers=(ConsumerSpec("relaytest.all", "tests.events.relay_app:record_all"),
               ConsumerSpec("relaytest.flaky", "tests.events.relay_app:flaky", ("test.*",)),
               ConsumerSpec("relaytest.batched", "tests.events.relay_app:batched_one", ("test.*",),
                            batch_handler="tests.events.relay_app:batched_many")),
)
