"""The Japanese display rules, one helper each (kyodo.core.display) and their template filters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import engines

from kyodo.core import display
from kyodo.registry import REPO_ROOT


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_names_family_first_and_kana_likewise():
    person = {"family_name": "佐賀", "given_name": "花子", "family_name_kana": "サガ", "given_name_kana": "ハナコ"}
    assert display.person_name(person) == "佐賀 花子"
    assert display.person_name_kana(person) == "サガ ハナコ"
    assert render("{{ p|full_name }}（{{ p|full_name_kana }}）", p=person) == "佐賀 花子（サガ ハナコ）"
    assert display.person_name({"family_name": "ＮＧＵＹＥＮ", "given_name": ""}) == "ＮＧＵＹＥＮ"
    assert display.person_name(None) == ""


@pytest.mark.django_db
def test_staff_by_family_then_given_name_else_user_name():
    from django.contrib.auth import get_user_model

    display.reset()
    user = get_user_model().objects.create_user(username="takeo-x", first_name="さくら", last_name="山口")
    bare = get_user_model().objects.create_user(username="takeo-y")
    try:
        assert display.staff_name(user) == "山口 さくら"
        assert render("{{ u|staff_name }}", u=user) == "山口 さくら"
        assert display.staff_name("takeo-x") == "山口 さくら"      # records keep the user name
        assert display.staff_name(bare) == display.staff_name("takeo-y") == "takeo-y"
        assert display.staff_name("demo").startswith("システム")
        assert display.staff_name("") == ""
    finally:
        display.reset()


def test_wareki_dates_from_dates_datetimes_and_iso_text():
    assert display.wareki(dt.date(1980, 5, 5)) == "昭和55年5月5日"
    assert display.wareki("1980-05-05") == "昭和55年5月5日"              # as JSON payloads hold dates
    assert display.wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"
    assert display.wareki(dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert display.wareki(dt.date(1989, 1, 7)) == "昭和64年1月7日"
    assert display.wareki("昭和10年月日不詳") == "昭和10年月日不詳"          # register wording stays
    assert display.wareki(None) == display.wareki("") == ""
    assert render("{{ d|wareki }}", d=dt.date(2024, 4, 1)) == "令和6年4月1日"


def test_wareki_datetime_in_local_time():
    from django.utils import timezone

    moment = dt.datetime(2024, 4, 30, 15, 5, tzinfo=dt.UTC)  # 00:05 on 5月1日 in Japan
    assert timezone.get_current_timezone_name() == "Asia/Tokyo"
    assert display.wareki_datetime(moment) == "令和6年5月1日 00:05"
    assert render("{{ t|wareki_datetime }}", t=moment) == "令和6年5月1日 00:05"
    assert display.seireki(dt.date(1990, 5, 1)) == "1990年5月1日"


def test_numbers_with_separators():
    assert display.number(1234567) == "1,234,567"
    assert display.count(12000) == "12,000件"
    assert display.yen("1500") == "1,500円"
    assert display.number("12.5") == "12.5"
    assert display.number("abc") == "abc"
    assert render("{{ n|count }}", n=0) == "0件"


def test_a_code_without_a_label_is_never_shown_bare():
    assert display.label("audit_action", "person.read") == "住民照会"
    assert display.label("audit_action", "no.such_action") == "（未登録のコード）no.such_action"
    assert display.label("channel", "search") == "検索"
    assert display.label("channel", "export") == "出力"
    assert display.label("audit_outcome", "ok") == "成功"
    assert render('{{ c|code_label:"channel" }}', c="inquiry") == "照会"


@pytest.mark.django_db
def test_change_reasons_and_relationships_from_the_towns_code_table(town_a, in_town):
    from tenants.reference.models import ReferenceCode

    with in_town(town_a):
        assert display.label("change_reason", "A01") == "転入"
        assert render("{{ c|change_reason_label }}", c="C08") == "誤記修正"
        assert display.label("relationship", "02") == "妻"
        assert display.eras()[-1][0] == "令和"
        rows = ReferenceCode.objects.filter(code_type="change_reason")
        assert rows and all(display.label("change_reason", r.code) == r.label for r in rows)


# Every audit action the code records, found in the source: a literal ``action="x.y"`` or one of the
# f-strings below with their parts. Each must have a label (a new action without one fails here).
_LITERAL = re.compile(r'action="([a-z_]+\.[a-z_]+)"')
_DYNAMIC = {
    'f"{channel}.{outcome}"': [f"{c}.{o}" for c in ("search", "inquiry", "change", "certificate", "export")
                               for o in ("blocked", "alerted", "refused")],
    'f"support_measure.{kind}_request"': ["support_measure.end_request"],
    'f"support_measure.{request.kind}_{decision.outcome}"': ["support_measure.end_approve",
                                                              "support_measure.end_reject"],
    'f"suppression_lift.{decision.outcome}"': ["suppression_lift.approve", "suppression_lift.reject"],
    'f"inspection.{decision.outcome}"': ["inspection.approve", "inspection.reject"],
}


def _recorded_actions() -> set[str]:
    found: set[str] = set()
    dynamic_seen: set[str] = set()
    for folder in ("platform", "tenants", "integrations"):
        for path in Path(REPO_ROOT, folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "/migrations/" in str(path):
                continue
            found |= set(_LITERAL.findall(text))
            for pattern, actions in _DYNAMIC.items():
                if f"action={pattern}" in text:
                    dynamic_seen.add(pattern)
                    found |= set(actions)
    assert dynamic_seen == set(_DYNAMIC), "an f-string audit action listed here is no longer in the code"
    return found


def test_every_audit_action_the_code_records_has_a_label():
    actions = _recorded_actions()
    assert {"person.read", "residents.export", "identity.login", "search.blocked"} <= actions
    missing = sorted(a for a in actions if display.lookup("audit_action", a) is None)
    assert not missing, missing


def test_every_channel_and_attempt_kind_has_a_label():
    from tenants.residents.models import AttemptKind

    for channel in ("search", "inquiry", "change", "certificate", "export"):
        assert display.lookup("channel", channel), channel
    for kind in AttemptKind:
        assert display.label("attempt_kind", kind.value) == kind.label
