"""Identifiers: 宛名番号・世帯番号 (modulus 11, weights 2–7), 個人番号 and 住民票コード checks."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError

# Staff type numbers in full width as often as not: ０-９ become 0-9. Nothing else is a digit here
# (str.isdigit() would let '²' or '٣' through, and int() would then fail or read them as numbers).
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ASCII_DIGITS = {n: re.compile(f"[0-9]{{{n}}}") for n in (11, 12)}


def _digits(value: str, length: int) -> str | None:
    value = (value or "").translate(_FULL_WIDTH_DIGITS)
    return value if _ASCII_DIGITS[length].fullmatch(value) else None


def mod11_weights_2_7(digits: str) -> int:
    """標準仕様 1.1.13: weights 2..7 repeating from the right; remainder 0 → 0.
    Remainder 1 is not stated in the transcription; we use 0 for it too (documented)."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits)))
    r = total % 11
    return 0 if r <= 1 else 11 - r


def with_check_digit(serial: int, width: int = 9) -> str:
    body = str(serial).zfill(width)
    return body + str(mod11_weights_2_7(body))


def my_number_check_digit(first11: str) -> int:
    """個人番号 check digit (published rule): 11 − Σ Pn·Qn mod 11, remainder ≤ 1 → 0."""
    total = 0
    for n, p in enumerate(reversed(first11), start=1):
        q = n + 1 if n <= 6 else n - 5
        total += int(p) * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def validate_my_number(value: str) -> str:
    digits = _digits((value or "").replace("-", "").replace(" ", "").replace("\u3000", ""), 12)
    if digits is None:
        raise ValidationError("個人番号は半角数字12桁で入力してください。", code="format")
    value = digits
    if my_number_check_digit(value[:11]) != int(value[11]):
        raise ValidationError("個人番号の検査数字（12桁目）が正しくありません。", code="check_digit")
    return value


def validate_resident_code(value: str) -> str:
    digits = _digits((value or "").strip(), 11)
    if digits is None:
        raise ValidationError("住民票コードは半角数字11桁で入力してください。", code="format")
    return digits


def stand_in_resident_code() -> str:
    """住民票コード are drawn from the CS pool in production; until that link exists (出生・職権記載)
    we draw 11 random digits. This is NOT the 告示436号 check digit (not yet confirmed)."""
    return "".join(secrets.choice("0123456789") for _ in range(11))
