"""Import runs: accepted with their files, executed once (a second execution of a loaded run does
nothing), refused with a report; and the command line: ``kyodo town import`` and ``kyodo town onboard``."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from integrations.standard_spec.models import ImportRun, ImportStatus
from integrations.standard_spec.residents import ExportRequest, SourceFile, export_residents
from integrations.standard_spec.services import import_run_create, import_run_execute
from kyodo.cli import build_parser
from kyodo.identity.principal import SystemPrincipal

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(town_a, pref_admin):
    from tenants.residents.demo import residents_demo_populate

    residents_demo_populate(town=town_a, scale=0.001, seed=9)
    with tenant_context(town_a):
        return {kind: b"".join(chunks) for kind, chunks in export_residents(
            town=town_a, actor=pref_admin, request=ExportRequest(purpose="移行", recipient="基山町", entitled=True)).items()}


def _town(code="413411", name="基山町"):
    from kyodo.tenancy.services import municipality_provision

    return municipality_provision(actor=None, code=code, name=name, name_kana="キヤマチョウ", hosts=[f"t{code}.test"],
                                  applications=["residents"])


def test_a_run_is_executed_once(exported, pref_admin):
    from tenants.residents.models import Person

    town = _town()
    run = import_run_create(actor=pref_admin, town=town, layout="chukan-2.7",
                            files=[SourceFile(k, f"{k}.csv", v) for k, v in exported.items()])
    assert run.status == ImportStatus.PENDING and run.files.count() == 4
    principal = SystemPrincipal("test")
    done = import_run_execute(run_id=run.pk, actor=principal)
    assert done.status == ImportStatus.LOADED and done.counts["persons"] > 40 and done.attempts == 1
    with tenant_context(town):
        persons = Person.objects.count()
    again = import_run_execute(run_id=run.pk, actor=principal)
    assert again.status == ImportStatus.LOADED and again.attempts == 1
    with tenant_context(town):
        assert Person.objects.count() == persons
    assert set(done.files.values_list("content", flat=True)) == {b""}  # the files are not kept once loaded


def test_a_run_with_errors_is_refused_with_its_report(exported, pref_admin):
    town = _town()
    persons = exported["persons"].replace(b"\r\n", b"\r\nbroken,line\r\n", 1)
    run = import_run_create(actor=pref_admin, town=town, layout="chukan-2.7", files=[
        SourceFile("households", "households.csv", exported["households"]),
        SourceFile("persons", "persons.csv", persons)])
    done = import_run_execute(run_id=run.pk, actor=SystemPrincipal("test"))
    assert done.status == ImportStatus.REFUSED and done.issues_count == 1
    assert "persons.csv,2,,,columns" in done.report


def test_what_a_run_needs_is_checked_when_it_is_submitted(pref_admin, town_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        import_run_create(actor=pref_admin, town=town_a, layout="chukan-9", files=[
            SourceFile("persons", "p.csv", b"")], form="xml", encoding="latin-1")
    assert set(refused.value.message_dict) == {"layout", "form", "encoding", "files"}
    assert not ImportRun.objects.exists()


def test_town_onboard_creates_the_town_and_imports_its_files(exported, tmp_path, capsys):
    from kyodo.tenancy.models import Municipality
    from tenants.residents.models import Person

    for kind, content in exported.items():
        (tmp_path / f"{kind}.csv").write_bytes(content)
    args = build_parser().parse_args(["town", "onboard", "--code", "413411", "--name", "基山町", "--kana", "キヤマチョウ",
                                      "--host", "kiyama.test", "--data", str(tmp_path), "--apps", "nhi"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "構築しました: 基山町 (413411)" in out and "取り込みました" in out
    # 住民記録 always comes with the listed applications (the import goes into it)
    assert Municipality.objects.get(code="413411").enabled_applications == ["residents", "nhi"]
    with tenant_context(Municipality.objects.get(code="413411")):
        assert Person.objects.count() > 40


def test_town_import_refuses_and_writes_the_report(exported, tmp_path, capsys, town_b):
    (tmp_path / "households.csv").write_bytes(exported["households"])
    (tmp_path / "persons.csv").write_bytes(exported["persons"])
    report = tmp_path / "report.csv"
    args = build_parser().parse_args(["town", "import", "--code", "412074", "--report", str(report),
                                      str(tmp_path / "households.csv"), str(tmp_path / "persons.csv")])
    # town B already has these 宛名番号? It has none: the set is clean; import twice to see the refusal.
    assert args.func(args) == 0
    assert args.func(args) == 1
    text = report.read_text(encoding="utf-8-sig")
    assert "exists" in text and "既に登録されています" in text
    assert "取り込みませんでした" in capsys.readouterr().err


def test_town_export_writes_the_files_and_a_delta_names_only_changed_persons(town_a, tmp_path, clerk_a, approve):
    from kyodo.tenantlog.models import OutboxEvent
    from tenants.residents import services
    from tenants.residents.demo import residents_demo_populate
    from tenants.residents.models import PersonVersion

    residents_demo_populate(town=town_a, scale=0.001, seed=9)
    args = build_parser().parse_args(["town", "export", "--code", "412066", "--out", str(tmp_path / "all"),
                                      "--purpose", "移行", "--recipient", "基山町", "--entitled", "--encoding", "cp932"])
    assert args.func(args) == 0
    persons = (tmp_path / "all" / "persons.csv").read_bytes().decode("cp932").splitlines()
    with tenant_context(town_a):
        assert len(persons) == PersonVersion.objects.filter(is_current=True).count()
        mark = OutboxEvent.objects.order_by("-position").values_list("position", flat=True).first() or 0
        head = PersonVersion.objects.filter(is_current=True, relationship="世帯主").order_by("person_id").first()
        approve(services.change_submit(actor=clerk_a, town=town_a, kind="relocation", notified_on="2024-06-03",
                                       effective_on="2024-06-01", data={"household_id": head.household_id,
                                                                        "address": "佐賀県武雄市武雄町大字昭和10番地"}))
        moved = PersonVersion.objects.filter(is_current=True, household_id=head.household_id).count()
    args = build_parser().parse_args(["town", "export", "--code", "412066", "--out", str(tmp_path / "delta"),
                                      "--purpose", "差分", "--recipient", "ACME", "--since", str(mark)])
    assert args.func(args) == 0
    delta = (tmp_path / "delta" / "persons.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert len(delta) == moved and "昭和10番地" in "".join(delta)
    assert not (tmp_path / "delta" / "measures.csv").exists()  # not entitled: no 支援措置 file
