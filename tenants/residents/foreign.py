"""外国人住民 (標準仕様 1.1.2) and 旧氏 (1.1.1): the items, their shapes, their search keys and how
their dates are shown. Pure functions and constants; the models import the choices from here and
the services (services/foreign.py) the rules.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import models


class ResidentKind(models.TextChoices):
    """住民種別."""

    JAPANESE = "japanese", "日本人"
    FOREIGN = "foreign", "外国人住民"


class Article30_45(models.TextChoices):
    """住民基本台帳法 第30条の45 の区分 (which 外国人住民 a person is)."""

    MID_LONG_TERM = "mid_long_term", "中長期在留者"
    SPECIAL_PERMANENT = "special_permanent", "特別永住者"
    TEMPORARY_REFUGE = "temporary_refuge", "一時庇護許可者"
    PROVISIONAL_STAY = "provisional_stay", "仮滞在許可者"
    BIRTH_TRANSITION = "birth_transition", "出生による経過滞在者"
    NATIONALITY_LOSS_TRANSITION = "nationality_loss_transition", "国籍喪失による経過滞在者"


class AliasAction(models.TextChoices):
    """通称の記載・削除."""

    RECORD = "record", "記載"
    REMOVE = "remove", "削除"


# 永住者 is a 中長期在留者 without a 在留期間 (入管法): no period and no 満了日 on the record.
PERMANENT_RESIDENT = "永住者"

# The items this module adds to each history row (PersonVersion), copied forward like the others.
VERSION_ITEMS = ("resident_kind", "former_family_name", "former_family_name_kana", "alphabet_name",
                 "alias_name", "alias_name_kana", "nationality", "article_30_45", "residence_status",
                 "period_of_stay", "stay_expires_on", "card_number")
FOREIGN_ONLY = ("alphabet_name", "alias_name", "alias_name_kana", "nationality", "article_30_45",
                "residence_status", "period_of_stay", "stay_expires_on", "card_number")
JAPANESE_ONLY = ("former_family_name", "former_family_name_kana")
LABELS = {
    "resident_kind": "住民種別", "former_family_name": "旧氏", "former_family_name_kana": "旧氏カナ",
    "alphabet_name": "氏名（アルファベット表記）", "alias_name": "通称", "alias_name_kana": "通称カナ",
    "nationality": "国籍・地域", "article_30_45": "法第30条の45に規定する区分", "residence_status": "在留資格",
    "period_of_stay": "在留期間", "stay_expires_on": "在留期間の満了日", "card_number": "在留カード等の番号",
}
# Which 区分 carry which 在留 items (the rest must stay blank).
STAY_ITEMS = {Article30_45.MID_LONG_TERM}  # 在留資格・在留期間
EXPIRY_ALLOWED = {Article30_45.MID_LONG_TERM, Article30_45.TEMPORARY_REFUGE, Article30_45.PROVISIONAL_STAY}
CARD_ALLOWED = {Article30_45.MID_LONG_TERM, Article30_45.SPECIAL_PERMANENT}

CARD_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$")
_CARD_SEPARATORS = re.compile(r"[\s\-‐－]+")
ALPHABET_NAME = re.compile(r"^[A-Z][A-Z ,.'\-]*$")
_ALPHA_KEY_DROP = re.compile(r"[^A-Z0-9]+")
PERIOD_OF_STAY = re.compile(r"^(?=.)([0-9]{1,2}年)?([0-9]{1,2}月)?([0-9]{1,3}日)?$")


def card_number_label(article: str) -> str:
    """在留カード番号 for a 中長期在留者, 特別永住者証明書番号 for a 特別永住者."""
    return "特別永住者証明書番号" if article == Article30_45.SPECIAL_PERMANENT else "在留カード番号"


def normalise_card_number(value: str) -> str:
    """As typed (full-width, lower case, spaces or hyphens) → AB12345678CD; not checked here."""
    text = unicodedata.normalize("NFKC", str(value or "")).upper()
    return _CARD_SEPARATORS.sub("", text)


def normalise_alphabet_name(value: str) -> str:
    """ローマ字表記 as stored: NFKC (full-width letters to ASCII), upper case, single spaces."""
    text = unicodedata.normalize("NFKC", str(value or "")).upper()
    return " ".join(text.split())


def fold_alphabet(value: str) -> str:
    """Alphabet search key: upper case ASCII letters and digits only (spaces, commas, hyphens and
    apostrophes dropped; accents removed), so 'Smith, John' and 'SMITH JOHN' fold alike."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(value or "")))
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    return _ALPHA_KEY_DROP.sub("", text)


def is_alphabet_query(value: str) -> bool:
    """A search query written in Latin letters (a ローマ字 name), after width folding."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    return bool(text) and bool(re.fullmatch(r"[A-Za-z ,.'\-\u3000]+", text)) and bool(fold_alphabet(text))


def search_keys(*, alphabet_name: str = "", alias_name: str = "", alias_name_kana: str = "") -> dict[str, str]:
    """The folded keys of the items of this module, stored on each history row beside search.py's."""
    from .search import fold_kana, fold_name

    return {"alpha_full": fold_alphabet(alphabet_name), "alias_full": fold_name(alias_name),
            "alias_kana_full": fold_kana(alias_name_kana)}


def is_foreign(version) -> bool:
    return getattr(version, "resident_kind", ResidentKind.JAPANESE) == ResidentKind.FOREIGN


def seireki(date: dt.date | None) -> str:
    """西暦 as shown on screens and certificates: 1990年5月1日."""
    return f"{date.year}年{date.month}月{date.day}日" if date else ""


def birth_date_display(version) -> str:
    """標準仕様 1.1.8: 生年月日 in 西暦 for 外国人住民; for 日本人 in 和暦, or the register's wording for
    a 不詳日 (``dates.birth_date_text``)."""
    from .dates import birth_date_text

    return seireki(version.birth_date) if is_foreign(version) else birth_date_text(version)


def nationality_label(code: str) -> str:
    """国籍・地域 by its label from the town's code table (the code itself when not listed)."""
    if not code:
        return ""
    from tenants.reference.models import ReferenceCode

    row = ReferenceCode.objects.filter(code_type="nationality", code=code).first()
    return row.label if row else code


def display_name(version) -> str:
    """氏名 as printed: the name, then 通称 in brackets when one is recorded (外国人住民)."""
    name = version.full_name
    if is_foreign(version) and version.alias_name:
        return f"{name}（通称 {version.alias_name}）"
    return name


def foreign_items(version) -> list[tuple[str, str]]:
    """The 外国人住民 items of a record, labelled, in the order of the 住民票 (empty when not one)."""
    if not is_foreign(version):
        return []
    items = []
    if version.alphabet_name:
        items.append(("氏名（アルファベット）", version.alphabet_name))
    if version.alias_name:
        alias = version.alias_name + (f"（{version.alias_name_kana}）" if version.alias_name_kana else "")
        items.append(("通称", alias))
    return items


def stay_items(version) -> list[tuple[str, str]]:
    """国籍・地域, 30条の45区分 and the 在留 items (標準仕様 1.1.2), labelled; dates in 西暦."""
    if not is_foreign(version):
        return []
    items = [("国籍・地域", nationality_label(version.nationality)),
             ("30条の45規定区分", Article30_45(version.article_30_45).label if version.article_30_45 else "")]
    if version.residence_status:
        items.append(("在留資格", version.residence_status))
    if version.period_of_stay:
        items.append(("在留期間", version.period_of_stay))
    if version.stay_expires_on:
        items.append(("在留期間の満了の日", seireki(version.stay_expires_on)))
    if version.card_number:
        items.append((card_number_label(version.article_30_45), version.card_number))
    return items


def correction_initial(version) -> dict[str, str]:
    """職権修正's form starts from these values (as the form holds them: text, blank for none)."""
    out = {}
    for key in VERSION_ITEMS:
        value = getattr(version, key)
        out[key] = value.isoformat() if isinstance(value, dt.date) else (value or "")
    return out
