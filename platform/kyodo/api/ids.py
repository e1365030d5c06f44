"""Opaque identifiers of the API: node ids and page cursors (不透明なID).

Both are URL-safe base64 of a short text that names the town, so that an id or cursor of one town
used on another town's endpoint decodes to nothing: it answers exactly like an id that does not
exist. They are opaque to vendors (docs/api.md): only their equality and round trip are promised.
"""

from __future__ import annotations

import base64
import binascii

MAX_ID_LENGTH = 200


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH or not value.isascii():
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def node_id(type_name: str, town_code: str, key: object) -> str:
    return _encode(f"{type_name}:{town_code}:{key}")


def parse_node_id(value: object, town_code: str) -> tuple[str, str] | None:
    """``(type name, key)`` of an id issued for ``town_code``; None for anything else."""
    text = _decode(value)
    if text is None:
        return None
    parts = text.split(":", 2)
    if len(parts) != 3 or parts[1] != town_code or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[2]


def int_key(key: str | None) -> int | None:
    """A node key that must be a positive integer (ASCII digits only), else None."""
    if key is None or not key.isascii() or not key.isdigit() or len(key) > 18:
        return None
    value = int(key)
    return value if value > 0 else None


def cursor(kind: str, town_code: str, position: object) -> str:
    return _encode(f"c1:{kind}:{town_code}:{position}")


def parse_cursor(value: object, kind: str, town_code: str) -> str | None:
    """The position a cursor of ``kind`` for ``town_code`` points at; None if it is not one."""
    text = _decode(value)
    if text is None:
        return None
    parts = text.split(":", 3)
    if len(parts) != 4 or parts[0] != "c1" or parts[1] != kind or parts[2] != town_code:
        return None
    return parts[3]
