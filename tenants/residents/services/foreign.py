"""Rules for 住民種別, 旧氏 (標準仕様 1.1.1) and the 外国人住民 items (1.1.2), at entry (転入・出生・
職権記載) and at 職権修正; and the 通称履歴 rows an approved change writes.

``clean_resident_kind_items`` checks one person's whole set of these items, so that entry and
correction apply the same rules: a 外国人住民 needs 国籍・地域 and the 30条の45 区分; a 中長期在留者
needs 在留資格, 在留期間, 満了日 and 在留カード番号 (a 永住者 has no 在留期間 and no 満了日); 本籍・筆頭者
and 旧氏 are not items of a 外国人住民 record, nor the 外国人住民 items of a 日本人 record.
"""

from __future__ import annotations

import unicodedata

from tenants.reference.models import ReferenceCode

from .. import foreign
from ..foreign import Article30_45, ResidentKind
from ..models import AliasEntry, Change
from ..search import normalise_stored
from .validation import Errors, date_field, name_item


def _code_label(code_type: str, value: str) -> tuple[str, str] | None:
    """(code, label) of a code table row given by its code or its label, else None."""
    text = unicodedata.normalize("NFKC", value).strip()
    rows = ReferenceCode.objects.filter(code_type=code_type)
    row = rows.filter(code=text.upper()).first() or rows.filter(label=normalise_stored(value)).first()
    return (row.code, row.label) if row else None


def _choice(value: str) -> str | None:
    text = normalise_stored(value)
    for choice in Article30_45:
        if text in (choice.value, choice.label):
            return choice.value
    return None


# The columns' sizes (a longer value is a 400 naming the field, never a database error).
_MAX_LENGTHS = {"former_family_name": 100, "former_family_name_kana": 100, "alphabet_name": 200, "alias_name": 200,
                "alias_name_kana": 200, "nationality": 50, "residence_status": 50, "period_of_stay": 20,
                "stay_expires_on": 40, "card_number": 40}


def clean_resident_kind_items(errors: Errors, prefix: str, raw: dict) -> dict:
    """One person's 住民種別, 旧氏 and 外国人住民 items from raw input; errors name ``prefix + item``.
    Returns every item of ``foreign.VERSION_ITEMS`` (dates as ISO text, blank as "")."""
    get = lambda key: str(raw.get(key) or "")  # noqa: E731 - short local reader
    out: dict[str, str] = dict.fromkeys(foreign.VERSION_ITEMS, "")
    too_long = [key for key, limit in _MAX_LENGTHS.items() if len(get(key).strip()) > limit]
    for key in too_long:
        errors.add(prefix + key, f"{foreign.LABELS[key]}は{_MAX_LENGTHS[key]}文字以内で入力してください。")
    if too_long:
        return out
    kind = normalise_stored(get("resident_kind")) or ResidentKind.JAPANESE
    kind = next((k.value for k in ResidentKind if kind in (k.value, k.label)), kind)
    if kind not in ResidentKind.values:
        errors.add(prefix + "resident_kind", "住民種別は「日本人」または「外国人住民」を選択してください。")
        return out
    out["resident_kind"] = kind
    if kind == ResidentKind.JAPANESE:
        for key in foreign.FOREIGN_ONLY:
            if get(key).strip():
                errors.add(prefix + key, f"{foreign.LABELS[key]}は外国人住民の記載事項です（日本人の住民票には記載しません）。")
        _former_surname(errors, prefix, get, out)
        return out
    for key in foreign.JAPANESE_ONLY:
        if get(key).strip():
            errors.add(prefix + key, f"{foreign.LABELS[key]}は日本人の記載事項です（外国人住民は通称を記載します）。")
    _foreign_items(errors, prefix, get, out)
    return out


def _former_surname(errors: Errors, prefix: str, get, out: dict) -> None:
    """旧氏 and its カナ are recorded together, or not at all (標準仕様 1.1.1)."""
    name, kana = get("former_family_name").strip(), get("former_family_name_kana").strip()
    if not name and not kana:
        return
    out["former_family_name"] = name_item(errors, prefix + "former_family_name", "former_family_name", "旧氏",
                                          name)
    out["former_family_name_kana"] = name_item(errors, prefix + "former_family_name_kana",
                                               "former_family_name_kana", "旧氏カナ", kana)


def _foreign_items(errors: Errors, prefix: str, get, out: dict) -> None:
    alphabet = foreign.normalise_alphabet_name(get("alphabet_name"))
    if alphabet and not foreign.ALPHABET_NAME.fullmatch(alphabet):
        errors.add(prefix + "alphabet_name", "氏名（アルファベット表記）は英字で入力してください（在留カード等の表記のとおり）。")
    out["alphabet_name"] = alphabet
    alias, alias_kana = get("alias_name").strip(), get("alias_name_kana").strip()
    if alias or alias_kana:
        out["alias_name"] = name_item(errors, prefix + "alias_name", "alias_name", "通称", alias)
        out["alias_name_kana"] = name_item(errors, prefix + "alias_name_kana", "alias_name_kana", "通称カナ",
                                           alias_kana) if alias_kana else ""
    nationality = get("nationality").strip()
    if not nationality:
        errors.add(prefix + "nationality", "国籍・地域を入力してください（外国人住民の必須項目）。")
    else:
        found = _code_label("nationality", nationality)
        if found is None:
            errors.add(prefix + "nationality", f"国籍・地域「{nationality[:20]}」はコード表にありません。")
        else:
            out["nationality"] = found[0]
    article = _choice(get("article_30_45")) if get("article_30_45").strip() else None
    if article is None:
        errors.add(prefix + "article_30_45", "法第30条の45に規定する区分を選択してください（外国人住民の必須項目）。")
        return
    out["article_30_45"] = article
    _stay_items(errors, prefix, get, out, Article30_45(article))


def _stay_items(errors: Errors, prefix: str, get, out: dict, article: Article30_45) -> None:
    """在留資格・在留期間・満了日・在留カード等の番号, as the 区分 carries them."""
    status_text = get("residence_status").strip()
    period = unicodedata.normalize("NFKC", get("period_of_stay")).replace(" ", "")
    expires_text = get("stay_expires_on").strip()
    card = foreign.normalise_card_number(get("card_number"))
    mid_long = article == Article30_45.MID_LONG_TERM
    if not mid_long:
        for key, value in (("residence_status", status_text), ("period_of_stay", period)):
            if value:
                errors.add(prefix + key, f"{foreign.LABELS[key]}は中長期在留者の記載事項です（{article.label}には記載しません）。")
    if article not in foreign.EXPIRY_ALLOWED and expires_text:
        errors.add(prefix + "stay_expires_on", f"在留期間の満了日は{article.label}には記載しません。")
    if article not in foreign.CARD_ALLOWED and card:
        errors.add(prefix + "card_number", f"在留カード等の番号は{article.label}には記載しません。")
    status = ""
    if mid_long:
        if not status_text:
            errors.add(prefix + "residence_status", "在留資格を入力してください（中長期在留者の必須項目）。")
        else:
            found = _code_label("residence_status", status_text)
            if found is None:
                errors.add(prefix + "residence_status", f"在留資格「{status_text[:20]}」はコード表にありません。")
            else:
                status = out["residence_status"] = found[1]
        permanent = status == foreign.PERMANENT_RESIDENT
        if permanent:
            for key, value in (("period_of_stay", period), ("stay_expires_on", expires_text)):
                if value:
                    errors.add(prefix + key, f"永住者には{foreign.LABELS[key]}がありません（空欄にしてください）。")
        else:
            if not period:
                errors.add(prefix + "period_of_stay", "在留期間を入力してください（例: 3年、1年6月、90日）。")
            elif not foreign.PERIOD_OF_STAY.fullmatch(period):
                errors.add(prefix + "period_of_stay", f"在留期間「{period[:20]}」の形式が正しくありません（例: 3年、1年6月、90日）。")
            else:
                out["period_of_stay"] = period
            if not expires_text:
                errors.add(prefix + "stay_expires_on", "在留期間の満了日を入力してください（中長期在留者の必須項目）。")
        if not card:
            errors.add(prefix + "card_number", "在留カード番号を入力してください（中長期在留者の必須項目）。")
    if expires_text and article in foreign.EXPIRY_ALLOWED and not (mid_long and status == foreign.PERMANENT_RESIDENT):
        expires = date_field(errors, prefix + "stay_expires_on", expires_text, "在留期間の満了日")
        out["stay_expires_on"] = expires.isoformat() if expires else ""
    if card and article in foreign.CARD_ALLOWED:
        if not foreign.CARD_NUMBER.fullmatch(card):
            label = foreign.card_number_label(article)
            errors.add(prefix + "card_number", f"{label}は英字2文字・数字8桁・英字2文字の12文字で入力してください"
                                               "（例: AB12345678CD）。")
        else:
            out["card_number"] = card


def clean_correction(errors: Errors, version, given: dict, fields: dict) -> None:
    """職権修正 of these items: the record as it would be after the correction is checked as a whole
    (so changing 住民種別 asks for what the new kind needs); only the items that change go into
    ``fields``. Switching to 日本人 blanks the 外国人住民 items (and asks for 本籍・筆頭者); to
    外国人住民, 旧氏 (本籍・筆頭者 are blanked when the row is written: ``version_values``)."""
    stays_foreign = version.resident_kind == ResidentKind.FOREIGN and \
        normalise_stored(str(given.get("resident_kind") or ResidentKind.FOREIGN)) in \
        (ResidentKind.FOREIGN.value, ResidentKind.FOREIGN.label)
    if stays_foreign:
        for key, label in (("honseki", "本籍"), ("hittousha", "筆頭者")):
            if normalise_stored(str(given.get(key) or "")):
                errors.add(key, f"{label}は外国人住民の住民票の記載事項ではありません（空欄にしてください）。")
                fields.pop(key, None)
    if not any(key in given for key in foreign.VERSION_ITEMS):
        return
    merged = foreign.correction_initial(version)
    merged.update({k: str(given[k] if given[k] is not None else "") for k in foreign.VERSION_ITEMS if k in given})
    kind = normalise_stored(merged["resident_kind"]) or ResidentKind.JAPANESE
    if kind in (ResidentKind.JAPANESE, ResidentKind.JAPANESE.label) and "resident_kind" in given:
        for key in foreign.FOREIGN_ONLY:  # leaving the 外国人住民 items behind is what the switch means
            if key not in given:
                merged[key] = ""
    elif kind in (ResidentKind.FOREIGN, ResidentKind.FOREIGN.label) and "resident_kind" in given:
        for key in foreign.JAPANESE_ONLY:
            if key not in given:
                merged[key] = ""
    clean = clean_resident_kind_items(errors, "", merged)
    current = foreign.correction_initial(version)
    fields.update({key: clean[key] for key in foreign.VERSION_ITEMS if clean[key] != current[key]})
    if clean["resident_kind"] == version.resident_kind:
        return
    if clean["resident_kind"] == ResidentKind.JAPANESE:  # 標準仕様 1.1.6: a 日本人 record has 本籍・筆頭者 (「不明」 or 「なし」 allowed)
        for key, label in (("honseki", "本籍"), ("hittousha", "筆頭者")):
            if not normalise_stored(str(given.get(key) or getattr(version, key) or "")):
                errors.add(key, f"{label}を入力してください（日本人の住民票の必須項目。分からないときは「不明」）。")


def apply_entry_items(errors: Errors, prefix: str, raw: dict, out: dict) -> None:
    """転入・出生・職権記載: one person's 住民種別, 旧氏 and 外国人住民 items into ``out`` (the rest
    of the person, from validation.clean_person). A 外国人住民 has no 本籍・筆頭者; a 通称 brought
    from the previous town (転出証明書) may say when and where it was recorded."""
    items = clean_resident_kind_items(errors, prefix, raw)
    out.update(items)
    if items["resident_kind"] != ResidentKind.FOREIGN:
        return
    for key, label in (("honseki", "本籍"), ("hittousha", "筆頭者")):
        value = normalise_stored(str(raw.get(key) or ""))
        if value and value not in ("不明", "なし"):
            errors.add(prefix + key, f"{label}は外国人住民の住民票の記載事項ではありません（空欄にしてください）。")
        out[key] = ""
    recorded_on = str(raw.get("alias_recorded_on") or "").strip()
    if recorded_on and items["alias_name"]:
        parsed = date_field(errors, prefix + "alias_recorded_on", recorded_on, "通称を記載した年月日")
        out["alias_recorded_on"] = parsed.isoformat() if parsed else ""
    municipality = normalise_stored(str(raw.get("alias_recorded_municipality") or ""))[:100]
    if municipality and items["alias_name"]:
        out["alias_recorded_municipality"] = municipality


def version_values(values: dict) -> dict:
    """These items as a history row takes them: a blank date is None, and a 外国人住民 row has no
    本籍・筆頭者 (they are not items of that record, 標準仕様 1.1.2)."""
    import datetime as dt

    expires = values.get("stay_expires_on")
    if isinstance(expires, str):
        values["stay_expires_on"] = dt.date.fromisoformat(expires) if expires else None
    if values.get("resident_kind") == ResidentKind.FOREIGN:
        values["honseki"] = values["hittousha"] = ""
    return values


# --- 通称履歴 ----------------------------------------------------------------------------------------

def alias_history_write(*, change: Change, person_id: int, before: tuple[str, str], after: tuple[str, str],
                        done_on, municipality: str) -> None:
    """Record the 削除 of the old 通称 and the 記載 of the new one, when the change altered it (a
    corrected カナ alone is no 記載 or 削除)."""
    if before[0] == after[0]:
        return
    if before[0]:
        AliasEntry.objects.create(person_id=person_id, change=change, action=foreign.AliasAction.REMOVE,
                                  alias_name=before[0], alias_name_kana=before[1], done_on=done_on,
                                  municipality=municipality)
    if after[0]:
        AliasEntry.objects.create(person_id=person_id, change=change, action=foreign.AliasAction.RECORD,
                                  alias_name=after[0], alias_name_kana=after[1], done_on=done_on,
                                  municipality=municipality)
