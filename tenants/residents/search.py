"""Search normalisation (検索用の正規化) for names and kana; the rules are listed in docs/residents.md.

Stored names keep exactly what was entered (NFC Unicode, including IVS variation sequences); only
the folded search keys go through these rules, and a query is folded the same way.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Variation selectors: VS1-16 and the IVS range VS17-256 (U+E0100-E01EF).
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_SPACES = re.compile(r"[\s\u3000・･.,，、。\-‐－―]+")

# 旧字体・異体字 → 通用字体 folding for the characters most often met in names. Kept deliberately
# small and reviewable; extend it here (and in docs/residents.md) as towns report misses.
VARIANTS = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "濱": "浜", "濵": "浜",
    "澤": "沢", "齋": "斎", "齊": "斎", "斉": "斎", "廣": "広", "國": "国", "櫻": "桜", "德": "徳",
    "眞": "真", "冨": "富", "嶋": "島", "嶌": "島", "槇": "槙", "惠": "恵", "龍": "竜", "瀧": "滝",
    "藏": "蔵", "實": "実", "靜": "静", "淺": "浅", "鐵": "鉄", "榮": "栄", "與": "与", "壽": "寿",
    "曾": "曽", "禮": "礼", "會": "会", "關": "関", "團": "団", "驛": "駅", "圓": "円",
    "繪": "絵", "戀": "恋", "萬": "万", "寳": "宝", "寶": "宝", "彌": "弥", "莊": "荘", "條": "条",
    "兒": "児", "巖": "巌", "昻": "昂", "舘": "館", "籠": "篭", "峯": "峰",
    "穗": "穂", "豐": "豊", "黑": "黒", "縣": "県", "樂": "楽", "來": "来", "亞": "亜",
    "惡": "悪", "學": "学", "氣": "気", "廳": "庁", "傳": "伝", "燈": "灯", "霸": "覇", "萠": "萌",
}
_VARIANT_TABLE = str.maketrans(VARIANTS)

# Small kana and voiced variants that people (and old records) write interchangeably.
_KANA_FOLD = str.maketrans({
    "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ",
    "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ", "ヴ": "ブ", "ヂ": "ジ", "ヅ": "ズ", "ヰ": "イ", "ヱ": "エ", "ヲ": "オ",
})


def strip_variation_selectors(value: str) -> str:
    return _VARIATION_SELECTORS.sub("", value or "")


def normalise_stored(value: str) -> str:
    """What we store for a name: NFC, trimmed, variation sequences kept."""
    return unicodedata.normalize("NFC", (value or "").strip())


def fold_kana(value: str) -> str:
    """Kana search key: width, script (ひらがな→カタカナ), spaces, small kana, ヴ/ヂ/ヅ folded."""
    value = unicodedata.normalize("NFKC", strip_variation_selectors(value))
    value = _SPACES.sub("", value)
    value = jaconv.hira2kata(value)
    return value.translate(_KANA_FOLD).upper()


def fold_name(value: str) -> str:
    """Name search key: the kana rules plus 旧字体/異体字 folding of kanji."""
    return fold_kana(value).translate(_VARIANT_TABLE)


_KANA_ONLY = re.compile(r"^[\u30a0-\u30ffー]+$")


def is_kana(folded: str) -> bool:
    return bool(_KANA_ONLY.match(folded))
