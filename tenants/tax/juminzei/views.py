"""個人住民税's pages (thin: parse input, call a service or selector, render): 納税義務者一覧, 納税義務者
(所得資料, 計算の過程, 期別, 通知書 PDF), 所得資料の取込, and the year's 抽出・一括計算・通知書の発付 (税務課長)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kyodo.core.input import InvalidInput, ascii_int
from tenants.tax import permissions
from tenants.tax.common import fiscal_year_label
from tenants.tax.selectors import NotFound
from tenants.tax.views import errors_of, tax_view

from . import document, selectors, services
from .forms import IncomeImportForm
from .models import Taxpayer


def default_year() -> int:
    """The fiscal year of today (April to March)."""
    today = timezone.localdate()
    year = today.year if today.month >= 4 else today.year - 1
    return min(max(year, services.FIRST_YEAR), services.LAST_YEAR)


def _year(source) -> int:
    raw = source.get("year", "")
    if raw in ("", None):
        return default_year()
    year = ascii_int(raw, field="year")
    if not services.FIRST_YEAR <= year <= services.LAST_YEAR:
        raise InvalidInput("year", f"年度は {services.FIRST_YEAR}〜{services.LAST_YEAR} で指定してください。",
                           "year out of range")
    return year


def _years(year: int) -> list[tuple[int, str, bool]]:
    return [(y, fiscal_year_label(y), y == year) for y in range(services.LAST_YEAR, services.FIRST_YEAR - 1, -1)]


@tax_view()
def taxpayers(request, town):
    year = _year(request.GET)
    page = ascii_int(request.GET.get("page", "1") or "1", field="page")
    if not 1 <= page <= 10_000:
        raise InvalidInput("page", "ページ番号が正しくありません。", "page out of range")
    query = request.GET.get("q", "")
    rows, count = selectors.taxpayers_search(actor=request.principal, town=town, fiscal_year=year, query=query,
                                             page=page)
    pages = (count + selectors.PAGE - 1) // selectors.PAGE
    return render(request, "tax/juminzei/taxpayers.html", {
        "year": year, "year_label": fiscal_year_label(year), "years": _years(year), "rows": rows, "count": count,
        "q": query, "page": page, "pages": pages, "may_decide": permissions.can_decide(request.principal, town)})


@tax_view()
def taxpayer(request, town, pk):
    person_id = ascii_int(pk, field="pk")
    year = _year(request.GET)
    detail = selectors.taxpayer_detail(actor=request.principal, town=town, fiscal_year=year, person_id=person_id)
    return render(request, "tax/juminzei/taxpayer.html", {
        "year": year, "year_label": fiscal_year_label(year), "d": detail, "hidden_address": selectors.HIDDEN,
        "may_record": permissions.can_record(request.principal, town)})


@require_POST
@tax_view(permissions.can_record)
def taxpayer_recalculate(request, town, pk):
    person_id = ascii_int(pk, field="pk")
    year = _year(request.POST)
    try:
        row = services.assessment_calculate(actor=request.principal, town=town, fiscal_year=year, person_id=person_id)
    except Taxpayer.DoesNotExist as exc:
        raise NotFound from exc
    messages.success(request, f"再計算しました: 年税額 {row.total:,}円" if row.status == "ok"
                     else f"自動計算の対象外です: {row.reason}")
    return redirect(reverse("tax:juminzei_taxpayer", args=[person_id]) + f"?year={year}")


@tax_view()
def notice_pdf(request, town, pk):
    assessment_id = ascii_int(pk, field="pk")
    assessment, taxpayer_row, charges, hidden, explanation = selectors.notice_for(
        actor=request.principal, town=town, assessment_id=assessment_id)
    pdf = document.render_notice(document.notice_data(town_name=town.name, assessment=assessment,
                                                      taxpayer=taxpayer_row, charges=charges, hidden=hidden,
                                                      explanation=explanation))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="juminzei-{assessment.notice_no}.pdf"'
    return response


@tax_view(permissions.can_record)
def incomes(request, town):
    form = IncomeImportForm(request.POST or None, request.FILES or None,
                            initial={"fiscal_year": str(default_year())})
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.incomes_import(actor=request.principal, town=town,
                                                fiscal_year=form.cleaned_data["fiscal_year"], data=upload.read(),
                                                filename=upload.name[:200])
                messages.success(request, f"{batch.filename} の {batch.rows}件を取り込みました。")
                return redirect(reverse("tax:juminzei_year") + f"?year={batch.fiscal_year}")
            except ValidationError as exc:
                errors, status = errors_of(exc), 400
        else:
            status = 400
    return render(request, "tax/juminzei/incomes.html", {"form": form, "errors": errors}, status=status)


@tax_view()
def year(request, town):
    fiscal_year = _year(request.GET)
    summary = selectors.year_summary(actor=request.principal, town=town, fiscal_year=fiscal_year)
    return render(request, "tax/juminzei/year.html", {
        "year": fiscal_year, "year_label": fiscal_year_label(fiscal_year), "years": _years(fiscal_year),
        "s": summary, "may_decide": permissions.can_decide(request.principal, town),
        "may_record": permissions.can_record(request.principal, town)})


def _year_action(request, town, action):
    fiscal_year = _year(request.POST)
    try:
        text = action(fiscal_year)
        messages.success(request, text)
    except ValidationError as exc:
        messages.error(request, "処理できません: " + "；".join(errors_of(exc)))
    return redirect(reverse("tax:juminzei_year") + f"?year={fiscal_year}")


@require_POST
@tax_view(permissions.can_record)
def year_link(request, town):
    def act(fiscal_year):
        r = services.taxpayers_link(actor=request.principal, town=town, fiscal_year=fiscal_year)
        return f"{fiscal_year_label(fiscal_year)}の納税義務者を抽出しました: 新たに {r.created}人（計 {r.total}人）"
    return _year_action(request, town, act)


@require_POST
@tax_view(permissions.can_decide)
def year_calculate(request, town):
    def act(fiscal_year):
        r = services.assessments_calculate(actor=request.principal, town=town, fiscal_year=fiscal_year)
        return (f"{fiscal_year_label(fiscal_year)}の税額を計算しました: {r.calculated}人（変更なし {r.unchanged}人、"
                f"自動計算の対象外 {r.unsupported}人）")
    return _year_action(request, town, act)


@require_POST
@tax_view(permissions.can_decide)
def year_issue(request, town):
    def act(fiscal_year):
        r = services.notices_issue(actor=request.principal, town=town, fiscal_year=fiscal_year)
        return f"通知書を {r.notices}件発付しました（調定 {r.charges}件、更正により置き換え {r.replaced}件）。"
    return _year_action(request, town, act)
