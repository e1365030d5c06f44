"""Fixtures for the residents registry: work inside town A's schema and build households through
the real services (仮登録 by a clerk, 決裁 by an approver)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD, logged_in_client


@pytest.fixture
def in_a(town_a):
    from django_tenants.utils import tenant_context

    with tenant_context(town_a):
        yield town_a


def person_data(**overrides):
    data = {
        "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
        "birth_date": "昭和55年4月1日", "sex": "1", "relationship": "世帯主", "honseki": "佐賀県武雄市武雄町1番地",
        "hittousha": "山田太郎", "resident_code": "12345678901",
    }
    data.update(overrides)
    return data


def move_in_data(persons=None, **overrides):
    data = {
        "household_mode": "new", "address": "佐賀県武雄市武雄町大字武雄1234番地", "katagaki": "コーポ武雄101",
        "district": "武雄", "postal_code": "843-0022", "previous_address": "福岡県福岡市中央区天神1丁目1番1号",
        "previous_town": "福岡市中央区", "moveout_certificate_no": "F-0001", "moveout_planned_on": "2024-03-31",
        "persons": persons or [person_data()],
    }
    data.update(overrides)
    return data


@pytest.fixture
def approve():
    """``approve(change)``: town A's approver decides a change (a different member of staff)."""
    from django.contrib.auth import get_user_model

    from tenants.residents import services

    def _approve(change, town=None, alert_purpose=""):
        from kyodo.tenancy.models import Municipality

        town = town or Municipality.objects.get(code="412066")
        return services.change_approve(actor=get_user_model().objects.get(username="approver-a"), town=town,
                                       change=change, alert_purpose=alert_purpose)

    return _approve


@pytest.fixture
def household(in_a, clerk_a, approve):
    """An approved 転入 of a couple and their child into a new household in town A."""
    from tenants.residents import services
    from tenants.residents.models import PersonVersion

    change = services.change_submit(
        actor=clerk_a, town=in_a, kind="move_in", notified_on="2024-04-05", effective_on="2024-04-01",
        data=move_in_data([
            person_data(my_number="123456789018"),
            person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻",
                        birth_date="1982-07-07", resident_code="12345678902"),
            person_data(given_name="一郎", given_name_kana="イチロウ", relationship="子",
                        birth_date="平成22年1月15日", resident_code="12345678903"),
        ]),
    )
    approve(change)
    change.refresh_from_db()
    versions = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}
    return {"change": change, "household": change.household, "taro": versions["太郎"],
            "hanako": versions["花子"], "ichiro": versions["一郎"]}


@pytest.fixture
def chief_a(town_a):
    from django.contrib.auth import get_user_model

    from kyodo.identity.models import StaffMembership

    user = get_user_model().objects.create_user(username="chief-a", password=PASSWORD)
    StaffMembership.objects.create(user=user, municipality=town_a, role="section_chief")
    return user


@pytest.fixture
def approver_client(approver_a):
    return logged_in_client(approver_a, "takeo.test")


@pytest.fixture
def client_b(clerk_b):
    return logged_in_client(clerk_b, "kashima.test")


TODAY = dt.date.today
