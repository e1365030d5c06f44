"""監査ログ（共同利用） at the console: filters, pagination, CSV (UTF-8 with BOM), bad filters are 400
naming the parameter, and console refusals are recorded; a town's staff never reach it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from kyodo.audit.models import PlatformAuditEntry
from kyodo.audit.services import platform_audit_record, platform_audit_verify

from ..conftest import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(pref_admin, clerk_a, clerk_b):
    platform_audit_record(actor=clerk_a, action="identity.login", municipality_code="412066")
    platform_audit_record(actor=clerk_b, action="town.access_refused", municipality_code="412066",
                          outcome="refused", detail={"reason": "not_member"})
    platform_audit_record(actor=clerk_b, action="identity.login", municipality_code="412074")
    platform_audit_record(actor=pref_admin, action="municipality.suspend", municipality_code="412074",
                          purpose="=HYPERLINK(\"x\")")


def _seqs(response) -> list[str]:
    return re.findall(r'<tr data-seq="(\d+)"', response.content.decode())


def test_a_clerk_refused_at_the_console_is_in_the_audit_log(clerk_a, console_client):
    response = logged_in_client(clerk_a, "localhost").get("/console/audit/")
    assert response.status_code == 403
    entry = PlatformAuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor_username, entry.outcome, entry.detail["path"]) == (
        "console.access_refused", "clerk-a", "refused", "/console/audit/")
    assert platform_audit_verify().ok
    page = console_client.get("/console/audit/", {"user": "clerk-a", "outcome": "refused"})
    body = page.content.decode()
    assert "コンソールへのアクセス拒否" in body and "拒否" in body and "/console/audit/" in body


@pytest.mark.parametrize("path", ["/console/", "/console/towns/412066/suspend/", "/console/backups/",
                                  "/console/audit/export.csv"])
def test_town_staff_never_reach_any_console_page(clerk_a, approver_a, path):
    for user in (clerk_a, approver_a):
        before = PlatformAuditEntry.objects.filter(action="console.access_refused").count()
        response = logged_in_client(user, "localhost").get(path)
        assert response.status_code == 403 and "監査ログ" not in response.content.decode()
        assert PlatformAuditEntry.objects.filter(action="console.access_refused").count() == before + 1


def test_filters_by_town_user_action_and_outcome(console_client, entries):
    all_rows = PlatformAuditEntry.objects.count()
    assert f"{all_rows} 件" in console_client.get("/console/audit/").content.decode()
    by_town = _seqs(console_client.get("/console/audit/", {"town": "412074"}))
    expected = PlatformAuditEntry.objects.filter(municipality_code="412074").order_by("-seq")
    assert by_town == [str(e.seq) for e in expected] and len(by_town) >= 2
    assert len(_seqs(console_client.get("/console/audit/", {"user": "clerk-b"}))) == 2
    both = console_client.get("/console/audit/", {"user": "clerk-b", "action": "identity.login"})
    rows = _seqs(both)
    entry = PlatformAuditEntry.objects.get(seq=rows[0])
    assert len(rows) == 1 and (entry.municipality_code, entry.action) == ("412074", "identity.login")
    refused = console_client.get("/console/audit/", {"outcome": "refused", "town": "412066"}).content.decode()
    assert "団体へのアクセス拒否" in refused and "town.access_refused</td>" not in refused


def test_filters_by_date_range_in_japan_time(console_client, entries):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    todays = _seqs(console_client.get("/console/audit/", {"date_from": today.isoformat(), "user": "clerk-b"}))
    assert len(todays) == 2
    assert _seqs(console_client.get("/console/audit/", {"date_to": (today - day).isoformat(), "user": "clerk-b"})) == []
    assert _seqs(console_client.get("/console/audit/", {"date_from": (today + day).isoformat()})) == []
    assert len(_seqs(console_client.get("/console/audit/", {"date_from": today.isoformat(),
                                                            "date_to": today.isoformat(), "user": "clerk-b"}))) == 2


def test_pagination_keeps_the_filters(console_client, pref_admin):
    for i in range(55):
        platform_audit_record(actor=pref_admin, action="backup.run", municipality_code="412066", target_id=str(i))
    first = console_client.get("/console/audit/", {"action": "backup.run"})
    body = first.content.decode()
    assert len(_seqs(first)) == 50 and "55 件（1 / 2 ページ）" in body
    assert 'href="?action=backup.run&amp;page=2"' in body
    second = console_client.get("/console/audit/", {"action": "backup.run", "page": "2"})
    assert len(_seqs(second)) == 5
    assert len(_seqs(console_client.get("/console/audit/", {"action": "backup.run", "page": "999"}))) == 5


def test_csv_is_utf8_with_bom_filtered_and_safe_in_excel(console_client, entries):
    response = console_client.get("/console/audit/export.csv", {"town": "412074"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:6] == ["日時", "団体コード", "利用者", "操作", "操作コード", "結果"]
    body = rows[1:]
    assert len(body) == PlatformAuditEntry.objects.filter(municipality_code="412074").count() >= 2
    assert {r[1] for r in body} == {"412074"}
    suspend = next(r for r in body if r[4] == "municipality.suspend")
    assert suspend[3] == "団体の一時停止" and suspend[8] == "'=HYPERLINK(\"x\")"
    export = PlatformAuditEntry.objects.filter(action="console.audit_export").latest("seq")
    assert export.actor_username == "pref-admin" and export.detail == {"town": "412074"}


@pytest.mark.parametrize("params,name", [
    ({"town": "41206"}, "town"), ({"town": "４１２０６６"}, "town"), ({"town": "412066x"}, "town"),
    ({"user": "x" * 151}, "user"), ({"action": "DROP TABLE"}, "action"), ({"action": "a." + "b" * 80}, "action"),
    ({"outcome": "maybe"}, "outcome"), ({"date_from": "2025-02-30"}, "date_from"),
    ({"date_from": "２０２５-01-01"}, "date_from"), ({"date_to": "yesterday"}, "date_to"),
    ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"), ({"page": "²"}, "page"),
    ({"page": "9" * 19}, "page"), ({"page": "-1"}, "page"), ({"town": ["412066", "412074"]}, "town"),
])
@pytest.mark.parametrize("path", ["/console/audit/", "/console/audit/export.csv"])
def test_bad_filters_are_400_naming_the_parameter(console_client, params, name, path):
    response = console_client.get(path, params)
    assert response.status_code == 400
    assert f"'{name}'" in response.content.decode()


def test_nul_in_a_filter_is_400(console_client):
    response = console_client.get("/console/audit/", {"user": "a\x00b"})
    assert response.status_code == 400 and "'user'" in response.content.decode()


def test_filters_and_pages_answer_htmx_with_the_entries_part_and_a_full_page_otherwise(console_client, entries,
                                                                                     pref_admin):
    expected = [str(e.seq) for e in PlatformAuditEntry.objects.filter(municipality_code="412074").order_by("-seq")]
    full = console_client.get("/console/audit/", {"town": "412074"})
    part = console_client.get("/console/audit/", {"town": "412074"}, HTTP_HX_REQUEST="true")
    assert _seqs(full) == _seqs(part) == expected
    assert "<html" in full.content.decode() and 'id="audit-filters"' in full.content.decode()
    body = part.content.decode()
    assert "<html" not in body and 'id="audit-filters"' not in body
    assert 'href="/console/audit/export.csv?town=412074"' in body  # the CSV link follows the filters
    form = full.content.decode().split('id="audit-filters"')[1].split(">")[0]
    assert 'hx-target="#audit-results"' in form and 'hx-push-url="true"' in form
    for i in range(55):
        platform_audit_record(actor=pref_admin, action="backup.run", municipality_code="412066", target_id=str(i))
    second = console_client.get("/console/audit/", {"action": "backup.run", "page": "2"}, HTTP_HX_REQUEST="true")
    assert len(_seqs(second)) == 5 and "<html" not in second.content.decode()
    first = console_client.get("/console/audit/", {"action": "backup.run"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="?action=backup.run&amp;page=2" hx-target="#audit-results"' in first


def test_detail_keys_and_coded_values_are_shown_in_japanese(console_client, entries, pref_admin):
    platform_audit_record(actor=pref_admin, action="municipality.applications", municipality_code="412066",
                          detail={"from": ["residents"], "to": ["residents", "reference"], "sso": True})
    body = console_client.get("/console/audit/", {"town": "412066"}).content.decode()
    cells = re.findall(r"<td><small>(.*?)</small></td>", body, re.S)
    assert "理由: その団体の職員ではない" in cells
    from kyodo import registry

    labels = {a.code: a.label for a in registry.applications()}
    changed = next(c for c in cells if "変更前" in c)  # (jsonb keeps its own key order)
    for pair in (f"変更前: {labels['residents']}", f"変更後: {labels['residents']}、{labels['reference']}",
                 "シングルサインオン: はい"):
        assert pair in changed, pair
    assert "方式: ひな形スキーマの複製" in cells[-1] or "方式: マイグレーションの実行" in cells[-1]  # the onboarding
    assert not any(word in " ".join(cells) for word in ("reason:", "not_member", "from:", "residents"))


def test_every_detail_key_the_platform_records_has_a_label():
    """Finds each ``detail={"key": …}`` written through platform_audit_record in the platform's source."""
    import pathlib

    from kyodo.audit.labels import DETAIL_KEYS

    root = pathlib.Path(__file__).resolve().parents[2] / "platform" / "kyodo"
    keys = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "platform_audit_record" not in text and "detail = {" not in text:
            continue
        for block in re.findall(r"detail\s*=\s*\{(.*?)\}", text, re.S):
            keys |= set(re.findall(r'"([a-z_]+)":', block))
        keys |= set(re.findall(r'detail\["([a-z_]+)"\]', text))
    assert keys and keys - set(DETAIL_KEYS) == set()
