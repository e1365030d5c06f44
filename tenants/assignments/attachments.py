"""添付ファイル of online applications: checked, encrypted with the town's own key and kept in the files object
store (``KYODO_FILES_STORE_*``); read back only in the town's schema, decrypted and audited.

The key of a town is derived (HKDF-SHA256) from ``KYODO_FILES_KEY`` with the town's code, and every object is
sealed with AES-GCM with the town code and the object's key as associated data: an object copied into another
town's place, or read with another town's key, fails to open. Types are limited to PDF, JPEG and PNG, each
checked by its first bytes; at most 5 files of 5 MiB each per application."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kyodo.config import CONFIG, secret

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
TYPES = {"application/pdf": (b"%PDF-",), "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}
_VERSION = b"\x01"


class FilesUnavailable(Exception):
    """No files store is configured (or it cannot be reached)."""


@functools.cache
def _master() -> bytes:
    return secret("KYODO_FILES_KEY", CONFIG.state_dir, CONFIG.debug).encode()


def town_key(town_code: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kyodo-attachments",
                info=f"town:{town_code}".encode()).derive(_master())


def seal(data: bytes, *, town_code: str, object_key: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(town_key(town_code)).encrypt(nonce, data, f"{town_code}|{object_key}".encode())


def open_sealed(blob: bytes, *, town_code: str, object_key: str) -> bytes:
    if blob[:1] != _VERSION:
        raise ValueError("unknown attachment format")
    return AESGCM(town_key(town_code)).decrypt(blob[1:13], blob[13:], f"{town_code}|{object_key}".encode())


def check(items, errors: list) -> list[dict]:
    """Validate the record's ``attachments`` (a list of {filename, content_type, data (base64)}); returns them
    decoded (``content`` bytes), appending (field, message) to ``errors``."""
    if items in (None, []):
        return []
    if not isinstance(items, list) or len(items) > MAX_FILES:
        errors.append(("attachments", f"添付ファイルは{MAX_FILES}件までのリストで指定してください。"))
        return []
    found = []
    for i, item in enumerate(items):
        where = f"attachments[{i}]"
        if not isinstance(item, dict):
            errors.append((where, "オブジェクトで指定してください。"))
            continue
        name, kind, data = item.get("filename"), item.get("content_type"), item.get("data")
        if not isinstance(name, str) or not name.strip() or len(name) > 100 or any(c in name for c in "/\\\x00") \
                or any(ord(c) < 32 for c in name):
            errors.append((f"{where}.filename", "ファイル名は100文字以内（/ \\ 制御文字なし）で指定してください。"))
            continue
        if kind not in TYPES:
            errors.append((f"{where}.content_type", f"形式は {', '.join(TYPES)} のいずれかです。"))
            continue
        if not isinstance(data, str) or len(data) > MAX_BYTES * 4 // 3 + 8:
            errors.append((f"{where}.data", f"内容は base64 で、{MAX_BYTES // 1024 // 1024} MiB までです。"))
            continue
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            errors.append((f"{where}.data", "base64 として読めません。"))
            continue
        if not content or len(content) > MAX_BYTES:
            errors.append((f"{where}.data", f"空か、{MAX_BYTES // 1024 // 1024} MiB を超えています。"))
            continue
        if not content.startswith(TYPES[kind]):
            errors.append((f"{where}.data", f"内容が {kind} ではありません。"))
            continue
        found.append({"filename": name.strip(), "content_type": kind, "content": content})
    return found


def _store():
    from integrations.objectstore import ObjectStoreError, files_store_config, store_open

    config = files_store_config()
    if config is None:
        raise FilesUnavailable("添付ファイルの保存先（KYODO_FILES_STORE_*）が設定されていません。")
    return store_open(config), ObjectStoreError


def store_all(town, pairs) -> list:
    """Seal and put each (task, files) pair's files; returns the Attachment rows to insert (the caller's
    transaction). An object put before a failed transaction stays unreferenced (never read)."""
    from .models import Attachment

    pairs = [(t, files) for t, files in pairs if files]
    if not pairs:
        return []
    store, store_error = _store()
    rows = []
    for task, files in pairs:
        for n, f in enumerate(files):
            digest = hashlib.sha256(f["content"]).hexdigest()
            key = f"attachments/{town.code}/{task.application_id}/{n}-{digest[:16]}"
            try:
                if store.head(key) is None:
                    store.put(key, seal(f["content"], town_code=town.code, object_key=key), retain_until=None)
            except store_error as exc:
                raise FilesUnavailable(f"添付ファイルを保存できませんでした（{exc.__class__.__name__}）。") from None
            rows.append(Attachment(task=task, filename=f["filename"], content_type=f["content_type"],
                                   size=len(f["content"]), sha256=digest, object_key=key))
    return rows


def read(town, attachment) -> bytes:
    store, store_error = _store()
    try:
        blob = store.get(attachment.object_key)
    except store_error as exc:
        raise FilesUnavailable(f"添付ファイルを読めませんでした（{exc.__class__.__name__}）。") from None
    content = open_sealed(blob, town_code=town.code, object_key=attachment.object_key)
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise ValueError("attachment digest mismatch")
    return content
