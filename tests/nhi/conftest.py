"""Fixtures for 国保: town A with 国保 enabled (inside the test's transaction), households made through the
residents registry's real services, and the relay run in process."""

from __future__ import annotations

import pytest

from tenants.nhi.levy.tables import DATA_DIR
from tests.residents.conftest import approve, in_a, move_in_data, person_data  # noqa: F401  (fixtures)


@pytest.fixture
def nhi_a(town_a):
    from django_tenants.utils import tenant_context

    # An update through the queryset: django-tenants refuses Model.save() of a tenant from inside another
    # town's schema, where an earlier test may have left the connection.
    type(town_a).objects.filter(pk=town_a.pk).update(enabled_applications=[*town_a.enabled_applications, "nhi"])
    town_a.refresh_from_db()
    with tenant_context(town_a):
        yield town_a


@pytest.fixture
def relay():
    """``relay(town)``: deliver the town's pending events to its consumers now, as the worker would."""
    from kyodo.tenantlog.relay import relay_town

    return relay_town


@pytest.fixture
def move_in(nhi_a, clerk_a, approve):  # noqa: F811
    """``move_in(persons, effective_on)``: an approved 転入; returns the change."""
    from tenants.residents import services

    def _move_in(persons=None, effective_on="2024-04-01", notified_on=None, **overrides):
        import datetime as dt

        notified_on = notified_on or (dt.date.fromisoformat(effective_on) + dt.timedelta(days=4)).isoformat()
        change = services.change_submit(actor=clerk_a, town=nhi_a, kind="move_in", notified_on=notified_on,
                                        effective_on=effective_on, data=move_in_data(persons, **overrides))
        approve(change, town=nhi_a)
        change.refresh_from_db()
        return change

    return _move_in


@pytest.fixture
def family(move_in):
    """A couple and their child moved in on 2024-04-01 (not yet relayed)."""
    from tenants.residents.models import PersonVersion

    change = move_in([
        person_data(),
        person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻",
                    birth_date="1982-07-07", resident_code="12345678902"),
        person_data(given_name="一郎", given_name_kana="イチロウ", relationship="子",
                    birth_date="平成22年1月15日", resident_code="12345678903"),
    ])
    versions = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}
    return {"change": change, "household_id": change.household_id, **{k: versions[n].person_id for k, n in
                                                                        (("taro", "太郎"), ("hanako", "花子"),
                                                                         ("ichiro", "一郎"))}}


# --- 賦課 ---------------------------------------------------------------------------------------------

def mitaka_toml_for(town) -> str:
    """三鷹市 令和7年度 (tests/nhi/test_levy_known_answers.py) as this town's own table."""
    text = (DATA_DIR / "132047-2025.toml").read_text(encoding="utf-8")
    return text.replace('town_code = "132047"', f'town_code = "{town.code}"')


@pytest.fixture
def mitaka_table(nhi_a, clerk_a, approver_a):
    """The 三鷹市 table as town A's 2025 table, proposed by the clerk and approved by the approver."""
    from tenants.nhi import levy_services

    row = levy_services.ratetable_propose(actor=clerk_a, town=nhi_a, fiscal_year="2025", text=mitaka_toml_for(nhi_a))
    return levy_services.ratetable_decide(actor=approver_a, town=nhi_a, table_id=row.pk, approve=True)


def mitaka_persons() -> list[dict]:
    """三鷹市's worked-example household as 転入 data: husband (1983), wife (1987), children (2013, 2016)."""
    return [
        person_data(birth_date="1983-01-15"),
        person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻", birth_date="1987-06-01",
                    resident_code="12345678902"),
        person_data(given_name="一郎", given_name_kana="イチロウ", relationship="子", birth_date="2013-06-01",
                    resident_code="12345678903"),
        person_data(given_name="二郎", given_name_kana="ジロウ", relationship="子", birth_date="2016-06-01",
                    resident_code="12345678904"),
    ]


@pytest.fixture
def mitaka_family(move_in):
    """三鷹市's worked example: husband 42 (給与収入 500万, 総所得 356万), wife, two children; moved in 2024-04-01."""
    change = move_in(mitaka_persons())
    from tenants.residents.models import PersonVersion

    versions = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}
    return {"household_id": change.household_id, **{n: versions[n] for n in versions}}
