"""住民検索 as staff expect it (標準仕様 第3章 2.1.x 検索; the rules are in docs/residents.md, "Search
normalisation rules"): kana folding of 濁点・半濁点, small kana and ー, 部分一致, search by 宛名番号 /
世帯番号 / 住民票コード, and the result count. Real database, real services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from kyodo.tenantlog.models import AuditEntry
from tenants.residents import selectors, services
from tenants.residents.models import BlockedAttempt, PersonVersion
from tenants.residents.search import fold_kana, fold_name, recompute_search_keys

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

ELSEWHERE = {"address": "佐賀県武雄市朝日町大字甘久500番地", "katagaki": "", "district": "朝日"}


def _search(actor, town, query, **kwargs):
    return sorted(f"{r.family_name}{r.given_name}"
                  for r in selectors.persons_search(actor=actor, town=town, query=query, **kwargs))


@pytest.fixture
def yamazaki(in_a, clerk_a, approve):
    """ヤマザキ ジョージ (with 濁点 and a small ョ) and パク ヒョンス, in a household of their own."""
    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
        data=move_in_data([
            person_data(family_name="山崎", given_name="譲二", family_name_kana="ヤマザキ", given_name_kana="ジョージ",
                        hittousha="山崎譲二", resident_code="22345678901"),
            person_data(family_name="朴", given_name="賢秀", family_name_kana="パク", given_name_kana="ヒョンス",
                        relationship="同居人", hittousha="朴賢秀", resident_code="22345678902"),
        ], **ELSEWHERE))
    approve(change)
    change.refresh_from_db()
    return {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}


# --- folding (search keys and queries alike) -----------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("やまざき", "ヤマサキ"), ("ヤマサキ", "ヤマザキ"), ("パク", "バク"), ("ハク", "ﾊﾟｸ"), ("ヴァイオリン", "ブアイオリン"),
    ("チヂワ", "ちじわ"), ("ジョージ", "ジヨジ"), ("キャット", "キヤツト"), ("コーヒー", "コヒ"), ("ハ゛ン", "ハン"),
])
def test_voiced_small_and_long_vowel_kana_fold_together(a, b):
    """Rule 5/6 (docs/residents.md): 濁点・半濁点 removed (ザ→サ, バ/パ→ハ), ヴ read as バ行, ヂ/ヅ as
    ジ/ズ, small kana made large (ャ→ヤ, ッ→ツ), the 長音 ー and stray 濁点 marks dropped."""
    assert fold_kana(a) == fold_kana(b)
    assert fold_name(a) == fold_name(b)


def test_folding_keeps_distinct_sounds_apart():
    """Folding must not make unrelated names equal: only voicing, size and length are ignored."""
    assert fold_kana("ヤマサキ") != fold_kana("ヤマサカ")
    assert fold_kana("ハク") != fold_kana("ホク")


def test_hiragana_with_dakuten_finds_katakana_without_and_back(yamazaki, household, in_a, clerk_a):
    """2.1.x カナ検索: やまざき finds ヤマザキ, and ヤマサキ (no 濁点) finds it too; じょーじ finds ジョージ."""
    assert _search(clerk_a, in_a, "やまざき") == ["山崎譲二"]
    assert _search(clerk_a, in_a, "ヤマサキ") == ["山崎譲二"]
    assert _search(clerk_a, in_a, "やまさき しよし") == ["山崎譲二"]
    assert _search(clerk_a, in_a, "ﾊﾞｸ") == ["朴賢秀"]
    assert _search(clerk_a, in_a, "ヤマダ") == ["山田一郎", "山田太郎", "山田花子"]


# --- stored keys: the data migration --------------------------------------------------------------

def test_recompute_rewrites_stale_keys_and_only_those(yamazaki, in_a):
    """Migration 0005: keys stored under the old folding (ヤマザキ kept its 濁点) are recomputed in one
    set-based UPDATE per chunk; rows already right are not touched."""
    pk = yamazaki["譲二"].pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE residents_personversion SET kana_full = 'ヤマザキジヨージ', kana_given = 'ジヨージ' "
                       "WHERE id = %s", [pk])
        assert recompute_search_keys(cursor, chunk=1) == 1
        assert recompute_search_keys(cursor) == 0
    row = PersonVersion.objects.get(pk=pk)
    assert (row.kana_full, row.kana_given) == ("ヤマサキシヨシ", "シヨシ")


def test_history_guard_allows_only_the_derived_search_keys(yamazaki, in_a):
    """標準仕様 1.2.1 (history is never rewritten): the trigger lets the four derived search keys and
    is_current change, and still refuses any 記載事項 such as the kana name itself."""
    pk = yamazaki["譲二"].pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE residents_personversion SET name_given = name_given || 'x' WHERE id = %s", [pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE residents_personversion SET given_name_kana = 'ジョジ' WHERE id = %s", [pk])


# --- 部分一致 --------------------------------------------------------------------------------------

def test_partial_match_finds_the_middle_of_a_name(yamazaki, household, in_a, clerk_a):
    """部分一致 (option): the folded query anywhere in the full kana or name; default stays 前方一致."""
    assert _search(clerk_a, in_a, "さき") == []
    assert _search(clerk_a, in_a, "さき", partial=True) == ["山崎譲二"]
    assert _search(clerk_a, in_a, "ざきじょ", partial=True) == ["山崎譲二"]
    assert _search(clerk_a, in_a, "崎", partial=True) == ["山崎譲二"]
    assert _search(clerk_a, in_a, "﨑譲", partial=True) == ["山崎譲二"]
    assert _search(clerk_a, in_a, "ろう", partial=True) == ["山田一郎", "山田太郎"]


# --- search by number ----------------------------------------------------------------------------

def test_atena_number_finds_the_person(household, yamazaki, in_a, clerk_a):
    """1.1.13 宛名番号 (10 digits, modulus 11 weights 2–7): with the label 「宛名」 and typed in ASCII
    or full width, with or without the leading zeros, it finds exactly that person."""
    number = household["hanako"].person.atena_number
    assert _search(clerk_a, in_a, f"宛名 {number}") == ["山田花子"]
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert _search(clerk_a, in_a, f"宛名番号：{full_width}") == ["山田花子"]
    assert _search(clerk_a, in_a, "宛名" + number.lstrip("0")) == ["山田花子"]


def test_household_number_finds_the_current_members(household, yamazaki, in_a, clerk_a):
    """1.1.13 世帯番号: with the label 「世帯」 it finds the household's current members only."""
    assert _search(clerk_a, in_a, "世帯 " + household["household"].number) == ["山田一郎", "山田太郎", "山田花子"]
    assert _search(clerk_a, in_a, "世帯番号" + yamazaki["譲二"].household.number) == ["山崎譲二", "朴賢秀"]


def test_bare_ten_digits_find_both_number_kinds(household, yamazaki, in_a, clerk_a):
    """宛名番号 and 世帯番号 share one format and are both numbered from 1, so the same 10 digits are
    usually both: without a label both matches are listed (each row shows both numbers)."""
    number = household["hanako"].person.atena_number
    assert number == yamazaki["譲二"].household.number  # the second person and the second household
    assert _search(clerk_a, in_a, number) == ["山崎譲二", "山田花子", "朴賢秀"]


def test_resident_code_finds_the_person(yamazaki, in_a, clerk_a):
    """4.3.1 住民票コード: 11 digits, with or without the label."""
    assert _search(clerk_a, in_a, "22345678902") == ["朴賢秀"]
    assert _search(clerk_a, in_a, "住民票コード ２２３４５６７８９０１") == ["山崎譲二"]


@pytest.mark.parametrize("query,code,message", [
    ("0000000018", "check_digit", "宛名番号・世帯番号の検査数字（末尾の1桁）が正しくありません。"),
    ("宛名 0000000018", "check_digit", "宛名番号の検査数字（末尾の1桁）が正しくありません。"),
    ("世帯18", "check_digit", "世帯番号の検査数字（末尾の1桁）が正しくありません。"),
    ("000000001²", "number_format", "番号は半角または全角の数字（0〜9）で入力してください。"),
    ("١٢٣٤٥٦٧٨٩٠١", "number_format", "番号は半角または全角の数字（0〜9）で入力してください。"),
    ("123456789012", "number_length", "宛名番号・世帯番号は10桁の数字で入力してください（住民票コードは11桁）。"),
    ("住民票コード 123", "number_length", "住民票コードは11桁の数字で入力してください。"),
])
def test_malformed_numbers_are_explained(household, in_a, clerk_a, query, code, message):
    """1.1.13: a wrong check digit (or digits other than 0-9/０-９, or a wrong length) is reported
    with the reason, naming the number type, instead of an empty result."""
    with pytest.raises(ValidationError) as exc:
        selectors.persons_search(actor=clerk_a, town=in_a, query=query)
    assert (exc.value.code, exc.value.messages) == (code, [message])


def test_number_search_is_protected_and_audited_like_name_search(household, in_a, clerk_a, approver_a):
    """支援措置 (標準仕様 3.1): a protected person looked up by number is listed like one found by
    name — marked, with the address hidden — and the search is audited with the persons shown."""
    from tenants.residents.protection import HIDDEN_ADDRESS

    services.support_measure_create(actor=approver_a, town=in_a, person_id=household["hanako"].person_id,
                                    starts_on="2024-05-01")
    [row] = selectors.persons_search(actor=clerk_a, town=in_a, query="宛名" + household["hanako"].person.atena_number)
    assert row.protected and row.address == HIDDEN_ADDRESS
    members = selectors.persons_search(actor=clerk_a, town=in_a, query="世帯" + household["household"].number)
    assert {r.address for r in members} == {HIDDEN_ADDRESS}
    entry = AuditEntry.objects.filter(action="person.search").order_by("-seq").first()
    assert entry.detail["results"] == 3 and not BlockedAttempt.objects.exists()


def test_number_search_audit_lists_the_persons_found(household, in_a, clerk_a):
    """Read audit: the folded query (the digits) and the persons listed."""
    number = household["household"].number
    rows = selectors.persons_search(actor=clerk_a, town=in_a, query="世帯 " + number)
    entry = AuditEntry.objects.filter(action="person.search").order_by("-seq").first()
    assert entry.detail["results"] == 3 and entry.detail["query"] == "世帯" + number
    assert sorted(entry.detail["person_ids"]) == sorted(r.person_id for r in rows)


# --- the page ------------------------------------------------------------------------------------

def test_search_page_shows_count_partial_option_and_number_errors(household, yamazaki, client_a):
    """The search page: 「N件」, the 部分一致 checkbox, and a clear message for a bad check digit."""
    body = client_a.get("/residents/", {"q": "やまだ"}).content.decode()
    assert "3件" in body and 'name="partial"' in body and "部分一致" in body
    body = client_a.get("/residents/", {"q": "さき"}).content.decode()
    assert "該当する住民は見つかりませんでした" in body
    body = client_a.get("/residents/", {"q": "さき", "partial": "1"}).content.decode()
    assert "山崎 譲二" in body and "1件" in body
    body = client_a.get("/residents/", {"q": "世帯" + household["household"].number}).content.decode()
    assert "山田 太郎" in body and "山田 花子" in body and "3件" in body
    assert household["taro"].person.atena_number in body
    response = client_a.get("/residents/", {"q": "0000000018"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "宛名番号・世帯番号の検査数字（末尾の1桁）が正しくありません。" in body
    assert "該当する住民は見つかりませんでした" not in body


def test_search_page_says_when_the_limit_is_hit(household, client_a, monkeypatch):
    """At SEARCH_LIMIT results the page asks to narrow the search instead of a count."""
    body = client_a.get("/residents/", {"q": "やまだ"}).content.decode()
    assert "件以上あります" not in body
    monkeypatch.setattr(selectors, "SEARCH_LIMIT", 3)
    body = client_a.get("/residents/", {"q": "やまだ"}).content.decode()
    assert "3件以上あります。条件を絞ってください。" in body and "3件</p>" not in body


def test_limit_message_names_fifty(household, in_a):
    """With the real SEARCH_LIMIT (50) the message reads 「50件以上あります。条件を絞ってください。」."""
    from django.template.loader import render_to_string

    rows = [household["taro"]] * selectors.SEARCH_LIMIT
    html = render_to_string("residents/search.html", {"query": "やまだ", "rows": rows, "searched": True,
                                                      "limit": selectors.SEARCH_LIMIT, "limit_hit": True})
    assert "50件以上あります。条件を絞ってください。" in html


def test_partial_search_has_trigram_indexes_in_template_built_towns(in_a):
    """部分一致 stays fast at 100,000 persons: where the server has pg_trgm (created once in public),
    every town -- town A is built by replaying the template schema -- has GIN trigram indexes on
    the current rows' full keys (used for an infix LIKE; timed by benchmarks/residents_search.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("pg_trgm is not available on this server (部分一致 is unindexed there)")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname LIKE %s ORDER BY 1",
                       [in_a.schema_name, "%trgm"])
        assert [r[0] for r in cursor.fetchall()] == ["residents_alias_full_trgm", "residents_alias_kana_trgm",
                                                     "residents_alpha_full_trgm", "residents_kana_full_trgm",
                                                     "residents_name_full_trgm"]


def test_partial_search_without_pg_trgm(yamazaki, in_a, clerk_a):
    """Where the server has no pg_trgm (the embedded pgserver build), migration 0006 builds nothing
    and 部分一致 still finds the same persons, by a scan. (The extension is dropped inside this
    test's transaction, which is rolled back.)"""
    import importlib

    migration = importlib.import_module("tenants.residents.migrations.0006_search_trigram_indexes")
    with connection.cursor() as cursor:
        cursor.execute("DROP EXTENSION IF EXISTS pg_trgm CASCADE")
    with connection.schema_editor(atomic=False) as editor:
        migration.create(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname LIKE %s",
                       [in_a.schema_name, "%trgm"])
        assert cursor.fetchone()[0] == 0
    assert not selectors._trigram_usable("ざきじょ")
    assert _search(clerk_a, in_a, "ざきじょ", partial=True) == ["山崎譲二"]
