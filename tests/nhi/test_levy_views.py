"""賦課の画面: a household's levy step by step and 「再計算」, 一括再計算 through the task with the principal,
rate tables proposed and approved by two people, the income import; bad input is a 400; town B's staff reach
nothing of town A's levy."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenants.nhi.models import Assessment, IncomeRecord, RateTable
from tests.conftest import logged_in_client
from tests.nhi.conftest import mitaka_toml_for
from tests.nhi.test_levy_assessment import HEADER, enrol, import_incomes

pytestmark = pytest.mark.django_db

@pytest.fixture
def clerk(clerk_a):
    return logged_in_client(clerk_a, "takeo.test")


@pytest.fixture
def approver(approver_a):
    return logged_in_client(approver_a, "takeo.test")


@pytest.fixture
def insured_family(nhi_a, clerk_a, mitaka_table, mitaka_family):
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    import_incomes(nhi_a, clerk_a, mitaka_family)
    return mitaka_family


def test_household_page_recalculates_and_shows_each_step(insured_family, clerk):
    url = f"/nhi/levy/households/{insured_family['household_id']}/?year=2025"
    assert "この年度の賦課はまだ計算されていません。" in clerk.get(url).content.decode()
    response = clerk.post(f"/nhi/levy/households/{insured_family['household_id']}/recalculate/", {"year": "2025"})
    assert response.status_code == 302
    body = clerk.get(url).content.decode()
    assert "年税額 489,400円" in body and "医療分 所得割 3,130,000円 × 6.1% = 190,930円" in body
    assert "3,560,000円" in body and "再計算" in body


def test_bulk_is_for_approvers_and_runs_as_a_task_with_the_principal(nhi_a, insured_family, clerk, approver,
                                                                     monkeypatch):
    from tenants.nhi import tasks

    sent = []
    monkeypatch.setattr(tasks.assessments_recalculate, "delay", lambda **kw: sent.append(kw))
    assert clerk.post("/nhi/levy/bulk/", {"year": "2025"}).status_code == 403
    assert approver.post("/nhi/levy/bulk/", {"year": "2025"}).status_code == 302
    (kwargs,) = sent
    assert kwargs["principal"]["username"] == "approver-a" and kwargs["fiscal_year"] == 2025
    assert tasks.assessments_recalculate.run(**kwargs) == 1  # what the worker does with it
    assert Assessment.objects.get(is_current=True).calculated_by == "approver-a"


def test_tables_proposed_by_one_and_approved_by_another(nhi_a, clerk, approver):
    assert clerk.post("/nhi/levy/tables/", {"fiscal_year": "2025", "text": mitaka_toml_for(nhi_a),
                                            "note": "令和7年度"}).status_code == 302
    row = RateTable.objects.get()
    assert clerk.post(f"/nhi/levy/tables/{row.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert "承認する" in approver.get("/nhi/levy/tables/").content.decode()
    assert approver.post(f"/nhi/levy/tables/{row.pk}/decide/", {"decision": "approve"}).status_code == 302
    row.refresh_from_db()
    assert row.is_current and row.decided_by_username == "approver-a"


def test_self_approval_on_the_page_is_a_400(nhi_a, approver):
    approver.post("/nhi/levy/tables/", {"fiscal_year": "2025", "text": mitaka_toml_for(nhi_a)})
    row = RateTable.objects.get()
    response = approver.post(f"/nhi/levy/tables/{row.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 400 and "自分が提案した税率表は決裁できません" in response.content.decode()


def test_bad_input_is_a_400_naming_the_field(nhi_a, insured_family, clerk):
    bad_toml = clerk.post("/nhi/levy/tables/", {"fiscal_year": "2025", "text": "[table\n"})
    assert bad_toml.status_code == 400 and "TOML として読めません" in bad_toml.content.decode()
    bad_rate = clerk.post("/nhi/levy/tables/", {"fiscal_year": "2025", "text": mitaka_toml_for(nhi_a).replace(
        'income_rate = "6.1%"', 'income_rate = "x"', 1)})
    assert bad_rate.status_code == 400 and "parts.medical.income_rate" in bad_rate.content.decode()
    hh = insured_family["household_id"]
    assert clerk.get(f"/nhi/levy/households/{hh}/?year=２０２５").status_code == 400
    assert clerk.get(f"/nhi/levy/households/{hh}/?year=1800").status_code == 400
    assert clerk.get("/nhi/levy/households/1²/").status_code == 400
    assert clerk.post(f"/nhi/levy/households/{hh}/recalculate/", {"year": "2024"}).status_code == 400  # no table
    assert clerk.get("/nhi/levy/households/999999/?year=2025").status_code == 404
    assert clerk.post("/nhi/levy/tables/999999/decide/", {"decision": "approve"}).status_code == 403  # clerk
    assert clerk.post("/nhi/levy/tables/abc/decide/").status_code in (400, 403)


def test_income_upload_with_errors_is_a_400_and_loads_nothing(nhi_a, mitaka_family, clerk):
    atena = mitaka_family["太郎"].person.atena_number
    raw = (HEADER + f"{atena},2024,100,0,0,0,0\n1,2024,0,0,0,0,0\n").encode("cp932")
    response = clerk.post("/nhi/levy/incomes/", {"file": SimpleUploadedFile("in.csv", raw)})
    body = response.content.decode()
    assert response.status_code == 400 and "住民記録にない宛名番号です。" in body and "unknown_person" in body
    assert IncomeRecord.objects.count() == 0
    ok = clerk.post("/nhi/levy/incomes/", {"file": SimpleUploadedFile("in.csv", raw), "load_valid": "on"})
    assert ok.status_code == 200 and IncomeRecord.objects.count() == 1


def test_town_b_reaches_nothing_of_town_a(nhi_a, insured_family, clerk_b, clerk):
    from tenants.nhi import levy_services  # noqa: F401

    clerk.post(f"/nhi/levy/households/{insured_family['household_id']}/recalculate/", {"year": "2025"})
    other = logged_in_client(clerk_b, "takeo.test")
    assert other.get(f"/nhi/levy/households/{insured_family['household_id']}/?year=2025").status_code == 403
    assert other.get("/nhi/levy/tables/").status_code == 403
    assert other.post("/nhi/levy/bulk/", {"year": "2025"}).status_code == 403
    own = logged_in_client(clerk_b, "kashima.test")  # town B has not enabled 国保
    assert own.get("/nhi/levy/").status_code in (403, 404)
