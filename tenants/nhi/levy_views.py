"""賦課の画面 (thin: parse input, call a service or selector, render): a household's levy step by step with
「再計算」, 一括再計算 for approvers (a Celery task carrying the principal), rate tables with propose/approve,
the income import."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kyodo.core.input import InvalidInput, ascii_int
from kyodo.identity.principal import task_principal

from . import levy_selectors, levy_services, permissions, tasks
from .levy_forms import IncomeImportForm, ProposeTableForm
from .levy_models import RateTable
from .selectors import NotFound
from .views import _errors, nhi_view


def _year(request, source) -> int:
    """The fiscal year asked for (``year``), else the latest with an approved table, else this one."""
    raw = source.get("year") or source.get("fiscal_year")
    if raw in (None, ""):
        today = timezone.localdate()
        return levy_selectors.latest_levy_year() or (today.year if today.month >= 4 else today.year - 1)
    year = ascii_int(raw, field="year")
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", "年度は西暦4桁（例: 2025）で指定してください。", "year must be a year such as 2025.")
    return year


@nhi_view(permissions.can_levy)
def levy_home(request, town):
    year = _year(request, request.GET)
    if "household" in request.GET:
        return redirect(reverse("nhi:levy_household", args=[ascii_int(request.GET["household"], field="household")])
                        + f"?year={year}")
    return render(request, "nhi/levy_home.html", {
        "year": year, "stats": levy_selectors.levy_statistics(year),
        "may_bulk": permissions.can_approve_levy(request.principal, town)})


@require_POST
@nhi_view(permissions.can_approve_levy)
def levy_bulk(request, town):
    year = _year(request, request.POST)
    tasks.assessments_recalculate.delay(schema_name=town.schema_name, fiscal_year=year,
                                        principal=task_principal(request.principal, "nhi.levy.bulk"))
    messages.success(request, f"{year}年度の一括再計算を開始しました。終わると各世帯の賦課が更新されます。")
    return redirect(reverse("nhi:levy_home") + f"?year={year}")


@nhi_view(permissions.can_levy)
def levy_household(request, town, pk):
    household_id, year = ascii_int(pk, field="pk"), _year(request, request.GET)
    view = levy_selectors.household_levy(actor=request.principal, town=town, household_id=household_id,
                                         fiscal_year=year)
    return render(request, "nhi/levy_household.html", {"v": view, "year": year})


@require_POST
@nhi_view(permissions.can_levy)
def levy_household_recalculate(request, town, pk):
    household_id, year = ascii_int(pk, field="pk"), _year(request, request.POST)
    try:
        done = levy_services.assessment_calculate(actor=request.principal, town=town, household_id=household_id,
                                                  fiscal_year=year)
    except ValidationError as exc:
        view = levy_selectors.household_levy(actor=request.principal, town=town, household_id=household_id,
                                             fiscal_year=year)
        return render(request, "nhi/levy_household.html", {"v": view, "year": year, "errors": _errors(exc)},
                      status=400)
    messages.success(request, f"再計算しました: 年税額 {done.total:,}円")
    return redirect(reverse("nhi:levy_household", args=[household_id]) + f"?year={year}")


def _tables_page(request, town, *, form=None, errors=(), status=200):
    tables = levy_selectors.ratetables_list(actor=request.principal, town=town)
    rows = [(t, json.dumps(t.data, ensure_ascii=False, indent=1)) for t in tables]
    return render(request, "nhi/levy_tables.html", {
        "rows": rows, "form": form or ProposeTableForm(), "errors": errors,
        "may_decide": permissions.can_approve_levy(request.principal, town),
        "may_propose": permissions.can_propose_tables(request.principal, town)}, status=status)


@nhi_view(permissions.can_levy)
def levy_tables(request, town):
    if request.method != "POST":
        return _tables_page(request, town)
    if not permissions.can_propose_tables(request.principal, town):
        return render(request, "core/refused.html", status=403)
    form = ProposeTableForm(request.POST)
    if form.is_valid():
        try:
            row = levy_services.ratetable_propose(actor=request.principal, town=town,
                                                  fiscal_year=form.cleaned_data["fiscal_year"],
                                                  text=form.cleaned_data["text"], note=form.cleaned_data["note"])
            messages.success(request, f"{row.fiscal_year}年度の税率表の変更を提案しました（別の職員の承認を待ちます）。")
            return redirect("nhi:levy_tables")
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else "text", msgs)
    return _tables_page(request, town, form=form, status=400)


@require_POST
@nhi_view(permissions.can_propose_tables)
def levy_table_carry(request, town, pk):
    table_id = ascii_int(pk, field="pk")
    try:
        row = levy_services.ratetable_carry_forward(actor=request.principal, town=town, source_table_id=table_id,
                                                    fiscal_year=request.POST.get("fiscal_year", ""),
                                                    note=request.POST.get("note", ""))
    except ValidationError as exc:
        return _tables_page(request, town, errors=_errors(exc), status=400)
    messages.success(request, f"{row.fiscal_year}年度の税率表（据置）を提案しました（別の職員の承認を待ちます）。")
    return redirect("nhi:levy_tables")


@require_POST
@nhi_view(permissions.can_approve_levy)
def levy_table_decide(request, town, pk):
    table_id = ascii_int(pk, field="pk")
    approve = request.POST.get("decision") == "approve"
    try:
        row = levy_services.ratetable_decide(actor=request.principal, town=town, table_id=table_id, approve=approve,
                                             reason=request.POST.get("reason", ""))
    except RateTable.DoesNotExist as exc:
        raise NotFound from exc
    except ValidationError as exc:
        return _tables_page(request, town, errors=_errors(exc), status=400)
    messages.success(request, f"{row.fiscal_year}年度の税率表を{'承認' if approve else '却下'}しました。")
    return redirect("nhi:levy_tables")


@nhi_view(permissions.can_import_incomes)
def levy_incomes(request, town):
    form = IncomeImportForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = levy_services.incomes_import(actor=request.principal, town=town, raw=upload.read(),
                                                  file=upload.name[:200], load_valid=form.cleaned_data["load_valid"])
            status = 400 if report.issues and not report.loaded else 200
        else:
            status = 400
    return render(request, "nhi/levy_incomes.html", {"form": form, "report": report}, status=status)
