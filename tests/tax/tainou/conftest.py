"""Fixtures of the 滞納管理 link: town A's 調定 (a resident's 個人住民税 and a corporation's 法人住民税) and the
API fixtures (development IdP tokens, vendor contracts) of tests/api."""

from __future__ import annotations

from datetime import date

import pytest

from tests.api.conftest import contract, vendor_api  # noqa: F401  (fixtures)
from tests.identity.conftest import idp, oidc_settings  # noqa: F401  (fixtures)
from tests.residents.conftest import approve, chief_a, household  # noqa: F401  (fixtures)
from tests.tax.hojin.conftest import corporation_data, final_return


@pytest.fixture
def ledger(tax_a, tax_clerk_a, household):  # noqa: F811
    """Town A's current 調定: 山田 太郎's 個人住民税 第1期 (50,000円) and 株式会社武雄製作所's 確定申告 (404,000円)."""
    from tenants.tax.hojin import services as hojin
    from tenants.tax.models import Charge

    taro = household["taro"]
    person = Charge.objects.create(
        tax="juminzei", fiscal_year=2025, subject_kind="person", person_id=taro.person_id,
        atena_number=taro.person.atena_number, name="山田 太郎", notice_no="J2025-000001", instalment=1,
        collection="ordinary", amount=50_000, due_on=date(2025, 6, 30), issued_by="tax-clerk-a")
    corporation = hojin.corporation_register(actor=tax_clerk_a, town=tax_a, data=corporation_data())
    hojin.return_file(actor=tax_clerk_a, town=tax_a, corporation=corporation, data=final_return())
    corporate = Charge.objects.get(corporate_number=corporation.corporate_number)
    return {"person": person, "corporate": corporate, "taro": taro, "household": household,
            "corporation": corporation}


@pytest.fixture
def tax_vendor(contract, ledger):  # noqa: F811
    """vendor-acme contracted for town A's residents and tax datasets."""
    return contract(towns=("412066",), datasets=("residents", "tax", "tax:write"))
