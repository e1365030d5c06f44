"""The town's code tables as display labels (kyodo.core.display): 異動事由, 続柄, 性別, 国籍・地域 by
code, and the 元号 for 和暦. Read once a minute per town schema, not once per cell."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from kyodo.tenancy.db import current_schema

_TTL = 60.0
_cache: dict[tuple[str, str], tuple[float, object]] = {}
_lock = threading.Lock()


def _cached(schema_key: str, build: Callable[[], object]) -> object:
    key = (current_schema(), schema_key)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = build()
    with _lock:
        _cache[key] = (now + _TTL, value)
    return value


def _table(code_type: str) -> dict[str, str]:
    def build() -> dict[str, str]:
        if current_schema() == "public":
            return {}
        from .models import ReferenceCode

        return dict(ReferenceCode.objects.filter(code_type=code_type).values_list("code", "label"))

    return _cached(code_type, build)  # type: ignore[return-value]


def _lookup(code_type: str) -> Callable[[str], str | None]:
    def lookup(code: str) -> str | None:
        return _table(code_type).get(code)

    lookup.__name__ = f"{code_type}_label"
    return lookup


def eras() -> list[tuple[str, dt.date]]:
    """The town's 元号 (name, first day), oldest first; empty outside a town."""
    def build() -> list[tuple[str, dt.date]]:
        if current_schema() == "public":
            return []
        from .models import ReferenceCode

        return [(label, start) for label, start in ReferenceCode.objects.filter(code_type="era")
                .exclude(valid_from=None).order_by("valid_from").values_list("label", "valid_from")
                if start is not None]

    return _cached("era", build)  # type: ignore[return-value]


def clear() -> None:
    with _lock:
        _cache.clear()


LABELS = {
    "change_reason": _lookup("change_reason"),
    "relationship": _lookup("relationship"),
    "sex": _lookup("sex"),
    "nationality": _lookup("nationality"),
    "era": eras,
}
