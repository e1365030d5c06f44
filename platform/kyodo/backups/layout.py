"""Where a backup's objects live in each store. Keys always carry the town code."""

from __future__ import annotations

from .conf import KEY_PREFIX

# Fixed roles: a store's zfec block number and Shamir x come from its name, not from config order.
STORE_ROLES = {"store-a": (0, 1), "store-b": (1, 2), "store-c": (2, 3)}


def town_prefix(town_code: str) -> str:
    return f"{KEY_PREFIX}/{town_code}/"


def backup_prefix(town_code: str, backup_id: str) -> str:
    return f"{town_prefix(town_code)}{backup_id}/"


def manifest_key(town_code: str, backup_id: str) -> str:
    return backup_prefix(town_code, backup_id) + "manifest.json"


def share_key(town_code: str, backup_id: str) -> str:
    return backup_prefix(town_code, backup_id) + "key-share.json"


def chunk_key(town_code: str, backup_id: str, index: int, block: int) -> str:
    return backup_prefix(town_code, backup_id) + f"chunks/{index:06d}.b{block}"
