"""The leaky bucket of query cost per vendor client and town (kyodo.api.throttle), on the real Redis."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo.api.throttle import Bucket, ThrottleStatus, _redis
from kyodo.config import API

TOWN_A, TOWN_B = "412066", "412074"
# So slow that nothing is restored within a test: 0.0001 point a second
STILL = 0.0001


@pytest.fixture
def client_id():
    """A vendor client id of its own per test; its buckets are removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    redis = _redis()
    for key in redis.scan_iter(f"kyodo:api:bucket:{name}:*"):
        redis.delete(key)


def test_a_new_bucket_is_full_and_take_takes_the_cost(client_id):
    bucket = Bucket(size=100, restore_rate=STILL)
    first = bucket.take(client_id, TOWN_A, 30)
    assert first == ThrottleStatus(allowed=True, maximum_available=100, currently_available=70,
                                   restore_rate=STILL, retry_after_seconds=0)
    assert bucket.take(client_id, TOWN_A, 70).currently_available == 0
    level = float(_redis().hget(f"kyodo:api:bucket:{client_id}:{TOWN_A}", "level"))
    assert 0 <= level < 0.01


def test_the_defaults_come_from_the_configuration(client_id):
    bucket = Bucket()
    assert (bucket.size, bucket.restore_rate) == (API.bucket_size, API.restore_rate) == (1000, 50.0)
    assert bucket.take(client_id, TOWN_A, 1).as_extension() == {
        "maximumAvailable": 1000, "currentlyAvailable": 999, "restoreRate": 50.0}


def test_a_cost_that_does_not_fit_is_refused_with_retry_after_and_nothing_is_taken(client_id):
    bucket = Bucket(size=100, restore_rate=2.0)
    assert bucket.take(client_id, TOWN_A, 95).allowed
    refused = bucket.take(client_id, TOWN_A, 25)
    assert not refused.allowed
    # 5 points left (a little more restored meanwhile): 20 more at 2 a second ≈ 10 s
    assert 9.5 < refused.retry_after_seconds <= 10.0
    assert refused.currently_available == 5
    # nothing was taken: 5 still fit
    assert bucket.take(client_id, TOWN_A, 5).allowed


def test_the_bucket_restores_over_time_on_the_server_clock(client_id):
    bucket = Bucket(size=100, restore_rate=200.0)
    assert bucket.take(client_id, TOWN_A, 100).currently_available == 0
    assert not bucket.take(client_id, TOWN_A, 40).allowed
    time.sleep(0.3)  # 60 points restored
    again = bucket.take(client_id, TOWN_A, 40)
    assert again.allowed
    assert 20 <= again.currently_available <= 30


def test_refund_gives_back_points_but_never_above_the_size_and_a_full_bucket_leaves_no_key(client_id):
    bucket = Bucket(size=100, restore_rate=STILL)
    key = f"kyodo:api:bucket:{client_id}:{TOWN_A}"
    bucket.take(client_id, TOWN_A, 60)
    assert bucket.refund(client_id, TOWN_A, 20).currently_available == 60
    assert _redis().exists(key) == 1
    full = bucket.refund(client_id, TOWN_A, 1000)
    assert (full.currently_available, full.maximum_available) == (100, 100)
    assert _redis().exists(key) == 0
    assert bucket.refund(client_id, TOWN_A, -5).currently_available == 100  # a negative refund is none


def test_a_key_expires_when_the_bucket_would_be_full_again(client_id):
    bucket = Bucket(size=100, restore_rate=10.0)
    bucket.take(client_id, TOWN_A, 50)
    ttl_ms = _redis().pttl(f"kyodo:api:bucket:{client_id}:{TOWN_A}")
    assert 4900 <= ttl_ms <= 5001  # 50 points at 10 a second


def test_a_very_slow_restore_rate_still_gives_the_key_an_expiry(client_id):
    Bucket(size=1000, restore_rate=1e-9).take(client_id, TOWN_A, 500)
    ttl_ms = _redis().pttl(f"kyodo:api:bucket:{client_id}:{TOWN_A}")
    assert ttl_ms > 29 * 24 * 3600 * 1000  # capped at 30 days, not refused by Redis as '5e+14'


def test_a_bucket_is_per_client_and_per_town(client_id):
    bucket = Bucket(size=10, restore_rate=STILL)
    assert bucket.take(client_id, TOWN_A, 10).allowed
    assert not bucket.take(client_id, TOWN_A, 1).allowed
    assert bucket.take(client_id, TOWN_B, 10).allowed  # town B's bucket of the same client is untouched
    other = f"{client_id}-other"
    try:
        assert bucket.take(other, TOWN_A, 10).allowed
    finally:
        _redis().delete(f"kyodo:api:bucket:{other}:{TOWN_A}")


def test_keys_are_never_built_from_arbitrary_text(client_id):
    bucket = Bucket(size=10, restore_rate=1.0)
    for client, town in ((client_id, "412066:*"), ("a b", TOWN_A), ("", TOWN_A), (client_id, "４１２")):
        with pytest.raises(ValueError):
            bucket.take(client, town, 1)
    with pytest.raises(ValueError):
        bucket.take(client_id, TOWN_A, 11)  # can never fit
    with pytest.raises(ValueError):
        Bucket(size=10, restore_rate=0)


def _take_concurrently(client: str, size: int, cost: int, threads: int) -> list[ThrottleStatus]:
    bucket = Bucket(size=size, restore_rate=STILL)
    start = threading.Barrier(threads)
    results: list[ThrottleStatus] = []
    lock = threading.Lock()

    def worker():
        start.wait()
        status = bucket.take(client, TOWN_A, cost)
        with lock:
            results.append(status)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def test_many_threads_taking_at_once_never_take_the_bucket_below_zero(client_id):
    results = _take_concurrently(client_id, size=100, cost=7, threads=40)
    allowed = [status for status in results if status.allowed]
    assert len(allowed) == 14  # 14 × 7 = 98 of 100
    assert min(status.currently_available for status in results) == 2
    assert Bucket(size=100, restore_rate=STILL).status(client_id, TOWN_A).currently_available == 2


@settings(max_examples=15, deadline=None)
@given(size=st.integers(min_value=1, max_value=200), cost=st.integers(min_value=1, max_value=60),
       threads=st.integers(min_value=2, max_value=24))
def test_concurrent_takes_grant_exactly_what_fits(size, cost, threads):
    client = f"test-{uuid.uuid4().hex[:12]}"
    try:
        results = _take_concurrently(client, size, min(cost, size), threads)
        cost = min(cost, size)
        granted = sum(1 for status in results if status.allowed)
        assert granted == min(threads, size // cost)
        assert all(status.currently_available >= 0 for status in results)
    finally:
        _redis().delete(f"kyodo:api:bucket:{client}:{TOWN_A}")
