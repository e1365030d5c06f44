"""The backup format: AES-256-GCM per chunk, 2-of-3 erasure coding (zfec), Shamir-shared data key,
HMAC-signed documents. Pure functions over bytes; no database, no network.

Why each piece (docs/backups.md says more):
- ``cryptography`` AESGCM: OpenSSL's AES-NI GCM, ~1 GB/s; each chunk is authenticated with
  associated data = backup id, town code, chunk index and "final" flag, so chunks cannot be
  swapped between backups or towns, reordered or truncated.
- ``zfec`` (Reed-Solomon, k=2, m=3): each store holds half the ciphertext's size, not a full copy
  (1.5x storage instead of 3x), and any two blocks rebuild the chunk.
- pycryptodome ``Shamir`` (16-byte secrets): the 32-byte data key is split as two halves, shares
  x=1,2,3 go to stores a,b,c; one share reveals nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from dataclasses import dataclass

import zfec
from Crypto.Protocol.SecretSharing import Shamir
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "kyodo-backup/1"
K, M = 2, 3
PLAINTEXT_MAGIC = b"KYODOBK1"


def data_key_new() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def key_split(key: bytes) -> list[tuple[int, bytes, bytes]]:
    """Three shares (x, share of key[:16], share of key[16:]); any two rebuild the key."""
    if len(key) != 32:
        raise ValueError("data key must be 32 bytes")
    low = Shamir.split(K, M, key[:16])
    high = Shamir.split(K, M, key[16:])
    return [(lx, ls, hs) for (lx, ls), (hx, hs) in zip(low, high, strict=True) if lx == hx]


def key_combine(shares: list[tuple[int, bytes, bytes]]) -> bytes:
    return (Shamir.combine([(x, lo) for x, lo, _ in shares])
            + Shamir.combine([(x, hi) for x, _, hi in shares]))


def key_check(key: bytes, backup_id: str) -> str:
    """A value that shows a rebuilt key is the right one without revealing anything about it."""
    return hmac.new(key, f"kyodo-key-check|{backup_id}".encode(), hashlib.sha256).hexdigest()


def chunk_aad(backup_id: str, town_code: str, index: int, final: bool) -> bytes:
    return f"{FORMAT}|{backup_id}|{town_code}|{index}|{'final' if final else 'more'}".encode()


def chunk_nonce(index: int) -> bytes:
    # A fresh key per backup, so the chunk index alone is a unique nonce under that key.
    return struct.pack(">IQ", 0, index)


@dataclass(frozen=True)
class EncodedChunk:
    index: int
    final: bool
    plain_len: int
    cipher_len: int
    cipher_sha256: str
    blocks: tuple[bytes, bytes, bytes]
    block_sha256: tuple[str, str, str]


class ChunkCodec:
    """Encrypt+split and join+decrypt chunks of one backup."""

    def __init__(self, *, key: bytes, backup_id: str, town_code: str):
        self._aead = AESGCM(key)
        self.backup_id = backup_id
        self.town_code = town_code
        self._encoder = zfec.Encoder(K, M)
        self._decoder = zfec.Decoder(K, M)

    def encode(self, index: int, plaintext: bytes, final: bool) -> EncodedChunk:
        ciphertext = self._aead.encrypt(chunk_nonce(index), plaintext,
                                        chunk_aad(self.backup_id, self.town_code, index, final))
        half = (len(ciphertext) + 1) // 2
        view = memoryview(ciphertext)
        first = bytes(view[:half])
        second = bytes(view[half:])
        if len(second) < half:
            second += b"\0" * (half - len(second))
        blocks = tuple(bytes(b) for b in self._encoder.encode((first, second)))
        return EncodedChunk(
            index=index, final=final, plain_len=len(plaintext), cipher_len=len(ciphertext),
            cipher_sha256=hashlib.sha256(ciphertext).hexdigest(), blocks=blocks,  # type: ignore[arg-type]
            block_sha256=tuple(hashlib.sha256(b).hexdigest() for b in blocks),  # type: ignore[arg-type]
        )

    def join(self, blocks: dict[int, bytes], cipher_len: int) -> bytes:
        """Rebuild the ciphertext from any two blocks (block number -> bytes)."""
        numbers = sorted(blocks)[:K]
        primary = self._decoder.decode([blocks[n] for n in numbers], numbers)
        return b"".join(bytes(p) for p in primary)[:cipher_len]

    def decrypt(self, index: int, ciphertext: bytes, final: bool) -> bytes:
        """Raises cryptography.exceptions.InvalidTag when the key, the chunk or its context is wrong."""
        return self._aead.decrypt(chunk_nonce(index), ciphertext,
                                  chunk_aad(self.backup_id, self.town_code, index, final))


def canonical(document: dict) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def document_sign(document: dict, signing_key: bytes) -> bytes:
    signed = dict(document)
    signed["signature"] = "hmac-sha256:" + hmac.new(signing_key, canonical(document), hashlib.sha256).hexdigest()
    return json.dumps(signed, ensure_ascii=False, sort_keys=True, indent=1).encode()


def document_verify(raw: bytes, signing_key: bytes) -> dict | None:
    """The document when its signature is valid, else None (also for bytes that are not JSON)."""
    try:
        document = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    signature = document.get("signature", "")
    expected = "hmac-sha256:" + hmac.new(signing_key, canonical(document), hashlib.sha256).hexdigest()
    if not isinstance(signature, str) or not hmac.compare_digest(signature, expected):
        return None
    return document


def plaintext_header(header: dict) -> bytes:
    """The plaintext stream starts with magic, a length and a JSON header (public rows, checksums)."""
    body = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    return PLAINTEXT_MAGIC + struct.pack(">Q", len(body)) + body
