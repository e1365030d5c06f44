"""賦課 from stored data: incomes imported from CSV, the town's rate table approved by a second person, the
household built from the registry, 資格履歴 and 納付義務者, stored as an Assessment (単票 and 一括)."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tenants.nhi import levy_services, services
from tenants.nhi.levy import Household, Person, levy, parse_table
from tenants.nhi.levy.tables import DATA_DIR
from tenants.nhi.models import Assessment, IncomeRecord, RateTable
from tests.nhi.conftest import mitaka_toml_for
from tests.residents.conftest import person_data

pytestmark = pytest.mark.django_db


MITAKA = "https://www.city.mitaka.lg.jp/c_service/020/020149.html"
HEADER = "宛名番号,年,総所得金額等,給与収入,公的年金収入,公的年金所得,固定資産税額\n"


def enrol(town, actor, family, names, on="2024-04-01", payer=True):
    for name in names:
        services.enrolment_acquire(actor=actor, town=town, person_id=family[name].person_id, acquired_on=on,
                                   reason="move_in")
    if payer:
        services.payer_set(actor=actor, town=town, household_id=family["household_id"],
                           person_id=family["太郎"].person_id, valid_from=on)


def import_incomes(town, actor, family, text=None):
    atena = {n: v.person.atena_number for n, v in family.items() if n != "household_id"}
    text = text or HEADER + f"{atena['太郎']},2024,3560000,5000000,0,0,0\n"
    return levy_services.incomes_import(actor=actor, town=town, raw=text.encode("utf-8-sig"), file="income.csv")


def test_stored_levy_equals_the_engines_known_answer(nhi_a, clerk_a, mitaka_table, mitaka_family):
    """三鷹市 令和7年度 489,400円 (Source: MITAKA), from rows in the database instead of a hand-built household."""
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    assert import_incomes(nhi_a, clerk_a, mitaka_family).loaded == 1

    assessment = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                    household_id=mitaka_family["household_id"], fiscal_year=2025)

    assert assessment.total == 489_400
    assert [p["amount"] for p in assessment.parts] == [306_900, 119_100, 63_400]
    assert "医療分 所得割 3,130,000円 × 6.1% = 190,930円" in assessment.explanation
    assert assessment.explanation[-1] == "年税額 306,900円 + 119,100円 + 63,400円 = 489,400円"
    assert not assessment.nominal_head and assessment.rate_table == mitaka_table


def test_recalculation_adds_a_row_and_the_latest_is_current(nhi_a, clerk_a, mitaka_table, mitaka_family):
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    first = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a, household_id=mitaka_family["household_id"],
                                               fiscal_year=2025)
    assert any("所得の記録がない方" in n for n in first.notes)
    import_incomes(nhi_a, clerk_a, mitaka_family)
    second = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                household_id=mitaka_family["household_id"], fiscal_year=2025)
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert first.total < second.total == 489_400 and first.inputs_hash != second.inputs_hash


def test_months_come_from_the_enrolment_dates(nhi_a, clerk_a, mitaka_table, mitaka_family):
    """月割: the wife joins on 2025-09-10 (7 months), the younger child leaves on 2025-12-01 (8 months)."""
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "一郎"])
    enrol(nhi_a, clerk_a, mitaka_family, ["花子"], on="2025-09-10", payer=False)
    enrol(nhi_a, clerk_a, mitaka_family, ["二郎"], payer=False)
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=mitaka_family["二郎"].person_id,
                            lost_on="2025-12-01", reason="joined_employee_insurance")
    import_incomes(nhi_a, clerk_a, mitaka_family)

    stored = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                household_id=mitaka_family["household_id"], fiscal_year=2025)

    expected = levy(Household(
        head=Person("山田 太郎", dt.date(1983, 1, 15), total_income=3_560_000, salary_revenue=5_000_000),
        members=(Person("山田 花子", dt.date(1987, 6, 1), acquired_on=dt.date(2025, 9, 10)),
                 Person("山田 一郎", dt.date(2013, 6, 1)),
                 Person("山田 二郎", dt.date(2016, 6, 1), lost_on=dt.date(2025, 12, 1)))),
        parse_table(tomllib.loads(mitaka_toml_for(nhi_a))), fiscal_year=2025)
    assert stored.total == expected.total < 489_400
    assert stored.explanation == list(expected.explanation)


def test_a_head_outside_nhi_is_the_deemed_head(nhi_a, clerk_a, mitaka_table, mitaka_family):
    """擬制世帯主: the husband keeps 社保; he owes the tax for the insured wife and children but is not levied."""
    enrol(nhi_a, clerk_a, mitaka_family, ["花子", "一郎", "二郎"])  # payer_set makes him 擬制世帯主
    import_incomes(nhi_a, clerk_a, mitaka_family)

    stored = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                household_id=mitaka_family["household_id"], fiscal_year=2025)

    assert stored.nominal_head and stored.payer_person_id == mitaka_family["太郎"].person_id
    expected = levy(Household(
        head=Person("山田 太郎", dt.date(1983, 1, 15), insured=False, total_income=3_560_000,
                    salary_revenue=5_000_000),
        members=(Person("山田 花子", dt.date(1987, 6, 1)), Person("山田 一郎", dt.date(2013, 6, 1)),
                 Person("山田 二郎", dt.date(2016, 6, 1)))),
        parse_table(tomllib.loads(mitaka_toml_for(nhi_a))), fiscal_year=2025)
    assert stored.total == expected.total
    assert "医療分 均等割 29,000円 × 3人 = 87,000円" in stored.explanation


def test_bulk_recalculation_matches_the_single_one(nhi_a, clerk_a, approver_a, mitaka_table, mitaka_family):
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    import_incomes(nhi_a, clerk_a, mitaka_family)
    single = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                household_id=mitaka_family["household_id"], fiscal_year=2025)

    with pytest.raises(PermissionDenied):
        levy_services.assessments_recalculate(actor=clerk_a, town=nhi_a, fiscal_year=2025)
    done = levy_services.assessments_recalculate(actor=approver_a, town=nhi_a, fiscal_year=2025)

    assert done.households == 1
    bulk = Assessment.objects.get(household_id=mitaka_family["household_id"], fiscal_year=2025, is_current=True)
    assert bulk.run == "bulk" and bulk.pk != single.pk
    assert (bulk.total, bulk.explanation, bulk.inputs_hash) == (single.total, single.explanation, single.inputs_hash)
    # The bulk row goes in by binary COPY; read back, every column but the run's own equals the 単票 row.
    own = ("id", "run", "calculated_at", "calculated_by")
    compared = [f.attname for f in Assessment._meta.concrete_fields if f.attname not in own]
    assert {f: getattr(bulk, f) for f in compared} == {f: getattr(single, f) for f in compared} | {"is_current": True}
    assert (bulk.calculated_by, single.calculated_by) == ("approver-a", "clerk-a")
    assert any("所得の記録がない方" in n for n in bulk.notes)  # members without income: the note survives COPY
    assert bulk.parts == [{"key": "medical", "label": "医療分", "amount": 306_900},
                          {"key": "support", "label": "後期高齢者支援金分", "amount": 119_100},
                          {"key": "care", "label": "介護納付金分", "amount": 63_400}]


def test_a_second_bulk_run_retires_the_first_and_is_audited_once(nhi_a, clerk_a, approver_a, mitaka_table,
                                                                  mitaka_family):
    from kyodo.tenantlog.models import AuditEntry

    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    import_incomes(nhi_a, clerk_a, mitaka_family)
    before = AuditEntry.objects.filter(action="assessment.recalculate").count()
    first = levy_services.assessments_recalculate(actor=approver_a, town=nhi_a, fiscal_year=2025)
    second = levy_services.assessments_recalculate(actor=approver_a, town=nhi_a, fiscal_year=2025)

    rows = Assessment.objects.filter(household_id=mitaka_family["household_id"], fiscal_year=2025)
    assert (first.households, second.households, rows.count()) == (1, 1, 2)
    assert list(rows.order_by("pk").values_list("is_current", flat=True)) == [False, True]
    assert AuditEntry.objects.filter(action="assessment.recalculate").count() == before + 2
    assert set(second.seconds) == {"read", "compute", "write"}


def test_no_approved_table_is_refused(nhi_a, clerk_a, mitaka_family):
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎"])
    with pytest.raises(ValidationError) as exc:
        levy_services.assessment_calculate(actor=clerk_a, town=nhi_a, household_id=mitaka_family["household_id"],
                                           fiscal_year=2025)
    assert "2025年度の承認済みの税率表がありません。" in exc.value.message_dict["fiscal_year"]


# --- income CSV ----------------------------------------------------------------------------------------

def test_income_csv_errors_are_reported_by_row_and_nothing_is_loaded(nhi_a, clerk_a, mitaka_family):
    atena = mitaka_family["太郎"].person.atena_number
    text = (HEADER + f"{atena},2024,3560000,5000000,0,0,0\n"
            + "99999999,2024,100,0,0,0,0\n"
            + f"{atena},24,１００,0,0,0,0\n"
            + f"{mitaka_family['花子'].person.atena_number},2024,0,0,900000,100000,0\n"
            + f"{atena},2024,1,0,0,0,0\n")
    report = import_incomes(nhi_a, clerk_a, mitaka_family, text)

    assert report.loaded == 0 and IncomeRecord.objects.count() == 0
    got = {(i.line, i.item, i.rule) for i in report.issues}
    assert got == {(3, "宛名番号", "unknown_person"), (4, "年", "year"), (4, "総所得金額等", "amount"),
                   (5, "総所得金額等", "total_below_pension"), (6, "宛名番号", "duplicate")}
    first = next(i for i in report.issues if i.line == 3)
    assert (first.file, first.message_ja) == ("income.csv", "住民記録にない宛名番号です。") and first.message_en


def test_income_csv_in_cp932_and_loading_the_valid_part_explicitly(nhi_a, clerk_a, mitaka_family):
    atena = mitaka_family["太郎"].person.atena_number
    raw = (HEADER + f"{atena},2024,3560000,5000000,0,0,0\n" + "1,2024,0,0,0,0,0\n").encode("cp932")
    report = levy_services.incomes_import(actor=clerk_a, town=nhi_a, raw=raw, file="sjis.csv", load_valid=True)
    assert (report.loaded, [i.rule for i in report.issues]) == (1, ["unknown_person"])
    assert IncomeRecord.objects.get(income_year=2024).total_income == 3_560_000


def test_a_wrong_header_is_one_issue(nhi_a, clerk_a, mitaka_family):
    report = import_incomes(nhi_a, clerk_a, mitaka_family, "宛名番号,年\n1,2024\n")
    assert [(i.line, i.rule) for i in report.issues] == [(1, "header")]


# --- rate tables: four-eyes ------------------------------------------------------------------------------

def test_the_proposer_cannot_approve_their_own_table(nhi_a, clerk_a, approver_a):
    row = levy_services.ratetable_propose(actor=approver_a, town=nhi_a, fiscal_year=2025, text=mitaka_toml_for(nhi_a))
    with pytest.raises(ValidationError) as exc:
        levy_services.ratetable_decide(actor=approver_a, town=nhi_a, table_id=row.pk, approve=True)
    assert "自分が提案した税率表は決裁できません" in exc.value.message_dict["decided_by"][0]
    with pytest.raises(PermissionDenied):  # a counter clerk is not a second person for this
        levy_services.ratetable_decide(actor=clerk_a, town=nhi_a, table_id=row.pk, approve=True)
    row.refresh_from_db()
    assert (row.status, row.is_current) == ("pending", False)


def test_an_approved_change_replaces_the_years_table_and_is_audited(nhi_a, clerk_a, approver_a, mitaka_table):
    from kyodo.tenantlog.models import AuditEntry

    changed = mitaka_toml_for(nhi_a).replace('income_rate = "6.1%"', 'income_rate = "6.2%"', 1)
    row = levy_services.ratetable_propose(actor=clerk_a, town=nhi_a, fiscal_year=2025, text=changed, note="改定")
    levy_services.ratetable_decide(actor=approver_a, town=nhi_a, table_id=row.pk, approve=True)
    mitaka_table.refresh_from_db()
    assert not mitaka_table.is_current and RateTable.objects.get(is_current=True).pk == row.pk
    actions = list(AuditEntry.objects.filter(action__startswith="ratetable.").values_list("action", flat=True))
    assert actions.count("ratetable.propose") == 2 and actions.count("ratetable.approve") == 2


def test_an_invalid_or_another_towns_table_is_refused_naming_the_field(nhi_a, clerk_a):
    bad = mitaka_toml_for(nhi_a).replace('income_rate = "6.1%"', 'income_rate = "six"', 1)
    with pytest.raises(ValidationError) as exc:
        levy_services.ratetable_propose(actor=clerk_a, town=nhi_a, fiscal_year=2025, text=bad)
    assert "parts.medical.income_rate" in exc.value.message_dict["data"][0]
    with pytest.raises(ValidationError) as exc:
        levy_services.ratetable_propose(actor=clerk_a, town=nhi_a, fiscal_year=2025,
                                        text=(DATA_DIR / "132047-2025.toml").read_text(encoding="utf-8"))
    assert "団体コード 132047" in exc.value.message_dict["data"][0]
    assert RateTable.objects.count() == 0


def test_shipped_tables_are_seeded_once(town_b):
    from django_tenants.utils import tenant_context

    with tenant_context(town_b):
        assert [r.fiscal_year for r in levy_services.ratetables_seed(town=town_b)] == [2023]
        assert levy_services.ratetables_seed(town=town_b) == []
        assert RateTable.objects.get().is_current


def test_a_spouse_moved_to_late_elderly_care_counts_in_the_reduction_test(nhi_a, clerk_a, mitaka_table, move_in):
    """特定同一世帯所属者 (tax-nhi.md §1.3): the wife left 国保 for 後期高齢者医療 (75歳到達) and stays in the
    household — she is not levied, but she counts in the 軽減 test: 総所得 1,200,000 is over the 2割 line for one
    person (430,000 + 560,000 × 1 = 990,000, 令和7年度) and under it for two (1,550,000)."""
    from tenants.residents.models import PersonVersion

    change = move_in([person_data(birth_date="1962-05-05"),
                      person_data(given_name="花子", given_name_kana="ハナコ", sex="2", relationship="妻",
                                  birth_date="1950-04-01", resident_code="12345678902")], effective_on="2024-04-01")
    family = {v.given_name: v for v in PersonVersion.objects.filter(is_current=True, household=change.household)}
    family["household_id"] = change.household_id
    enrol(nhi_a, clerk_a, family, ["太郎", "花子"])
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=family["花子"].person_id, lost_on="2025-04-01",
                            reason="late_elderly")
    import_incomes(nhi_a, clerk_a, family, HEADER + f"{family['太郎'].person.atena_number},2024,1200000,0,0,0,0\n")

    stored = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a, household_id=change.household_id,
                                                fiscal_year=2025)

    table = parse_table(tomllib.loads(mitaka_toml_for(nhi_a)))
    taro = Person("山田 太郎", dt.date(1962, 5, 5), total_income=1_200_000)
    hanako = Person("山田 花子", dt.date(1950, 4, 1), insured=False)
    with_her = levy(Household(head=taro, former_members=(hanako,)), table, fiscal_year=2025)
    without = levy(Household(head=taro), table, fiscal_year=2025)
    assert (stored.reduction_level, stored.total) == (2, with_her.total)
    assert without.reduction.level == 0 and without.total > stored.total
    per_capita = [line for line in stored.explanation if " 均等割 " in line and "×" in line]
    assert per_capita and all("× 1人" in line for line in per_capita)  # she is counted, not levied


def test_a_member_who_moved_out_is_levied_for_the_months_before(nhi_a, clerk_a, approver_a, mitaka_table,
                                                                mitaka_family, approve):
    """月割 (tax-nhi.md §1.4): the younger child moves out of town on 2025-11-30 (喪失 2025-12-01, 国保法8条):
    no longer on the register, still levied April–November in the household he left — 単票 and 一括 alike."""
    from tenants.residents import services as residents

    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    jiro = mitaka_family["二郎"].person_id
    change = residents.change_submit(actor=clerk_a, town=nhi_a, kind="move_out", notified_on="2025-11-20",
                                     effective_on="2025-11-30", data={"person_ids": [jiro], "destination": "東京都三鷹市"})
    approve(change, town=nhi_a)
    residents.move_outs_complete(actor=clerk_a, town=nhi_a)
    from tenants.residents.models import ON_REGISTER, PersonVersion

    assert PersonVersion.objects.get(person_id=jiro, is_current=True).status not in ON_REGISTER
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=jiro, lost_on="2025-12-01", reason="move_out")
    import_incomes(nhi_a, clerk_a, mitaka_family)

    single = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                household_id=mitaka_family["household_id"], fiscal_year=2025)
    expected = levy(Household(
        head=Person("山田 太郎", dt.date(1983, 1, 15), total_income=3_560_000, salary_revenue=5_000_000),
        members=(Person("山田 花子", dt.date(1987, 6, 1)), Person("山田 一郎", dt.date(2013, 6, 1)),
                 Person("山田 二郎", dt.date(2016, 6, 1), lost_on=dt.date(2025, 12, 1)))),
        parse_table(tomllib.loads(mitaka_toml_for(nhi_a))), fiscal_year=2025)
    assert single.total == expected.total < 489_400
    assert single.explanation == list(expected.explanation)
    levy_services.assessments_recalculate(actor=approver_a, town=nhi_a, fiscal_year=2025)
    bulk = Assessment.objects.get(household_id=mitaka_family["household_id"], fiscal_year=2025, is_current=True)
    assert (bulk.total, bulk.inputs_hash) == (single.total, single.inputs_hash)


def test_a_member_who_left_and_joined_again_is_levied_for_both_spans(nhi_a, clerk_a, approver_a, mitaka_table,
                                                                      mitaka_family):
    """月割 over every span of the year (国保法7条・8条; tax-nhi.md §1.4): the wife leaves for 社保 on 2025-07-01
    (April–June) and comes back on 2025-11-15 (November–March): 3 + 5 = 8 months — 単票 and 一括 alike, equal to
    the engine given both spans."""
    enrol(nhi_a, clerk_a, mitaka_family, ["太郎", "花子", "一郎", "二郎"])
    hanako = mitaka_family["花子"].person_id
    services.enrolment_lose(actor=clerk_a, town=nhi_a, person_id=hanako, lost_on="2025-07-01",
                            reason="joined_employee_insurance")
    services.enrolment_acquire(actor=clerk_a, town=nhi_a, person_id=hanako, acquired_on="2025-11-15",
                               reason="left_employee_insurance")
    import_incomes(nhi_a, clerk_a, mitaka_family)

    single = levy_services.assessment_calculate(actor=clerk_a, town=nhi_a,
                                                household_id=mitaka_family["household_id"], fiscal_year=2025)
    wife = Person("山田 花子", dt.date(1987, 6, 1), acquired_on=dt.date(2025, 11, 15),
                  earlier_spans=((None, dt.date(2025, 7, 1)),))
    assert len(wife.month_set(2025)) == 8
    expected = levy(Household(
        head=expected_head(), members=(wife, Person("山田 一郎", dt.date(2013, 6, 1)), Person("山田 二郎", dt.date(2016, 6, 1)))),
        parse_table(tomllib.loads(mitaka_toml_for(nhi_a))), fiscal_year=2025)
    assert single.total == expected.total < 489_400
    assert single.explanation == list(expected.explanation)
    last_span_only = levy(Household(
        head=expected_head(), members=(Person("山田 花子", dt.date(1987, 6, 1), acquired_on=dt.date(2025, 11, 15)),
                                       Person("山田 一郎", dt.date(2013, 6, 1)), Person("山田 二郎", dt.date(2016, 6, 1)))),
        parse_table(tomllib.loads(mitaka_toml_for(nhi_a))), fiscal_year=2025)
    assert last_span_only.total < single.total  # what was levied before: the last span alone
    levy_services.assessments_recalculate(actor=approver_a, town=nhi_a, fiscal_year=2025)
    bulk = Assessment.objects.get(household_id=mitaka_family["household_id"], fiscal_year=2025, is_current=True)
    assert (bulk.total, bulk.inputs_hash) == (single.total, single.inputs_hash)


def expected_head() -> Person:
    return Person("山田 太郎", dt.date(1983, 1, 15), total_income=3_560_000, salary_revenue=5_000_000)
