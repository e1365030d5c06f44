"""個人番号 encryption: AES-GCM with the key from KYODO_PII_KEY / KYODO_PII_KEY_FILE (docs/configuration.md).

Keys rotate without downtime (docs/operations.md, "Rotating KYODO_PII_KEY"): KYODO_PII_KEY encrypts, and
the keys listed in KYODO_PII_OLD_KEYS (or one per line in the file KYODO_PII_OLD_KEYS_FILE) still decrypt.
Each ciphertext names the key that made it (version 2: an 8-byte key id), so a reader picks the right key
at once; ``kyodo residents pii-rekey`` rewrites a town's stored numbers under the current key, after which
an old key can be dropped. Version 1 ciphertexts (before key ids) are tried against every configured key."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kyodo.config import CONFIG, secret

_V1, _V2 = b"\x01", b"\x02"
_KEY_ID_BYTES = 8


def _derive(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    # A 32-byte base64 key is used as is; any other secret string is stretched with SHA-256.
    return raw if len(raw) == 32 else hashlib.sha256(text.encode()).digest()


def key_id(key: bytes) -> bytes:
    """A key's public name in its ciphertexts (not the key: a one-way digest of it)."""
    return hashlib.sha256(b"kyodo-pii-key-id:" + key).digest()[:_KEY_ID_BYTES]


@dataclass(frozen=True)
class Keyring:
    current: bytes
    old: tuple[bytes, ...] = ()

    def by_id(self, ident: bytes) -> bytes | None:
        return next((k for k in (self.current, *self.old) if key_id(k) == ident), None)


def _old_key_texts() -> list[str]:
    listed = os.environ.get("KYODO_PII_OLD_KEYS", "")
    texts = [t.strip() for t in listed.split(",") if t.strip()]
    path = os.environ.get("KYODO_PII_OLD_KEYS_FILE", "")
    if path:
        texts += [t.strip() for t in Path(path).read_text(encoding="utf-8").splitlines() if t.strip()]
    return texts


@functools.cache
def keyring() -> Keyring:
    current = _derive(secret("KYODO_PII_KEY", CONFIG.state_dir, CONFIG.debug))
    old = tuple(k for k in dict.fromkeys(_derive(t) for t in _old_key_texts()) if k != current)
    return Keyring(current, old)


def encrypt(plaintext: str, *, context: str) -> bytes:
    """``context`` (the town code) is bound as associated data: a row copied to another town fails."""
    key, nonce = keyring().current, os.urandom(12)
    return _V2 + key_id(key) + nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())


def decrypt(blob: bytes, *, context: str) -> str:
    blob, ring = bytes(blob), keyring()
    if blob[:1] == _V2:
        head = 1 + _KEY_ID_BYTES
        key = ring.by_id(blob[1:head])
        if key is None:
            raise ValueError("the key of this ciphertext is not configured (KYODO_PII_KEY / KYODO_PII_OLD_KEYS)")
        return AESGCM(key).decrypt(blob[head:head + 12], blob[head + 12:], context.encode()).decode()
    if blob[:1] == _V1:
        for key in (ring.current, *ring.old):
            try:
                return AESGCM(key).decrypt(blob[1:13], blob[13:], context.encode()).decode()
            except InvalidTag:
                continue
        raise ValueError("no configured key decrypts this ciphertext (KYODO_PII_KEY / KYODO_PII_OLD_KEYS)")
    raise ValueError("unknown ciphertext version")


def is_current(blob: bytes) -> bool:
    """Made with the current key (nothing to rewrite)?"""
    blob = bytes(blob)
    return blob[:1] == _V2 and blob[1:1 + _KEY_ID_BYTES] == key_id(keyring().current)


def reencrypt(blob: bytes, *, context: str) -> bytes:
    """The same number under the current key (a fresh nonce)."""
    return encrypt(decrypt(blob, context=context), context=context)


def mask(last4: str) -> str:
    return "●" * 8 + last4
