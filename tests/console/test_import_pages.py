"""データ移行（取込） in the console: upload → run → loaded; a refused run shows its issues and the CSV;
town staff are refused (403, audited); NUL and oversized input answer 400."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from integrations.standard_spec import tasks
from integrations.standard_spec.models import ImportRun, ImportStatus
from integrations.standard_spec.residents import ExportRequest, export_residents
from kyodo.audit.models import PlatformAuditEntry
from kyodo.identity.principal import task_principal

pytestmark = pytest.mark.django_db


def _export(town, actor) -> dict[str, bytes]:
    with tenant_context(town):
        return {kind: b"".join(chunks) for kind, chunks in export_residents(
            town=town, actor=actor, request=ExportRequest(purpose="移行", recipient="基山町", entitled=True)).items()}


@pytest.fixture
def exported(town_a, pref_admin):
    from tenants.residents.demo import residents_demo_populate

    residents_demo_populate(town=town_a, scale=0.001, seed=9)
    return _export(town_a, pref_admin)


def _town(code="413411", name="基山町", provision=None):
    from kyodo.tenancy.services import municipality_provision

    return (provision or (lambda **kw: municipality_provision(actor=None, **kw)))(
        code=code, name=name, name_kana="キヤマチョウ", hosts=[f"t{code}.test"], applications=["residents"])


def _upload(files: dict[str, bytes], **extra):
    data = {"town": "413411", "layout": "chukan-2.7", "form": "csv", "encoding": "",
            "uploads": [SimpleUploadedFile(f"{k}.csv", v, content_type="text/csv") for k, v in files.items()]}
    data.update(extra)
    return data


def _run_synchronously(run: ImportRun, user) -> ImportRun:
    """The task itself, in this process (the worker is not the point of these tests)."""
    tasks.import_run(run_id=run.pk, principal=task_principal(user, "console:standard_spec-import"))
    run.refresh_from_db()
    return run


def test_upload_creates_the_run_enqueues_it_and_the_run_page_shows_it_loaded(
        console_client, exported, pref_admin, django_capture_on_commit_callbacks):
    from tenants.residents.models import Person

    town = _town()
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = console_client.post("/console/imports/new/", _upload(exported))
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/imports/{run.pk}/"
    assert len(enqueued) == 1 and run.status == ImportStatus.PENDING and run.files.count() == 4
    page = console_client.get(f"/console/imports/{run.pk}/").content.decode()
    assert "受付" in page and 'hx-trigger="every 1s"' in page and '<meta http-equiv="refresh"' in page

    run = _run_synchronously(run, pref_admin)
    assert run.status == ImportStatus.LOADED
    with tenant_context(town):
        assert Person.objects.count() == run.counts["persons"] > 40
    page = console_client.get(f"/console/imports/{run.pk}/").content.decode()
    assert "取り込みました" in page and 'value="100"' in page and "every 1s" not in page
    assert f"{run.counts['persons']:,}件" in page and run.files.get(kind="persons").sha256 in page
    partial = console_client.get(f"/console/imports/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-status"') and "<html" not in partial
    listing = console_client.get("/console/imports/").content.decode()
    assert f'data-run="{run.pk}" data-status="loaded"' in listing and "基山町（413411）" in listing
    assert re.search(r"令和\d+年\d+月\d+日 \d\d:\d\d", listing)


def test_a_refused_run_shows_its_issues_and_the_report_downloads_as_csv(console_client, exported, pref_admin,
                                                                         django_capture_on_commit_callbacks):
    _town()
    files = dict(exported, persons=exported["persons"].replace(b"\r\n", b"\r\nbroken,line\r\n", 1))
    with django_capture_on_commit_callbacks(execute=False):
        console_client.post("/console/imports/new/", _upload(files))
    run = _run_synchronously(ImportRun.objects.get(), pref_admin)
    assert run.status == ImportStatus.REFUSED
    page = console_client.get(f"/console/imports/{run.pk}/").content.decode()
    assert "誤りがあるため取り込んでいません" in page and 'id="import-issues"' in page and "persons.csv" in page
    viewed = PlatformAuditEntry.objects.filter(action="standard_spec.import_report_view").latest("seq")
    assert (viewed.actor_username, viewed.target_id) == ("pref-admin", str(run.pk))  # the issues quote values
    before = PlatformAuditEntry.objects.filter(action="standard_spec.import_report").count()
    report = console_client.get(f"/console/imports/{run.pk}/report.csv")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    assert report.content.startswith(b"\xef\xbb\xbf") and "persons.csv" in report.content.decode("utf-8-sig")
    entry = PlatformAuditEntry.objects.filter(action="standard_spec.import_report").latest("seq")
    assert PlatformAuditEntry.objects.filter(action="standard_spec.import_report").count() == before + 1
    assert (entry.actor_username, entry.target_id, entry.municipality_code) == ("pref-admin", str(run.pk), "413411")


def test_submission_errors_are_shown_per_field(console_client, exported):
    response = console_client.post("/console/imports/new/", _upload(
        {"households": exported["households"], "notes": b"x"}, town="412066"))
    body = response.content.decode()
    assert response.status_code == 400 and not ImportRun.objects.exists()
    assert "ファイル名から種類" in body and 'aria-invalid="true"' in body
    response = console_client.post("/console/imports/new/", _upload({"households": exported["households"]},
                                                                      town="412066"))
    body = response.content.decode()
    assert response.status_code == 400 and "個人（persons）のファイルは必須です" in body


@pytest.mark.parametrize("path", ["/console/imports/", "/console/imports/new/", "/console/imports/1/",
                                  "/console/imports/1/report.csv"])
def test_town_staff_are_refused_and_the_refusal_is_audited(clerk_a, path):
    from tests.conftest import logged_in_client

    before = PlatformAuditEntry.objects.filter(action="console.access_refused").count()
    response = logged_in_client(clerk_a, "localhost").get(path)
    assert response.status_code == 403
    entry = PlatformAuditEntry.objects.filter(action="console.access_refused").latest("seq")
    assert PlatformAuditEntry.objects.filter(action="console.access_refused").count() == before + 1
    assert (entry.actor_username, entry.detail["path"]) == ("clerk-a", path)


@pytest.mark.parametrize("query", [{"page": "1\x00"}, {"page": "9" * 40}, {"page": "２"}])
def test_bad_page_numbers_answer_400(console_client, query):
    assert console_client.get("/console/imports/", query).status_code == 400


@pytest.mark.parametrize("run_id", ["1%00", "9" * 40, "-1"])
def test_bad_run_ids_answer_400(console_client, run_id):
    assert console_client.get(f"/console/imports/{run_id}/").status_code == 400
    assert console_client.get(f"/console/imports/{run_id}/report.csv").status_code == 400


@pytest.mark.parametrize("field, value", [("town", "412066\x00"), ("layout", "x" * 100_000), ("encoding", "utf-8\x00"),
                                          ("form", "c" * 5000)])
def test_nul_and_huge_form_values_answer_400(console_client, exported, field, value):
    response = console_client.post("/console/imports/new/", _upload(exported, **{field: value}))
    assert response.status_code == 400 and not ImportRun.objects.exists()


def test_a_nul_in_a_file_name_answers_400(console_client, exported):
    data = _upload(exported)
    data["uploads"][0] = SimpleUploadedFile("households\x00.csv", exported["households"])
    response = console_client.post("/console/imports/new/", data)
    assert response.status_code == 400 and not ImportRun.objects.exists()


def test_an_unknown_run_is_404(console_client):
    assert console_client.get("/console/imports/999999/").status_code == 404



def test_the_run_page_shows_the_first_200_issues_and_the_csv_holds_them_all(console_client, town_a):
    report = "ファイル,行,項目,値,規則,内容,message\r\n" + "".join(
        f"persons.csv,{n},宛名番号,x,check_digit,検査数字が違います。,bad\r\n" for n in range(2, 252))
    run = ImportRun.objects.create(town=town_a, layout="chukan-2.7", status=ImportStatus.REFUSED, progress=100,
                                   issues_count=250, report=report)
    page = console_client.get(f"/console/imports/{run.pk}/").content.decode()
    table = page[page.index('id="import-issues"'):].split("</table>")[0]
    assert table.count("<tr>") == 201 and "最初の 200件を表示しています（全 250件）" in page
    rows = console_client.get(f"/console/imports/{run.pk}/report.csv").content.decode("utf-8-sig").splitlines()
    assert len(rows) == 251 and rows[-1].startswith("persons.csv,251,")


def test_a_run_in_progress_is_polled_and_its_partial_keeps_polling(console_client, town_a):
    run = ImportRun.objects.create(town=town_a, layout="chukan-2.7", status=ImportStatus.CHECKING, progress=40)
    partial = console_client.get(f"/console/imports/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="/console/imports/{run.pk}/"' in partial and 'hx-trigger="every 1s"' in partial
    assert "<progress" in partial and "%" in partial and 'id="import-report-csv"' not in partial
