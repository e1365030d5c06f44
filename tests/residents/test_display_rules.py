"""The Japanese display rules on the rendered residents pages of a populated town: no raw code (異動事由
「A01」, audit actions like person.read, channels like search), no ISO date, no name given-name first
(residents or staff), no internal person id (persons are shown by 宛名番号 and 氏名), 西暦 only for a
外国人住民's 生年月日."""

from __future__ import annotations

import html
import re

import pytest

from kyodo.core import display
from tenants.residents.display import CHANNELS
from tests.conftest import logged_in_client

from .conftest import move_in_data, person_data

pytestmark = pytest.mark.django_db

CHANGE_CODE = re.compile(r"(?<![A-Za-z0-9])[A-C][0-9]{2}(?![0-9])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DOTTED_ACTION = re.compile(r"\b[a-z_]{2,}\.[a-z_]{2,}\b")
ENGLISH_CODE = re.compile(r"\b(search|inquiry|change|certificate|export|blocked|alerted|refused|approve|reject|"
                          r"pending|approved|ok|failed|resident|foreign|aggressor)\b")
STAFF = {"clerk-a": ("山口", "さくら"), "approver-a": ("中島", "健一"), "chief-a": ("古賀", "誠")}


def visible_text(page: str) -> str:
    """What a reader sees: no <style>/<script>, no tags or attributes (cells kept apart by 「|」)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "|", page))


@pytest.fixture
def named_staff(clerk_a, approver_a, chief_a):
    for user in (clerk_a, approver_a, chief_a):
        user.last_name, user.first_name = STAFF[user.username]
        user.save(update_fields=["last_name", "first_name"])
    display.reset()
    yield
    display.reset()


# Internal person ids start here in this test's town, so that one shown to staff stands out from
# 宛名番号, counts, 受付番号 and dates.
FIRST_PERSON_ID = 7_300_001


@pytest.fixture
def demo_town(in_a):
    """Synthetic residents (the demo's loader fills only an empty town: before ``household``)."""
    from django.db import connection

    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import Person

    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                       [Person._meta.db_table, FIRST_PERSON_ID])

    assert residents_demo_populate(town=in_a, scale=0.002, seed=7) > 0


@pytest.fixture
def populated(demo_town, in_a, household, named_staff, clerk_a, approver_a, chief_a):
    """Town A with residents, a pending change, a 支援措置, 抑止の記録 on every channel, an issued
    certificate and a 閲覧申出."""
    from tenants.residents import protection, services
    from tenants.residents.certificates.issue import certificate_issue
    from tenants.residents.models import AttemptKind, PersonVersion
    from tenants.residents.services import inspection

    protected = (PersonVersion.objects.filter(is_current=True, nationality="")
                 .exclude(household=household["household"]).order_by("person__atena_number").first())
    services.support_measure_create(actor=chief_a, town=in_a, person_id=protected.person_id,
                                    starts_on="2024-05-01", aggressors=[{"name": "加害 太郎"}])
    pending = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-06-03", effective_on="2024-06-01",
        data=move_in_data([person_data(family_name="佐藤", given_name="次郎", family_name_kana="サトウ",
                                       given_name_kana="ジロウ", hittousha="佐藤次郎", resident_code="22345678901",
                                       birth_date="1975-11-23")], address="佐賀県武雄市朝日町甘久100番地",
                          katagaki=""))
    services.lift_request(actor=clerk_a, town=in_a, person_id=protected.person_id, purpose="本人からの請求")
    for channel in CHANNELS:
        protection.record_attempt(town=in_a, actor=clerk_a, person_ids=[protected.person_id], channel=channel,
                                  purpose="表示の確認", kind=AttemptKind.REFUSED)
    certificate_issue(actor=clerk_a, town=in_a, kind="copy", person_ids=[household["taro"].person_id],
                      requester_name="山田太郎", requester_relation="本人", purpose="就職")
    from .test_inspection import GOVERNMENT

    inspection.inspection_request_create(actor=clerk_a, town=in_a, **GOVERNMENT, address_prefix="武雄町")
    foreigner = PersonVersion.objects.filter(is_current=True).exclude(nationality="").first()
    return {**household, "pending": pending, "foreigner": foreigner}


def _pages(populated) -> list[str]:
    ids = populated
    return [
        "/", "/residents/", "/residents/?q=ヤマダ", "/residents/?q=サトウ&partial=1",
        f"/residents/persons/{ids['taro'].person_id}/", f"/residents/persons/{ids['hanako'].person_id}/",
        f"/residents/persons/{ids['taro'].person_id}/?as_of=2024-05-01",
        f"/residents/households/{ids['household'].pk}/", "/residents/changes/",
        f"/residents/changes/{ids['change'].pk}/", f"/residents/changes/{ids['pending'].pk}/",
        "/residents/audit/", "/residents/alerts/", "/residents/certificates/", "/residents/certificates/overflow/",
        "/residents/measures/", "/residents/inspections/", "/residents/export/",
        f"/residents/persons/{ids['taro'].person_id}/certificate/",
    ] + ([f"/residents/persons/{ids['foreigner'].person_id}/"] if ids["foreigner"] else [])


def test_no_raw_code_iso_date_or_given_name_first_on_any_page(populated, chief_a):
    from tenants.residents.models import PersonVersion

    given_first = set()
    for v in PersonVersion.objects.filter(is_current=True):
        given_first |= {f"{v.given_name} {v.family_name}", f"{v.given_name}\u3000{v.family_name}"}
    given_first |= {f"{given} {family}" for family, given in STAFF.values()}
    from tenants.residents.models import Person

    person_ids = set(map(str, Person.objects.values_list("pk", flat=True)))
    assert min(map(int, person_ids)) >= FIRST_PERSON_ID
    client = logged_in_client(chief_a, "takeo.test")
    problems = []
    for url in _pages(populated):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        for rule, pattern in (("異動事由コード", CHANGE_CODE), ("ISO の日付", ISO_DATE),
                              ("操作コード", DOTTED_ACTION), ("英語のコード", ENGLISH_CODE)):
            problems += [(url, rule, m) for m in pattern.findall(text)]
        problems += [(url, "名 氏の順", n) for n in given_first if n in text]
        problems += [(url, "ユーザー名", u) for u in STAFF if u in text]
        problems += [(url, "内部の個人番号", n) for n in re.findall(r"(?<![0-9])[0-9]{7}(?![0-9])", text)
                     if n in person_ids]
    assert not problems, "\n".join(map(str, problems))


def test_the_pages_show_labels_wareki_and_family_first_names(populated, chief_a):
    client = logged_in_client(chief_a, "takeo.test")

    def page(url):
        return visible_text(client.get(url).content.decode())

    page(f"/residents/persons/{populated['taro'].person_id}/")  # a 住民照会 for the audit log below
    header = page("/residents/")
    assert "古賀 誠" in header                                   # the header: 氏 名 of the user
    change = page(f"/residents/changes/{populated['change'].pk}/")
    assert "|転入|" in change                                     # 異動事由 A01 by its label
    assert "山口 さくら" in change and "中島 健一" in change          # entered and decided by
    assert "昭和55年4月1日" in change and "昭和57年7月7日" in change    # payload dates (ISO) in 和暦
    assert re.search(r"令和\d+年\d+月\d+日 \d\d:\d\d", change)        # 入力日時: 和暦 and 時刻
    audit = page("/residents/audit/")
    for label in ("住民照会", "異動の決裁（本登録）", "証明書の交付", "検索（抑止により拒否）", "成功"):
        assert label in audit, label
    alerts = page("/residents/alerts/")
    for channel in ("検索", "照会", "異動", "証明", "出力"):
        assert f"|{channel}|" in alerts, channel
    search = page("/residents/?q=ヤマダ")
    assert "山田 太郎" in search and "ヤマダ タロウ" in search and "|3件|" in search
    assert re.search(r"\|令和\d+年\d+月\d+日 \d\d:\d\d\|", page("/residents/certificates/"))  # 交付年月日時


def test_a_foreign_residents_birth_date_is_in_seireki(populated, chief_a):
    foreigner = populated["foreigner"]
    if foreigner is None:
        pytest.skip("the demo population at this scale has no 外国人住民")
    client = logged_in_client(chief_a, "takeo.test")
    text = visible_text(client.get(f"/residents/persons/{foreigner.person_id}/").content.decode())
    assert f"|生年月日||{display.seireki(foreigner.birth_date)}|" in text
    assert f"|生年月日||{display.wareki(foreigner.birth_date)}|" not in text
