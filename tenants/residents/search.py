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


def fold_variants(value: str) -> str:
    """旧字体・異体字 to the common form (髙→高, 﨑→崎 …): for search keys and address comparison."""
    return value.translate(_VARIANT_TABLE)

# Small kana and old kana that people (and old records) write interchangeably. ヴ is read as バ行
# (ヴァイオリン = バイオリン), ヂ/ヅ as ジ/ズ (四つ仮名: チヂワ = チジワ); the 濁点 is dropped afterwards.
_SMALL_AND_OLD = {
    "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ",
    "ヮ": "ワ", "ヵ": "カ", "ヶ": "ケ", "ヴ": "ブ", "ヂ": "ジ", "ヅ": "ズ", "ヰ": "イ", "ヱ": "エ", "ヲ": "オ",
}
_MARKS = "\u3099\u309a\u309b\u309c"  # (combining) 濁点・半濁点


def _fold_one(ch: str) -> str:
    """One katakana → its search form: small/old kana made plain, then 濁点・半濁点 removed
    (ガ→カ, ザ→サ, バ/パ→ハ, ヴ→ブ→フ, ヂ→ジ→シ, ヷ→ワ, ヸ→ヰ→イ)."""
    ch = _SMALL_AND_OLD.get(ch, ch)
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if c not in _MARKS)
    return _SMALL_AND_OLD.get(base, base)


_KANA_FOLD = str.maketrans({
    **{chr(cp): _fold_one(chr(cp)) for cp in range(0x30A1, 0x30FB) if _fold_one(chr(cp)) != chr(cp)},
    **dict.fromkeys(_MARKS + "ー", None),  # marks typed on their own, and the 長音 mark, are dropped
})
# The folding is baked into the stored keys: whenever it changes, add a migration that calls
# recompute_search_keys (as migrations/0005_search_keys_fold_voicing.py does).


def strip_variation_selectors(value: str) -> str:
    return _VARIATION_SELECTORS.sub("", value or "")


def _is_compatibility_ideograph(char: str) -> bool:
    code = ord(char)
    return 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F


def normalise_stored(value: str) -> str:
    """What we store for a name or an address: trimmed, NFC (so a kana typed with a combining
    濁点 is stored as one character), variation sequences kept -- and CJK compatibility ideographs
    kept exactly as entered: NFC would rewrite them to the unified ideograph (U+FA19 神 → U+795E,
    U+FA1B 福 → U+798F), and a name is recorded as written (標準仕様 1.8 文字). Only the search keys
    (fold_kana, fold_name) fold them."""
    value = (value or "").strip()
    if not any(_is_compatibility_ideograph(c) for c in value):
        return unicodedata.normalize("NFC", value)
    out: list[str] = []
    run: list[str] = []
    for char in value:
        if _is_compatibility_ideograph(char):
            out.append(unicodedata.normalize("NFC", "".join(run)))
            out.append(char)
            run = []
        else:
            run.append(char)
    out.append(unicodedata.normalize("NFC", "".join(run)))
    return "".join(out)


def fold_kana(value: str) -> str:
    """Kana search key: width, script (ひらがな→カタカナ), spaces, small kana, 濁点・半濁点 and ー folded."""
    value = unicodedata.normalize("NFKC", strip_variation_selectors(value))
    value = _SPACES.sub("", value)
    value = jaconv.hira2kata(value)
    return value.translate(_KANA_FOLD).upper()


def fold_name(value: str) -> str:
    """Name search key: the kana rules plus 旧字体/異体字 folding of kanji."""
    return fold_kana(value).translate(_VARIANT_TABLE)


_NUMBER_SEPARATORS = re.compile(r"[\s\u3000\-‐－―:：]+")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ASCII_DIGITS = re.compile("[0-9]+")
# An optional label in front of a number says which number it is (宛名番号 and 世帯番号 are both 10
# digits and are numbered from 1 each, so the same 10 digits are usually both).
_NUMBER_LABELS = (("宛名番号", "atena"), ("宛名", "atena"), ("世帯番号", "household"), ("世帯", "household"),
                  ("住民票コード", "resident_code"), ("住民票", "resident_code"))
NUMBER_NAMES = {"atena": "宛名番号", "household": "世帯番号", "atena_or_household": "宛名番号・世帯番号",
                "resident_code": "住民票コード"}


def parse_number(query: str) -> tuple[str, str] | None:
    """A search query that is a number → (kind, digits), kind one of "atena", "household",
    "atena_or_household" (10 digits without a label) or "resident_code" (11 digits); None when the
    query is not a number (then it is a name). A label 「宛名」「世帯」「住民票コード」 may come first;
    spaces and hyphens are ignored, full-width digits read as ASCII, and a 宛名番号/世帯番号 may be
    typed without its leading zeros. Raises ValidationError naming the number type when the
    number cannot be one (wrong check digit, length, or digits other than 0-9/０-９)."""
    from django.core.exceptions import ValidationError

    from .numbers import mod11_weights_2_7

    text = (query or "").strip()
    kind = "auto"
    for label, label_kind in _NUMBER_LABELS:
        if text.startswith(label):
            kind, text = label_kind, text[len(label):]
            break
    compact = _NUMBER_SEPARATORS.sub("", text)
    if not compact or any(unicodedata.digit(ch, None) is None for ch in compact):
        return None
    digits = compact.translate(_FULL_WIDTH_DIGITS)
    if not _ASCII_DIGITS.fullmatch(digits):  # '²', '٣' …: digits, but not ones a number is written in
        raise ValidationError("番号は半角または全角の数字（0〜9）で入力してください。", code="number_format")
    if kind == "auto":
        kind = "resident_code" if len(digits) == 11 else "atena_or_household"
    if kind == "resident_code":
        if len(digits) != 11:
            raise ValidationError("住民票コードは11桁の数字で入力してください。", code="number_length")
        return (kind, digits)
    name = NUMBER_NAMES[kind]
    if len(digits) > 10:
        raise ValidationError(f"{name}は10桁の数字で入力してください（住民票コードは11桁）。", code="number_length")
    digits = digits.zfill(10)
    if mod11_weights_2_7(digits[:9]) != int(digits[9]):
        raise ValidationError(f"{name}の検査数字（末尾の1桁）が正しくありません。", code="check_digit")
    return (kind, digits)


_KANA_ONLY = re.compile(r"^[\u30a0-\u30ffー]+$")


def is_kana(folded: str) -> bool:
    return bool(_KANA_ONLY.match(folded))


def search_keys(*, family_name: str, given_name: str, family_name_kana: str, given_name_kana: str) -> dict[str, str]:
    """The four folded keys stored on each history row (PersonVersion)."""
    return {
        "kana_full": fold_kana(family_name_kana + given_name_kana),
        "kana_given": fold_kana(given_name_kana),
        "name_full": fold_name(family_name + given_name),
        "name_given": fold_name(given_name),
    }


_KEY_COLUMNS = ("kana_full", "kana_given", "name_full", "name_given")


def recompute_search_keys(cursor, chunk: int = 5000) -> int:
    """Recompute the stored keys of every history row in the current schema with today's folding,
    in id-ordered chunks, writing only rows whose keys change (one set-based UPDATE per chunk).
    Returns the number of rows rewritten. The history guard trigger lets these four derived
    columns change (migration 0005); nothing else on a history row may."""
    changed = 0
    last_id = 0
    while True:
        cursor.execute(
            "SELECT id, family_name, given_name, family_name_kana, given_name_kana, kana_full, kana_given, "
            "name_full, name_given FROM residents_personversion WHERE id > %s ORDER BY id LIMIT %s",
            [last_id, chunk])
        rows = cursor.fetchall()
        if not rows:
            return changed
        last_id = rows[-1][0]
        updates: list[list] = [[], [], [], [], []]
        for pk, family, given, family_kana, given_kana, *stored in rows:
            keys = search_keys(family_name=family, given_name=given, family_name_kana=family_kana,
                               given_name_kana=given_kana)
            if [keys[c] for c in _KEY_COLUMNS] != stored:
                updates[0].append(pk)
                for i, column in enumerate(_KEY_COLUMNS, start=1):
                    updates[i].append(keys[column])
        if updates[0]:
            cursor.execute(
                "UPDATE residents_personversion AS p SET kana_full = v.kf, kana_given = v.kg, name_full = v.nf, "
                "name_given = v.ng FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]) "
                "AS v(id, kf, kg, nf, ng) WHERE p.id = v.id", updates)
            changed += len(updates[0])
