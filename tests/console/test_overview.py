"""団体一覧 of the console: each town's figures (from the cached statistics), backups, event lag and
failures, the consortium totals, and a number of queries that does not grow with the towns."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from kyodo.backups.models import BackupRun, DrillRun
from kyodo.tenancy.models import MunicipalityStatistics, TaskFailure
from kyodo.tenancy.tasks import municipality_statistics_refresh

pytestmark = pytest.mark.django_db
SYSTEM = {"kind": "system", "name": "test"}
_codes = iter(range(12345678901, 12345679901))


def _person(**overrides):
    data = {"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
            "birth_date": "昭和55年4月1日", "sex": "1", "relationship": "世帯主", "honseki": "佐賀県武雄市武雄町1番地",
            "hittousha": "山田太郎", "resident_code": str(next(_codes))}
    data.update(overrides)
    return data


def _move_in(town, clerk, persons, address="佐賀県武雄市武雄町大字武雄1234番地"):
    from tenants.residents import services

    with tenant_context(town):
        return services.change_submit(
            actor=clerk, town=town, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
            data={"household_mode": "new", "address": address, "district": "武雄", "postal_code": "843-0022",
                  "previous_address": "福岡県福岡市中央区天神1丁目1番1号", "previous_town": "福岡市中央区",
                  "moveout_certificate_no": "F-0001", "moveout_planned_on": "2024-03-31", "persons": persons})


def _approve(town, approver, change):
    from tenants.residents import services

    with tenant_context(town):
        services.change_approve(actor=approver, town=town, change=change)


def _row(body: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}">(.*?)</tr>', body, re.S)
    assert match, f"no row for {code}"
    return match.group(1)


def _figure(html: str, label: str) -> str:
    match = re.search(rf'<td class="figure" data-label="{label}">([^<]*)</td>', html)
    assert match, f"no figure {label}"
    return match.group(1)


@pytest.fixture
def known_towns(town_a, town_b, clerk_a, clerk_b, approver_a):
    """Town A: one approved household of 3. Town B: one approved household of 1 and one pending 転入
    of 2; a failed backup, a drill and a failed task in B."""
    from django.contrib.auth import get_user_model

    approver_b = get_user_model().objects.get(username="approver-b")
    change = _move_in(town_a, clerk_a, [
        _person(), _person(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻", birth_date="1982-07-07"),
        _person(given_name="一郎", given_name_kana="イチロウ", relationship="子", birth_date="平成22年1月15日")])
    _approve(town_a, approver_a, change)
    change = _move_in(town_b, clerk_b, [_person(family_name="鹿島", hittousha="鹿島太郎")],
                      address="佐賀県鹿島市大字高津原1番地")
    _approve(town_b, approver_b, change)
    _move_in(town_b, clerk_b, [_person(family_name="中島", hittousha="中島太郎"),
                               _person(family_name="中島", given_name="次郎", given_name_kana="ジロウ", relationship="子",
                                       birth_date="平成12年1月1日", hittousha="中島太郎")],
             address="佐賀県鹿島市大字高津原2番地")
    now = timezone.now()
    BackupRun.objects.create(backup_id="b-ok", municipality=town_b, town_code=town_b.code, schema_name=town_b.schema_name,
                             status="succeeded", started_at=now - dt.timedelta(hours=5))
    BackupRun.objects.create(backup_id="b-failed", municipality=town_b, town_code=town_b.code,
                             schema_name=town_b.schema_name, status="failed", error="S3 unreachable",
                             started_at=now - dt.timedelta(hours=1))
    DrillRun.objects.create(municipality=town_b, town_code=town_b.code, backup_id="b-ok", ok=True,
                            started_at=now - dt.timedelta(hours=4))
    from celery.signals import task_failure

    task_failure.send(sender=municipality_statistics_refresh, task_id="t-1", exception=RuntimeError("boom"),
                      kwargs={"schema_name": town_b.schema_name})
    for town in (town_a, town_b):
        municipality_statistics_refresh(schema_name=town.schema_name, principal=SYSTEM)
    return town_a, town_b


def test_each_town_shows_its_known_counts_and_the_totals(console_client, known_towns):
    body = console_client.get("/console/").content.decode()
    a, b = _row(body, "412066"), _row(body, "412074")
    assert (_figure(a, "住民数"), _figure(a, "世帯数"), _figure(a, "審査待ち異動")) == ("3", "1", "0")
    assert (_figure(b, "住民数"), _figure(b, "世帯数"), _figure(b, "審査待ち異動")) == ("1", "1", "1")
    totals = re.search(r'<tr id="totals">(.*?)</tr>', body, re.S).group(1)
    assert "共同利用 合計（2 団体）" in totals
    assert (_figure(totals, "住民数"), _figure(totals, "世帯数"), _figure(totals, "審査待ち異動")) == ("4", "2", "1")


def test_backups_drills_failures_and_lag_per_town(console_client, known_towns):
    body = console_client.get("/console/").content.decode()
    a, b = _row(body, "412066"), _row(body, "412074")
    assert "失敗" in re.search(r'class="last-backup">(.*?)</td>', b).group(1)
    assert "成功" in re.search(r'class="last-drill">(.*?)</td>', b).group(1)
    assert re.search(r'class="last-backup">(.*?)</td>', a).group(1) == "なし"
    failures_b = re.search(r'class="failures">(.*?)</td>', b, re.S).group(1)
    assert "バックアップ失敗 1" in failures_b and "処理失敗 1" in failures_b
    assert re.search(r'class="failures">(.*?)</td>', a, re.S).group(1).strip() == "なし"
    assert re.search(r'class="event-lag">(.*?)</td>', a).group(1) == "なし"  # nothing undelivered
    assert TaskFailure.objects.get().town_code == "412074"
    assert "障害 2 件" in body


def test_statistics_age_is_shown_and_old_figures_are_flagged(console_client, known_towns):
    town_a, _ = known_towns
    MunicipalityStatistics.objects.filter(municipality=town_a).update(
        refreshed_at=timezone.now() - dt.timedelta(hours=2))
    body = console_client.get("/console/").content.decode()
    assert "古い集計" in _row(body, "412066") and "古い集計" not in _row(body, "412074")
    assert "2時間" in _row(body, "412066")
    assert 'id="statistics-age"' in body


def test_the_overview_takes_the_same_number_of_queries_for_more_towns(console_client, known_towns):
    from kyodo.tenancy import services

    with CaptureQueriesContext(connection) as two:
        assert console_client.get("/console/").status_code == 200
    town = services.municipality_provision(actor=None, code="412091", name="嬉野市", name_kana="ウレシノシ",
                                           hosts=["ureshino.test"], applications=["residents"])
    municipality_statistics_refresh(schema_name=town.schema_name, principal=SYSTEM)
    with CaptureQueriesContext(connection) as three:
        body = console_client.get("/console/").content.decode()
    assert 'data-code="412091"' in body
    assert len(three.captured_queries) == len(two.captured_queries)
    # and not one of them reads a town's schema
    assert not [q["sql"] for q in three.captured_queries if re.search(r"town_[0-9]{6}", q["sql"])]
