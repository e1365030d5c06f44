"""Throttling (流量制限) of the vendor API: a leaky bucket of query cost points per vendor client and town,
in Redis, after Shopify's calculated query cost (``extensions.cost.throttleStatus``).

A bucket holds up to ``size`` points and refills at ``restore_rate`` points a second. A query takes its
requested cost before it runs and is refused (nothing taken) when the bucket holds fewer points; after
it ran, requested − actual is given back. One Lua script does read, refill, take or refund and write
atomically on the Redis server's clock (``TIME``), so concurrent requests from several web processes
never take a bucket below 0 and clock skew between hosts does not matter. A bucket's key expires when
it would be full again, so idle clients leave nothing behind.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from kyodo.config import API

KEY = "kyodo:api:bucket:{client}:{town}"
_KEY_PART = re.compile(r"[A-Za-z0-9_.-]{1,100}")

# KEYS[1] the bucket; ARGV size, restore rate, points, "take" or "refund".
# Returns {allowed (1/0), level after (string: Lua numbers become integers in replies), retry after seconds}.
_SCRIPT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local size = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1])
local at = tonumber(state[2])
if level == nil or at == nil then
  level = size
else
  level = math.min(size, level + math.max(0, now - at) * rate)
end
local allowed = 1
local retry_after = 0
if ARGV[4] == 'take' then
  if level >= points then
    level = level - points
  else
    allowed = 0
    retry_after = (points - level) / rate
  end
else
  level = math.min(size, level + points)
end
if level >= size then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'level', string.format('%.6f', level), 'at', string.format('%.6f', now))
  -- whole milliseconds as '%d' (a large Lua number would become '1e+14'); at most 30 days
  redis.call('PEXPIRE', KEYS[1], string.format('%d', math.min(math.ceil((size - level) / rate * 1000) + 1, 2592000000)))
end
return {allowed, string.format('%.6f', level), string.format('%.6f', retry_after)}
"""


@dataclass(frozen=True)
class ThrottleStatus:
    """The bucket after a take or refund: ``extensions.cost.throttleStatus`` of the response."""

    allowed: bool
    maximum_available: int
    currently_available: int  # whole points, rounded down
    restore_rate: float
    retry_after_seconds: float  # 0 when allowed; else when the bucket will hold the points asked for

    def as_extension(self) -> dict[str, Any]:
        return {"maximumAvailable": self.maximum_available, "currentlyAvailable": self.currently_available,
                "restoreRate": self.restore_rate}


def _redis() -> Any:
    """The process's client on the broker's Redis (kyodo.celery.broker_redis)."""
    from kyodo.celery import broker_redis

    return broker_redis()


class Bucket:
    """The leaky bucket of every (client, town); ``size`` and ``restore_rate`` default to
    ``KYODO_API_BUCKET_SIZE`` and ``KYODO_API_RESTORE_RATE``."""

    def __init__(self, size: int = API.bucket_size, restore_rate: float = API.restore_rate,
                 redis_client: Any = None) -> None:
        if size < 1 or not restore_rate > 0 or math.isinf(restore_rate):
            raise ValueError("a bucket has a size of at least 1 and a positive, finite restore rate")
        self.size = size
        self.restore_rate = float(restore_rate)
        self._client = redis_client
        self._script: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _redis()
        return self._client

    def key(self, client: str, town: str) -> str:
        for name, part in (("client", client), ("town", town)):
            if not isinstance(part, str) or not _KEY_PART.fullmatch(part):
                raise ValueError(f"{name} must be 1-100 ASCII letters, digits, '_', '.' or '-' (got {part!r})")
        return KEY.format(client=client, town=town)

    def take(self, client: str, town: str, cost: int) -> ThrottleStatus:
        """Take ``cost`` points, or nothing (``allowed`` False, with ``retry_after_seconds``) when the
        bucket holds fewer."""
        if cost < 0 or cost > self.size:
            raise ValueError(f"a cost is between 0 and the bucket size {self.size} (got {cost})")
        return self._run(client, town, cost, "take")

    def refund(self, client: str, town: str, points: int) -> ThrottleStatus:
        """Give back ``points`` (requested − actual cost); the bucket never holds more than its size."""
        return self._run(client, town, max(0, points), "refund")

    def status(self, client: str, town: str) -> ThrottleStatus:
        """The bucket as it is now, taking nothing."""
        return self._run(client, town, 0, "take")

    def _run(self, client: str, town: str, points: int, mode: str) -> ThrottleStatus:
        if self._script is None:
            self._script = self.client.register_script(_SCRIPT)
        allowed, level, retry_after = self._script(keys=[self.key(client, town)],
                                                   args=[self.size, repr(self.restore_rate), points, mode])
        return ThrottleStatus(allowed=bool(int(allowed)), maximum_available=self.size,
                              currently_available=math.floor(float(level)), restore_rate=self.restore_rate,
                              retry_after_seconds=math.ceil(float(retry_after) * 1000) / 1000)
