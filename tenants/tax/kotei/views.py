"""固定資産税's pages (thin: parse input, call a selector or service, render)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kyodo.core.input import InvalidInput, ascii_int
from tenants.tax import audit, permissions
from tenants.tax.common import fiscal_year_label
from tenants.tax.views import decide_posted, tax_view

from . import document, selectors, services
from .forms import NoticeImportForm, ParcelSearchForm

DEFAULT_YEAR = 2025


def _year(request) -> int:
    text = request.GET.get("year", "") or request.POST.get("fiscal_year", "") or str(DEFAULT_YEAR)
    year = ascii_int(text, field="year")
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", "年度は2000〜2100の西暦で入力してください。", "The fiscal year is out of range.")
    return year


def _posted_year(request) -> int:
    year = ascii_int(request.POST.get("fiscal_year", ""), field="fiscal_year")  # "２０２５" is refused (400)
    if not 2000 <= year <= 2100:
        raise InvalidInput("fiscal_year", "年度は2000〜2100の西暦で入力してください。", "The fiscal year is out of range.")
    return year


@tax_view()
def parcels(request, town):
    form = ParcelSearchForm(request.GET or None)
    rows, status = None, 200
    if request.GET:
        if form.is_valid() and any(form.cleaned_data.values()):
            rows = selectors.parcels_search(actor=request.principal, town=town, **form.cleaned_data)
        elif not form.is_valid():
            status = 400
    return render(request, "tax/kotei/parcels.html", {"form": form, "rows": rows}, status=status)


@tax_view()
def parcel(request, town, pk):
    detail = selectors.parcel_detail(actor=request.principal, town=town, parcel_id=ascii_int(pk, field="pk"))
    return render(request, "tax/kotei/parcel.html", {"d": detail})


@tax_view()
def assessments(request, town):
    year = _year(request)
    rows, totals = selectors.assessments_list(actor=request.principal, town=town, fiscal_year=year)
    return render(request, "tax/kotei/assessments.html",
                  {"rows": rows, "totals": totals, "year": year, "year_label": fiscal_year_label(year),
                   "can_decide": permissions.can_decide(request.principal, town)})


@require_POST
@tax_view(permissions.can_decide)
def calculate(request, town):
    year = _posted_year(request)
    try:
        counts = services.assessments_calculate(actor=request.principal, town=town, fiscal_year=year)
        messages.success(request, f"{fiscal_year_label(year)}: 納税義務者 {counts['taxpayers']:,}人・物件 "
                                  f"{counts['parcels']:,}件を計算しました（計算対象外 {counts['unsupported']:,}人）。")
    except FileNotFoundError:
        messages.error(request, f"{fiscal_year_label(year)}の税率表がありません。")
    return redirect(f"/tax/kotei/assessments/?year={year}")


@require_POST
@tax_view(permissions.can_decide)
def issue(request, town):
    year = _posted_year(request)
    try:
        counts = services.notices_issue(actor=request.principal, town=town, fiscal_year=year)
        messages.success(request, f"{fiscal_year_label(year)}: 納税通知書 {counts['notices']:,}通"
                                  f"（調定 {counts['charges']:,}期分）を発付しました。")
    except FileNotFoundError:
        messages.error(request, f"{fiscal_year_label(year)}の税率表がありません。")
    return redirect(f"/tax/kotei/assessments/?year={year}")


@tax_view()
def assessment(request, town, pk):
    detail = selectors.assessment_detail(actor=request.principal, town=town, assessment_id=ascii_int(pk, field="pk"))
    return render(request, "tax/kotei/assessment.html", {"d": detail, "a": detail.assessment,
                                                         "year_label": fiscal_year_label(detail.assessment.fiscal_year)})


@tax_view()
def assessment_pdf(request, town, pk):
    detail = selectors.assessment_detail(actor=request.principal, town=town, assessment_id=ascii_int(pk, field="pk"),
                                         purpose="固定資産税の納税通知書の印刷")
    pdf = document.render_notice(detail, town.name)
    audit.record(town=town, actor=request.principal, action="kotei.notice.print", person_id=detail.assessment.person_id,
                 purpose="固定資産税の納税通知書の印刷", assessment=detail.assessment.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kotei-{detail.assessment.pk}.pdf"'
    return response


@tax_view(permissions.can_record)
def notices(request, town):
    form = NoticeImportForm(request.POST or None, request.FILES or None)
    problems, batch, items, status = None, None, [], 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.notices_import(actor=request.principal, town=town, raw_bytes=upload.read(),
                                                filename=upload.name[:200])
                items = selectors.revaluation_items(actor=request.principal, town=town)
                items = [i for i in items if i.source_key.startswith("notice:")
                         and int(i.proposed.get("notice", 0)) in set(batch.items.values_list("pk", flat=True))]
            except services.NoticeImportError as exc:
                problems, status = exc.problems, 400
        else:
            status = 400
    return render(request, "tax/kotei/notices.html",
                  {"form": form, "problems": problems, "batch": batch, "items": items,
                   "batches": selectors.batches(actor=request.principal, town=town)}, status=status)


@tax_view()
def work(request, town):
    items = selectors.revaluation_items(actor=request.principal, town=town)
    return render(request, "tax/kotei/work.html", {"items": items})


@require_POST
@tax_view(permissions.can_record)
def work_decide(request, town, pk):
    """評価変更の処理 from the 固定資産税 work list (back to it, with errors by field)."""
    decide_posted(request, town, pk)
    return redirect("tax:kotei_work")
