"""Import and export of the residents registry in the standard layout: a clean set loads whole, a bad
set loads nothing (or only its whole valid households, when asked) with an issue per bad row, and a
town exported and imported into a fresh town is the same registry — persons, households, every
history row, the as-of views and the 支援措置."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from integrations.standard_spec import codec
from integrations.standard_spec.layout import load
from integrations.standard_spec.residents import ExportRequest, SourceFile, export_residents, import_residents

pytestmark = pytest.mark.django_db

L = load("chukan-2.7")
COMPARED = ("history_no", "valid_from", "is_current", "status", "relationship", "family_name", "given_name",
            "family_name_kana", "given_name_kana", "birth_date", "birth_date_precision", "birth_date_note", "sex",
            "became_resident_on", "address_set_on", "notified_on", "address", "katagaki", "district", "postal_code",
            "honseki", "hittousha", "previous_address", "destination", "resident_kind", "alphabet_name", "alias_name",
            "nationality", "kana_full", "name_full", "alias_full")


def _registry(town) -> dict:
    from tenants.residents.models import PersonVersion, SupportMeasure

    with tenant_context(town):
        rows = PersonVersion.objects.select_related("person", "household", "change").order_by(
            "person__atena_number", "history_no")
        versions = [(v.person.atena_number, v.person.resident_code, v.household.number, v.change.reason_code,
                     v.change.notified_on, *(getattr(v, c) for c in COMPARED)) for v in rows]
        measures = sorted((m.person.atena_number, m.kind, m.starts_on, m.ends_on)
                          for m in SupportMeasure.objects.filter(status="active").select_related("person"))
    return {"versions": versions, "measures": measures}


def _new_town(code="413411", name="基山町"):
    from kyodo.tenancy.services import municipality_provision

    return municipality_provision(actor=None, code=code, name=name, name_kana="キヤマチョウ",
                                  hosts=[f"t{code}.test"], applications=["residents"])


def _files(exported: dict) -> list[SourceFile]:
    return [SourceFile(kind, f"{kind}.csv", b"".join(chunks)) for kind, chunks in exported.items()]


@pytest.fixture
def populated(town_a, clerk_a, approve, chief_a):
    """Town A with synthetic residents, a 転居 and a 支援措置 made through the services."""
    from tenants.residents import services
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import PersonVersion

    residents_demo_populate(town=town_a, scale=0.002, seed=4)
    with tenant_context(town_a):
        head = PersonVersion.objects.filter(is_current=True, relationship="世帯主").order_by("person_id").first()
        change = services.change_submit(actor=clerk_a, town=town_a, kind="relocation", notified_on="2024-06-03",
                                        effective_on="2024-06-01", data={"household_id": head.household_id,
                                                                         "address": "佐賀県武雄市武雄町大字昭和10番地"})
        approve(change)
        protected = PersonVersion.objects.filter(is_current=True).order_by("-person_id").first()
        services.support_measure_create(actor=chief_a, town=town_a, person_id=protected.person_id,
                                        starts_on="2024-04-01")
    return town_a


def test_export_then_import_into_a_fresh_town_gives_the_same_registry(populated, pref_admin):
    with tenant_context(populated):
        files = _files(export_residents(town=populated, actor=pref_admin, request=ExportRequest(
            purpose="団体の移行", recipient="基山町", entitled=True)))
    fresh = _new_town()
    with tenant_context(fresh):
        result = import_residents(town=fresh, actor=pref_admin, files=files, layout_name="chukan-2.7",
                                  run_label="test-1")
    assert result.issues == [] and result.loaded, result.report_csv()[:2000]
    before, after = _registry(populated), _registry(fresh)
    assert len(after["versions"]) == len(before["versions"]) > 90
    assert after == before
    assert result.counts["measures"] == 1


def test_the_as_of_view_is_the_same_after_the_round_trip(populated, pref_admin):
    from tenants.residents.models import Person
    from tenants.residents.selectors import household_as_of

    with tenant_context(populated):
        files = _files(export_residents(town=populated, actor=pref_admin, request=ExportRequest(
            purpose="団体の移行", recipient="基山町", entitled=True)))
        moved = Person.objects.filter(versions__history_no=2).first()
        old_household = moved.versions.get(history_no=1).household.number
        before = [v.person.atena_number for v in household_as_of(moved.versions.get(history_no=1).household_id,
                                                                  dt.date(2024, 5, 31))]
    fresh = _new_town()
    with tenant_context(fresh):
        import_residents(town=fresh, actor=pref_admin, files=files, layout_name="chukan-2.7", run_label="t")
        from tenants.residents.models import Household

        after = [v.person.atena_number for v in household_as_of(Household.objects.get(number=old_household).pk,
                                                                 dt.date(2024, 5, 31))]
    assert after == before and before


def test_an_export_for_a_receiver_not_entitled_withholds_protected_addresses(populated, pref_admin):
    from tenants.residents.models import SupportMeasure

    with tenant_context(populated):
        protected = SupportMeasure.objects.get().person
        files = {f.kind: f.content for f in _files(export_residents(
            town=populated, actor=pref_admin, request=ExportRequest(purpose="滞納管理への提供", recipient="ACME")))}
    assert "measures" not in files
    rows, issues, _ = codec.read(files["persons"], L.file("persons"), L, file="persons.csv")
    mine = next(r for r in rows if r.values["atena_number"] == protected.atena_number)
    assert mine.values["protected"] == "yes" and mine.values["address"] == "（非表示）"
    assert mine.values["katagaki"] is None and mine.values["postal_code"] is None


def test_a_bad_set_loads_nothing_and_reports_every_bad_row(populated, pref_admin):
    with tenant_context(populated):
        files = {f.kind: f for f in _files(export_residents(town=populated, actor=pref_admin, request=ExportRequest(
            purpose="団体の移行", recipient="基山町", entitled=True)))}
    persons = files["persons"].content.decode("utf-8-sig").split("\r\n")
    second = persons[1].split(",")
    second[0] = second[0][:-1] + str((int(second[0][-1]) + 1) % 10)   # wrong check digit
    persons[1] = ",".join(second)
    persons.append(persons[2])                                          # a duplicate 宛名番号
    bad = SourceFile("persons", "persons.csv", "\r\n".join(persons).encode("utf-8"))
    fresh = _new_town()
    with tenant_context(fresh):
        from tenants.residents.models import Person

        result = import_residents(town=fresh, actor=pref_admin, files=[files["households"], bad, files["history"]],
                                  layout_name="chukan-2.7", run_label="t")
        assert not result.loaded and Person.objects.count() == 0
        rules = {(i.file, i.line, i.rule) for i in result.issues}
        assert ("persons.csv", 2, "check_digit") in rules and ("persons.csv", 3, "duplicate") in rules
        report = result.report_csv()
        assert report.startswith("ファイル,行,項目,値,規則,内容,message")
        partial = import_residents(town=fresh, actor=pref_admin, files=[files["households"], bad, files["history"]],
                                   layout_name="chukan-2.7", run_label="t2", load_valid_part=True)
        assert partial.loaded and 0 < Person.objects.count() < len(persons) - 2
        atenas = set(Person.objects.values_list("atena_number", flat=True))
        assert second[0] not in atenas


def test_an_import_for_one_town_never_touches_another(populated, pref_admin, town_b):
    from tenants.residents.models import Person, PersonVersion

    with tenant_context(town_b):
        b_before = (Person.objects.count(), PersonVersion.objects.count())
    with tenant_context(populated):
        files = _files(export_residents(town=populated, actor=pref_admin, request=ExportRequest(
            purpose="団体の移行", recipient="基山町", entitled=True)))
    fresh = _new_town()
    with tenant_context(fresh):
        assert import_residents(town=fresh, actor=pref_admin, files=files, layout_name="chukan-2.7",
                                run_label="t").loaded
    with tenant_context(town_b):
        assert (Person.objects.count(), PersonVersion.objects.count()) == b_before


def test_shift_jis_fixed_width_round_trip(populated, pref_admin):
    with tenant_context(populated):
        exported = export_residents(town=populated, actor=pref_admin, request=ExportRequest(
            purpose="団体の移行", recipient="基山町", entitled=True), form="fixed", encoding="cp932")
        files = _files(exported)
    fresh = _new_town()
    with tenant_context(fresh):
        result = import_residents(town=fresh, actor=pref_admin, files=files, layout_name="chukan-2.7", form="fixed",
                                  run_label="t")
    assert result.loaded and result.issues == []
    assert _registry(fresh) == _registry(populated)
