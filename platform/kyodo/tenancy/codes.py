"""全国地方公共団体コード (local government code, JIS X 0402): 6 digits = 5-digit code + check digit."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)

_SIX_DIGITS = re.compile(r"^[0-9]{6}$")


def check_digit(first_five: str) -> int:
    """Check digit: last digit of 11 − (d1×6 + d2×5 + d3×4 + d4×3 + d5×2) mod 11."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def validate_municipality_code(value: str) -> None:
    """Raise ValidationError (Japanese message naming the field and the rule) for a bad code."""
    if not isinstance(value, str) or not _SIX_DIGITS.match(value):
        raise ValidationError(
            "団体コードは半角数字6桁で入力してください（例: 412066）。",
            code="format",
            params={"value": value},
        )
    expected = check_digit(value[:5])
    if int(value[5]) != expected:
        raise ValidationError(
            "団体コード %(value)s の検査数字が正しくありません（6桁目は %(expected)s のはずです）。",
            code="check_digit",
            params={"value": value, "expected": expected},
        )
    prefecture_no = int(value[:2])
    if not 1 <= prefecture_no <= 47:
        raise ValidationError(
            "団体コード %(value)s の都道府県番号（先頭2桁）が 01〜47 の範囲にありません。",
            code="prefecture",
            params={"value": value},
        )


def prefecture_of(code: str) -> str:
    return PREFECTURES[int(code[:2]) - 1]


def schema_name_for(code: str) -> str:
    """Schema names are derived from the validated code only, never from other user input."""
    validate_municipality_code(code)
    return f"town_{code}"


@dataclass(frozen=True)
class KnownMunicipality:
    """A municipality listed in data/municipalities.csv (総務省「全国地方公共団体コード」)."""

    code: str
    name: str
    name_kana: str
    prefecture: str


MUNICIPALITIES_FILE = Path(__file__).resolve().parent / "data" / "municipalities.csv"


@functools.cache
def known_municipalities() -> dict[str, KnownMunicipality]:
    """The municipalities Kyodo knows by code (read once per process); see data/README.md."""
    with MUNICIPALITIES_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: KnownMunicipality(**row) for row in csv.DictReader(handle)}


def known_municipality(code: str) -> KnownMunicipality | None:
    return known_municipalities().get(code)
