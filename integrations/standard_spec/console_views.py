"""データ移行（取込） in the consortium console: upload a standard-layout set of files for a town, follow
the run (progress polled with htmx, or reloaded without JavaScript), read its issues and download the
report. 県管理者 only, like every console page. Thin: the form parses, services and selectors act."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from kyodo.console.views import prefecture_admin_required
from kyodo.core import csvfile
from kyodo.core.input import ascii_int, optional_ascii_int
from kyodo.identity.principal import task_principal
from kyodo.tenancy import selectors as tenancy_selectors

from . import selectors
from .forms import ImportUploadForm
from .models import ImportStatus
from .residents import SourceFile
from .services import import_progress, import_run_create, kind_of

RUNS_PAGE_SIZE = 20
COUNT_LABELS = {"households_read": "世帯（ファイルの行）", "persons_read": "個人（ファイルの行）",
                "history_read": "履歴（ファイルの行）", "measures_read": "支援措置（ファイルの行）",
                "households": "取り込んだ世帯", "persons": "取り込んだ個人", "changes": "取り込んだ異動",
                "versions": "取り込んだ履歴",
                "measures": "開始した支援措置", "issues": "誤り", "audit_entries": "監査記録"}
FINISHED = (ImportStatus.LOADED, ImportStatus.REFUSED, ImportStatus.FAILED)


def _enqueue(run, principal: dict) -> None:
    from .tasks import import_run

    import_run.delay(run_id=run.pk, principal=principal)


@prefecture_admin_required
def import_list(request):
    """取込の一覧: newest first, paged."""
    page_number = optional_ascii_int(request.GET.get("page"), field="page") or 1
    page = Paginator(selectors.import_runs_list(), RUNS_PAGE_SIZE).get_page(page_number)
    return render(request, "standard_spec/console/import_list.html", {"page": page})


@prefecture_admin_required
def import_new(request):
    """The upload form; a valid submission creates the run, enqueues it and shows the run page."""
    towns = tenancy_selectors.municipality_choices()
    form = ImportUploadForm(request.POST or None, request.FILES or None, towns=towns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sources = [SourceFile(kind_of(f.name) or "", f.name, f.read()) for f in data["uploads"]]
        try:
            run = import_run_create(actor=request.user, town=tenancy_selectors.municipality_get_by_code(data["town"]),
                                    layout=data["layout"], files=sources, form=data["form"],
                                    encoding=data["encoding"], load_valid_part=data["load_valid_part"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = "uploads" if field == "files" else field
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            principal = task_principal(request.user, "console:standard_spec-import")
            # After commit: a worker must find the run and its files.
            transaction.on_commit(lambda: _enqueue(run, principal))
            messages.success(request, f"{run.town.name}への取込を受け付けました（受付番号 {run.pk}）。")
            return redirect("console:import_run", run_id=run.pk)
    return render(request, "standard_spec/console/import_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _run_or_404(run_id: str):
    run = selectors.import_run_get(ascii_int(run_id, field="run_id"))
    if run is None:
        raise Http404
    return run


@prefecture_admin_required
def import_run_detail(request, run_id):
    """One run: status and progress (the partial alone for htmx's poll), then counts, files and issues."""
    run = _run_or_404(run_id)
    finished = run.status in FINISHED
    header, issues = selectors.import_run_issues(run, actor=request.user) if finished else ([], [])
    context = {"run": run, "progress": import_progress(run), "finished": finished,
               "files": selectors.import_run_files(run),
               "counts": [(COUNT_LABELS.get(k, k), v) for k, v in run.counts.items()], "issue_header": header, "issues": issues,
               "issues_shown": selectors.ISSUES_SHOWN,
               "poll_url": reverse("console:import_run", kwargs={"run_id": run.pk})}
    if request.htmx:
        return render(request, "standard_spec/console/_import_status.html", context)
    return render(request, "standard_spec/console/import_run.html", context)


@prefecture_admin_required
def import_report_csv(request, run_id):
    """The whole report as CSV (UTF-8 with BOM, opens in Excel); the download is audited."""
    run = _run_or_404(run_id)
    header, rows = selectors.import_report_read(actor=request.user, run=run)
    data = csvfile.encode(header or ["ファイル", "行", "項目", "値", "規則", "内容", "message"], rows,
                          encoding=csvfile.UTF8_BOM, record_of=lambda row: f"{row[0]} {row[1]}行")
    return csvfile.response(data, encoding=csvfile.UTF8_BOM,
                            name=csvfile.filename(f"import-{run.pk}-report", run.town.code))

