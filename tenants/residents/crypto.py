"""個人番号 encryption: AES-GCM with the key from KYODO_PII_KEY / KYODO_PII_KEY_FILE (docs/configuration.md)."""

from __future__ import annotations

import base64
import functools
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kyodo.config import CONFIG, secret

_VERSION = b"\x01"


@functools.cache
def _key() -> bytes:
    text = secret("KYODO_PII_KEY", CONFIG.state_dir, CONFIG.debug)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    # A 32-byte base64 key is used as is; any other secret string is stretched with SHA-256.
    return raw if len(raw) == 32 else hashlib.sha256(text.encode()).digest()


def encrypt(plaintext: str, *, context: str) -> bytes:
    """``context`` (the town code) is bound as associated data: a row copied to another town fails."""
    nonce = os.urandom(12)
    return _VERSION + nonce + AESGCM(_key()).encrypt(nonce, plaintext.encode(), context.encode())


def decrypt(blob: bytes, *, context: str) -> str:
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return AESGCM(_key()).decrypt(blob[1:13], blob[13:], context.encode()).decode()


def mask(last4: str) -> str:
    return "●" * 8 + last4
