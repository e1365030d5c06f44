"""固定資産税 through the database: the whole-town calculation equals the engine, 共有 is one 納税義務者 of its own,
the 免税点 is per 納税義務者, the 納税通知書 (調定 4期), the 登記済通知 import (whole or nothing, errors by record
and item) and each decision on its 評価変更 作業, the consumer, 統合照会, the audit chain."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kyodo.tenantlog.models import AuditEntry
from tenants.tax import audit
from tenants.tax import services as core_services
from tenants.tax.kotei import services
from tenants.tax.kotei.engine import Building, Land, NewHousing, property_tax
from tenants.tax.kotei.models import (
    Ownership,
    Parcel,
    PropertyAssessment,
    RegistryNotice,
    RegistryNoticeBatch,
)
from tenants.tax.kotei.tables import load_table
from tenants.tax.models import Charge, WorkItem
from tests.tax.kotei.factories import FY, SINCE, _atena

pytestmark = pytest.mark.django_db


def test_the_database_path_equals_the_engine_for_each_taxpayer(tax_a, tax_chief_a, estate):
    """The stored figures of each 納税義務者 are the engine's for the same parcels (docs/tax.md 固定資産税)."""
    counts = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert counts["taxpayers"] == 3 and counts["parcels"] == 4 and counts["unsupported"] == 0
    rates = load_table(tax_a.code, FY)
    assert rates.rate.text == "1.48%"  # 武雄市 (city.takeo.lg.jp 000173)
    taro, hanako = estate["taro"].person_id, estate["hanako"].person_id
    rows = {a.taxpayer_key: a for a in PropertyAssessment.objects.filter(fiscal_year=FY, is_current=True)}
    assert set(rows) == {f"p{taro}", f"p{hanako}", f"p{taro}+p{hanako}"}
    alone = property_tax("taro", rates=rates, fiscal_year=FY,
                         lands=[Land("1番", "03", Decimal("200.00"), 17_000_000, housing_area=Decimal("200.00"),
                                     dwellings=1, previous_base=2_500_000)],
                         buildings=[Building("1番の1", "01", Decimal("100.00"), 9_000_000,
                                             NewHousing(2024, Decimal("100.00"), 1))])
    mine = rows[f"p{taro}"]
    assert alone.lands[0].base == 2_641_666  # 岡崎市's 負担調整 example, now through the database
    assert (mine.land_base, mine.land_tax, mine.building_base, mine.reduction, mine.total) == (
        alone.land.base, alone.land.tax, alone.building.base, alone.building.reduction, alone.total)
    assert mine.total == 2_641_000 * 148 // 10_000 + 9_000_000 * 148 // 10_000 - alone.building.reduction \
        - (2_641_000 * 148 // 10_000 + 9_000_000 * 148 // 10_000 - alone.building.reduction) % 100
    joint = rows[f"p{taro}+p{hanako}"]
    assert joint.person_id == taro and joint.co_owners == 2 and joint.name.endswith("外1名")
    both = property_tax("joint", rates=rates, fiscal_year=FY,
                        lands=[Land("2番", "03", Decimal("300.00"), 12_000_000, housing_area=Decimal("300.00"),
                                    dwellings=1)])
    assert joint.total == both.total > 0
    small = rows[f"p{hanako}"]  # 1,500,000 × 1/6 = 250,000 < 300,000: below the 免税点 (第351条)
    assert small.land_base == 250_000 and small.land_exempt and small.total == 0
    assert AuditEntry.objects.filter(chain=f"tax:{tax_a.code}", action="kotei.assessment.calculate").exists()


def test_a_recalculation_keeps_unchanged_rows_and_adds_changed_ones(tax_a, tax_chief_a, estate):
    first = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    again = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert (first["written"], again["written"], again["unchanged"]) == (3, 0, 3)
    Parcel.objects.filter(pk=estate["parcels"]["small"].pk).update(value=3_000_000)  # 花子's plot: now taxed
    changed = services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert (changed["written"], changed["unchanged"]) == (1, 2)
    rows = PropertyAssessment.objects.filter(fiscal_year=FY, taxpayer_key=f"p{estate['hanako'].person_id}")
    assert [(r.is_current, r.total > 0) for r in rows.order_by("pk")] == [(False, False), (True, True)]
    assert PropertyAssessment.objects.filter(fiscal_year=FY, is_current=True).count() == 3


def test_the_orm_single_calculation_equals_the_bulk_one(tax_a, tax_chief_a, estate):
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    key = f"p{estate['taro'].person_id}+p{estate['hanako'].person_id}"
    bulk = PropertyAssessment.objects.get(fiscal_year=FY, taxpayer_key=key, is_current=True)
    one = services.assessment_calculate_one(actor=tax_chief_a, town=tax_a, fiscal_year=FY, key=key)
    assert (one.total, one.land_base, one.lines, one.name) == (bulk.total, bulk.land_base, bulk.lines, bulk.name)
    assert one.signature == bulk.signature  # every stored figure alike


def test_only_the_chief_calculates_and_issues(tax_a, tax_clerk_a, estate):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.assessments_calculate(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)
    with pytest.raises(PermissionDenied):
        services.notices_issue(actor=tax_clerk_a, town=tax_a, fiscal_year=FY)


def test_issuing_makes_four_instalments_per_taxpayer_with_the_remainder_first(tax_a, tax_chief_a, estate):
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    result = services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert result == {"notices": 2, "charges": 8}  # 花子's own plot is below the 免税点: no notice
    taro = estate["taro"].person_id
    mine = PropertyAssessment.objects.get(fiscal_year=FY, taxpayer_key=f"p{taro}", is_current=True)
    charges = list(Charge.objects.filter(notice_no=mine.notice_no).order_by("instalment"))
    assert [c.instalment for c in charges] == [1, 2, 3, 4]
    assert sum(c.amount for c in charges) == mine.total
    assert charges[1].amount == charges[2].amount == charges[3].amount == mine.total // 4 // 1000 * 1000
    assert [c.due_on for c in charges] == [dt.date(2025, 4, 30), dt.date(2025, 7, 31), dt.date(2025, 12, 31),
                                           dt.date(2026, 2, 28)]
    assert all(c.person_id == taro and c.tax == "kotei" for c in charges)
    assert services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY) == {"notices": 0, "charges": 0}
    # 更正: after a change and a new calculation, a new notice for the changed 納税義務者 only (the 共有 one is
    # unchanged and keeps its notice); the earlier 調定 are no longer current
    Parcel.objects.filter(pk=estate["parcels"]["house"].pk).update(value=10_000_000)
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    assert services.notices_issue(actor=tax_chief_a, town=tax_a, fiscal_year=FY)["notices"] == 1
    assert not Charge.objects.filter(notice_no=mine.notice_no, is_current=True).exists()


def test_instalments_rule():
    assert services.instalments(45_300, 4) == [12_300, 11_000, 11_000, 11_000]  # 45,300 ÷ 4 → 11,000 each, 端数 to 第1期
    assert services.instalments(900, 4) == [900, 0, 0, 0]


# --- 登記済通知 -----------------------------------------------------------------------------------------------

def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_a_notice_file_becomes_one_work_item_per_notice(tax_a, tax_clerk_a, estate):
    hanako = _atena(estate["hanako"].person_id)
    raw = _csv(f"1001,20250610,01,1,武雄市大字武雄,1番,,,,{hanako},,山田 花子,1/1",
               "1002,20250612,05,1,武雄市大字武雄,3番,,02,,,,,",
               "1003,20250615,03,1,武雄市大字武雄,2番,2番1,,150,,,,",
               "1003,20250615,03,1,武雄市大字武雄,2番,2番2,,150,,,,",
               "1004,20250620,02,2,武雄市大字武雄,5番の1,,01,120.5,,1234567890123,株式会社武雄,1/1")
    batch = services.notices_import(actor=tax_clerk_a, town=tax_a, raw_bytes=raw, filename="tokisumi.csv")
    assert batch.notices == 4
    items = list(WorkItem.objects.filter(tax="kotei", kind="revaluation").order_by("pk"))
    assert [i.source_type for i in items] == ["registry.transfer", "registry.category_change", "registry.subdivision",
                                              "registry.new_building"]
    assert items[0].parcel_id == estate["parcels"]["home"].pk and items[0].person_id == estate["hanako"].person_id
    assert RegistryNotice.objects.get(receipt_no="000000001003")  # 受付番号 is 12 digits, zero-padded.lines == [3, 4]
    # nothing applied before a decision
    assert Ownership.objects.get(parcel=estate["parcels"]["home"], valid_until__isnull=True).person_id \
        == estate["taro"].person_id


@pytest.mark.parametrize(("row", "line", "item", "words"), [
    ("1001,20250610,01,1,武雄市大字武雄,99番,,,,{atena},,山田 花子,1/1", 2, "地番・家屋番号", "課税台帳にない"),
    ("1002,20250612,05,1,武雄市大字武雄,3番,,77,,,,,", 2, "地目・種類", "コード表にありません"),
    ("1003,2025061X,06,1,武雄市大字武雄,3番,,,,,,,", 2, "登記年月日", ""),
    ("1004,20250620,02,2,武雄市大字武雄,5番の1,,01,12a,,1234567890123,株式会社武雄,1/1", 2, "地積・床面積", "半角数字"),
    ("1005,20250610,01,1,武雄市大字武雄,1番,,,,{atena},,山田 花子,1/3", 2, "持分", "合計"),
    ("1006,20250610,01,1,武雄市大字武雄,1番,,,,9999999999,,誰か,1/1", 2, "所有者の宛名番号", "住民記録にありません"),
    ("1007,20250610,09,1,武雄市大字武雄,1番,,,,,,,", 2, "登記の種類", "コード"),
])
def test_a_bad_notice_refuses_the_whole_file_naming_record_and_item(tax_a, tax_clerk_a, estate, row, line, item,
                                                                    words):
    good = "1000,20250601,06,2,武雄市大字武雄,1番の1,,,,,,,"
    raw = _csv(good, row.format(atena=_atena(estate["hanako"].person_id)))
    with pytest.raises(services.NoticeImportError) as excinfo:
        services.notices_import(actor=tax_clerk_a, town=tax_a, raw_bytes=raw, filename="bad.csv")
    problems = excinfo.value.problems
    assert any(p[0] == line and p[1] == item and words in p[2] for p in problems), problems
    assert not RegistryNoticeBatch.objects.exists() and not RegistryNotice.objects.exists()
    assert not WorkItem.objects.filter(tax="kotei").exists()  # the good first line was not stored either


def _import(actor, town, *rows):
    services.notices_import(actor=actor, town=town, raw_bytes=_csv(*rows), filename="t.csv")
    return WorkItem.objects.filter(tax="kotei", kind="revaluation").order_by("-pk").first()


def _decide(actor, town, item, decision, note="", **values):
    return core_services.workitem_decide(actor=actor, town=town, item_id=item.pk, decision=decision, note=note,
                                         values=values)


def test_confirming_a_transfer_ends_the_old_owner_from_the_registration_date(tax_a, tax_clerk_a, tax_chief_a,
                                                                              estate):
    hanako = estate["hanako"]
    item = _import(tax_clerk_a, tax_a, f"1001,20250610,01,1,武雄市大字武雄,1番,,,,{_atena(hanako.person_id)},,"
                                      "山田 花子,1/1")
    _decide(tax_clerk_a, tax_a, item, "confirmed")
    rows = list(Ownership.objects.filter(parcel=estate["parcels"]["home"]).order_by("pk"))
    assert [(r.person_id, r.valid_from, r.valid_until) for r in rows] == [
        (estate["taro"].person_id, SINCE, dt.date(2025, 6, 9)), (hanako.person_id, dt.date(2025, 6, 10), None)]
    # 2025's 賦課期日 (1 January) is before the transfer: 太郎 still owes 2025; 花子 from 2026
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    mine = PropertyAssessment.objects.get(is_current=True, taxpayer_key=f"p{estate['taro'].person_id}")
    assert estate["parcels"]["home"].pk in [line[0] for line in mine.lines]
    assert audit.verify(tax_a).ok


def test_adjusting_a_category_change_writes_the_typed_values(tax_a, tax_clerk_a, estate):
    small = estate["parcels"]["small"]
    item = _import(tax_clerk_a, tax_a, "1002,20250612,05,1,武雄市大字武雄,3番,,02,,,,,")
    with pytest.raises(ValidationError) as excinfo:
        _decide(tax_clerk_a, tax_a, item, "adjusted", value="１２３")  # full-width digits: by field
    assert "value" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        _decide(tax_clerk_a, tax_a, item, "adjusted", category="77")
    assert "category" in excinfo.value.message_dict
    _decide(tax_clerk_a, tax_a, item, "adjusted", value="400000", area="52.5")
    small.refresh_from_db()
    assert (small.category, small.value, small.area, small.housing_area) == ("02", 400_000, Decimal("52.50"), 0)
    item.refresh_from_db()
    assert item.status == "adjusted"


def test_rejecting_needs_a_reason_and_applies_nothing(tax_a, tax_clerk_a, estate):
    item = _import(tax_clerk_a, tax_a, "1009,20250612,06,1,武雄市大字武雄,3番,,,,,,,")
    with pytest.raises(ValidationError):
        _decide(tax_clerk_a, tax_a, item, "rejected")
    _decide(tax_clerk_a, tax_a, item, "rejected", note="現地調査で現存を確認")
    small = Parcel.objects.get(pk=estate["parcels"]["small"].pk)
    assert small.status == "active"


def test_a_loss_closes_the_parcel_and_a_new_building_needs_its_value(tax_a, tax_clerk_a, estate):
    house = estate["parcels"]["house"]
    item = _import(tax_clerk_a, tax_a, "1010,20250701,06,2,武雄市大字武雄,1番の1,,,,,,,")
    _decide(tax_clerk_a, tax_a, item, "confirmed")
    house.refresh_from_db()
    assert (house.status, house.lost_on) == ("lost", dt.date(2025, 7, 1))
    atena = _atena(estate["taro"].person_id)
    item = _import(tax_clerk_a, tax_a, f"1011,20250801,02,2,武雄市大字武雄,1番の1,,01,98.25,{atena},,山田 太郎,1/1")
    with pytest.raises(ValidationError) as excinfo:
        _decide(tax_clerk_a, tax_a, item, "confirmed")
    assert "value" in excinfo.value.message_dict
    _decide(tax_clerk_a, tax_a, item, "adjusted", value="7200000")
    new = Parcel.objects.get(kind="building", number="1番の1", status="active")
    assert (new.value, new.area, new.registered_on) == (7_200_000, Decimal("98.25"), dt.date(2025, 8, 1))
    assert Ownership.objects.get(parcel=new).person_id == estate["taro"].person_id


def test_subdivision_and_merger(tax_a, tax_clerk_a, estate):
    joint = estate["parcels"]["joint"]
    item = _import(tax_clerk_a, tax_a, "1003,20250615,03,1,武雄市大字武雄,2番,2番1,,100,,,,",
                   "1003,20250615,03,1,武雄市大字武雄,2番,2番2,,200,,,,")
    _decide(tax_clerk_a, tax_a, item, "confirmed")
    parts = {p.number: p for p in Parcel.objects.filter(number__in=["2番1", "2番2"], status="active")}
    assert (parts["2番1"].value, parts["2番2"].value) == (4_000_000, 8_000_000)  # by 地積
    assert Ownership.objects.filter(parcel=parts["2番2"], valid_until__isnull=True).count() == 2  # 共有 kept
    assert Parcel.objects.get(pk=joint.pk).status == "lost"
    item = _import(tax_clerk_a, tax_a, "1012,20250701,04,1,武雄市大字武雄,2番1,2番,,,,,,",
                   "1012,20250701,04,1,武雄市大字武雄,2番2,2番,,,,,,")
    _decide(tax_clerk_a, tax_a, item, "confirmed")
    merged = Parcel.objects.get(number="2番", status="active")
    assert (merged.area, merged.value) == (Decimal("300.00"), 12_000_000)


def test_a_subdivision_whose_areas_do_not_add_up_is_refused(tax_a, tax_clerk_a, estate):
    with pytest.raises(services.NoticeImportError) as excinfo:
        _import(tax_clerk_a, tax_a, "1003,20250615,03,1,武雄市大字武雄,2番,2番1,,100,,,,",
                "1003,20250615,03,1,武雄市大字武雄,2番,2番2,,150,,,,")
    assert excinfo.value.problems[0][:2] == (2, "地積・床面積")


# --- consumer, 統合照会 -----------------------------------------------------------------------------------------

class _Event:
    def __init__(self, event_type, person_ids):
        self.event_type, self.schema_version, self.event_id = event_type, 1, uuid.uuid4()
        self.payload = {"person_ids": person_ids, "effective_on": "2025-09-01"}
        self.actor = None


def test_an_owner_who_moves_or_dies_gets_one_work_item_per_event(tax_a, estate):
    from tenants.tax.kotei.consumers import on_residents_change

    taro, ichiro = estate["taro"].person_id, estate["ichiro"].person_id
    moved = _Event("residents.relocated", [taro, ichiro])
    on_residents_change(moved, tax_a)
    on_residents_change(moved, tax_a)  # the same event again: nothing twice
    items = list(WorkItem.objects.filter(tax="kotei"))
    assert [(i.kind, i.person_id) for i in items] == [("address_change", taro)]  # 一郎 owns nothing
    on_residents_change(_Event("residents.died", [taro]), tax_a)
    assert WorkItem.objects.filter(tax="kotei", kind="heir_representative", person_id=taro).count() == 1
    assert items[0].proposed["parcels"] == sorted(p.pk for k, p in estate["parcels"].items() if k != "small")


def test_the_inquiry_shows_the_persons_parcels_by_role(tax_a, tax_chief_a, tax_client_a, client_a, estate):
    services.assessments_calculate(actor=tax_chief_a, town=tax_a, fiscal_year=FY)
    hanako = estate["hanako"].person_id
    body = tax_client_a.get(f"/inquiry/persons/{hanako}/").content.decode()
    assert "固定資産税（所有者として）" in body and "共有者" in body and "武雄市大字武雄 3番" in body
    assert AuditEntry.objects.filter(chain=f"tax:{tax_a.code}", action="kotei.inquiry.read",
                                     target_id=str(hanako)).exists()
    assert "固定資産税（所有者として）" not in client_a.get(f"/inquiry/persons/{hanako}/").content.decode()


def test_the_demo_loads_parcels_calculates_the_year_and_writes_a_notice_file_that_imports(
        tax_a, tax_clerk_a, tax_chief_a, household, tmp_path, settings):  # noqa: F811
    from tenants.tax.kotei import demo

    settings.BASE_DIR = tmp_path
    notes = demo.load(town=tax_a, staff={"tax_clerk": tax_clerk_a, "tax_chief": tax_chief_a}, scale=0.1, seed=1)
    assert notes and "固定資産: 物件 60件" in notes[0]  # 30 plots with a house each (scale 0.1, at least 20)
    assert PropertyAssessment.objects.filter(fiscal_year=FY, is_current=True, unsupported="").count() >= 1
    raw = (tmp_path / "var" / "demo" / f"tokisumi-{tax_a.code}.csv").read_bytes()
    batch = services.notices_import(actor=tax_clerk_a, town=tax_a, raw_bytes=raw, filename="demo.csv")
    assert batch.notices == 3
    assert demo.load(town=tax_a, staff={"tax_clerk": tax_clerk_a, "tax_chief": tax_chief_a}, scale=0.1, seed=1) == []


def test_the_real_relay_delivers_an_owners_death_once(tax_a, estate, clerk_a, approve):
    from kyodo.tenantlog.relay import relay_town
    from tenants.residents import services as residents

    hanako = estate["hanako"].person_id
    relay_town(tax_a)  # the household's 転入 (nothing for 固定資産税: it is not an event of an owner's change)
    approve(residents.change_submit(actor=clerk_a, town=tax_a, kind="death", notified_on="2025-07-02",
                                    effective_on="2025-07-01", data={"person_id": hanako}), town=tax_a)
    report = relay_town(tax_a)
    assert report.handled.get("tax.kotei") == 1, report
    item = WorkItem.objects.get(tax="kotei", kind="heir_representative")
    assert item.person_id == hanako and item.status == "pending"
    assert sorted(item.proposed["parcels"]) == sorted([estate["parcels"]["joint"].pk, estate["parcels"]["small"].pk])
    relay_town(tax_a)
    assert WorkItem.objects.filter(tax="kotei", kind="heir_representative").count() == 1


def test_naming_the_heirs_representative_sends_the_notices_to_them(tax_a, tax_clerk_a, estate):
    from tenants.tax.kotei.consumers import on_residents_change

    taro, hanako = estate["taro"].person_id, estate["hanako"].person_id
    on_residents_change(_Event("residents.died", [taro]), tax_a)
    item = WorkItem.objects.get(tax="kotei", kind="heir_representative")
    for bad in ("１２３", "", "999999999999", _atena(taro)):
        with pytest.raises(ValidationError) as excinfo:
            _decide(tax_clerk_a, tax_a, item, "adjusted", atena=bad)
        assert "atena" in excinfo.value.message_dict
    _decide(tax_clerk_a, tax_a, item, "adjusted", atena=_atena(hanako))
    rows = Ownership.objects.filter(person_id=taro, valid_until__isnull=True)
    assert rows.count() == 3 and {(r.manager_person_id, r.manager_name) for r in rows} == {(hanako, "山田 花子")}
