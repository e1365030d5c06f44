"""The format's building blocks, without database or network: key sharing, erasure coding, AEAD context."""

from __future__ import annotations

import itertools
import os

import pytest
from cryptography.exceptions import InvalidTag

from kyodo.backups import sharing


def test_any_two_key_shares_rebuild_the_key_and_one_does_not():
    key = sharing.data_key_new()
    shares = sharing.key_split(key)
    assert [x for x, _, _ in shares] == [1, 2, 3]
    for pair in itertools.combinations(shares, 2):
        assert sharing.key_combine(list(pair)) == key
    for share in shares:
        assert sharing.key_combine([share]) != key


@pytest.mark.parametrize("size", [1, 2, 3, 1000, 65536, 65537])
def test_any_two_blocks_rebuild_the_chunk(size):
    codec = sharing.ChunkCodec(key=sharing.data_key_new(), backup_id="b1", town_code="412066")
    plaintext = os.urandom(size)
    encoded = codec.encode(7, plaintext, final=True)
    assert len({len(b) for b in encoded.blocks}) == 1
    for pair in itertools.combinations(range(3), 2):
        ciphertext = codec.join({n: encoded.blocks[n] for n in pair}, encoded.cipher_len)
        assert codec.decrypt(7, ciphertext, True) == plaintext


@pytest.mark.parametrize("index,final,town,backup_id", [
    (8, True, "412066", "b1"),     # moved to another position
    (7, False, "412066", "b1"),    # a final chunk presented as "more follows" (truncation)
    (7, True, "412074", "b1"),     # another town
    (7, True, "412066", "b2"),     # another backup
])
def test_a_chunk_only_decrypts_in_its_own_context(index, final, town, backup_id):
    key = sharing.data_key_new()
    encoded = sharing.ChunkCodec(key=key, backup_id="b1", town_code="412066").encode(7, b"row data", final=True)
    ciphertext = sharing.ChunkCodec(key=key, backup_id="b1", town_code="412066").join(
        {0: encoded.blocks[0], 2: encoded.blocks[2]}, encoded.cipher_len)
    other = sharing.ChunkCodec(key=key, backup_id=backup_id, town_code=town)
    with pytest.raises(InvalidTag):
        other.decrypt(index, ciphertext, final)


def test_signed_document_detects_any_flipped_byte():
    raw = sharing.document_sign({"town_code": "412066", "chunks": [1, 2, 3]}, b"k" * 32)
    assert sharing.document_verify(raw, b"k" * 32)["town_code"] == "412066"
    assert sharing.document_verify(raw, b"x" * 32) is None
    for position in range(0, len(raw), 7):
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        assert sharing.document_verify(bytes(tampered), b"k" * 32) is None, position
