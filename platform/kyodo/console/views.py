"""共同利用コンソール: prefecture administrators see every town's state, onboard, suspend and resume
towns, and read the platform audit log. Thin views."""

from __future__ import annotations

import csv
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kyodo.audit.labels import (
    OUTCOMES,
    PLATFORM_ACTIONS,
    action_label,
    detail_items,
    outcome_label,
    target_type_label,
)
from kyodo.audit.services import platform_audit_record
from kyodo.identity.permissions import is_prefecture_admin
from kyodo.tenancy import selectors, services
from kyodo.tenancy.models import MunicipalityStatus

from . import selectors as console_selectors
from .forms import AUDIT_FILTERS, MunicipalityCreateForm, StatusChangeForm, audit_filter_parse

AUDIT_PAGE_SIZE = 50


def prefecture_admin_required(view):
    """県管理者 only. Anyone else signed in (a town's staff) gets 403, and the attempt is recorded in
    the platform audit log (who, which path, refused)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_prefecture_admin(request.user):
            platform_audit_record(
                actor=request.user, action="console.access_refused", target_type="path",
                target_id=request.path_info[:64], outcome="refused",
                detail={"path": request.path_info[:200], "method": request.method[:10]},
            )
            return render(request, "core/refused.html", status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@prefecture_admin_required
def municipality_list(request):
    """団体一覧: each town's figures, backups, event lag and failures, and the consortium totals."""
    return render(request, "console/municipality_list.html", {"overview": console_selectors.console_overview()})


@prefecture_admin_required
def event_status(request):
    """イベント配信状況: per town and consumer, how far behind, failing or parked the relay is."""
    from kyodo.tenantlog.selectors import relay_status_all

    return render(request, "console/event_status.html", {"rows": relay_status_all()})


@prefecture_admin_required
def municipality_create(request):
    form = MunicipalityCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            town = services.municipality_provision(
                actor=request.user, code=form.cleaned_data["code"], name=form.cleaned_data["name"],
                name_kana=form.cleaned_data["name_kana"], prefecture=form.cleaned_data["prefecture"] or None,
                hosts=form.host_list(), applications=form.cleaned_data["applications"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{town.name}（{town.code}）を構築しました。")
            return redirect("console:municipality_list")
    return render(request, "console/municipality_form.html", {"form": form})


STATUS_ACTIONS = {
    # name: (service, status it applies to, verb, what happens)
    "suspend": (services.municipality_suspend, MunicipalityStatus.SUSPENDED, "一時停止",
                "この団体のすべての画面（ログイン画面を含む）に「この団体は現在利用停止中です」とだけ表示され、"
                "職員は再開まで利用できなくなります。"),
    "resume": (services.municipality_resume, MunicipalityStatus.ACTIVE, "再開",
               "この団体の職員が再び利用できるようになります。"),
}


def _status_change(request, code: str, name: str):
    """The confirmation page (GET) and the change itself (POST with a reason and the confirmation)."""
    service, _, verb, effect = STATUS_ACTIONS[name]
    town = selectors.municipality_get_by_code(code)
    if town is None:
        raise Http404
    form = StatusChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, town=town, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{town.name}を{verb}しました。")
            return redirect("console:municipality_list")
    return render(request, "console/status_confirm.html",
                  {"town": town, "form": form, "verb": verb, "effect": effect, "action": name},
                  status=400 if form.errors else 200)


@prefecture_admin_required
def municipality_suspend(request, code):
    return _status_change(request, code, "suspend")


@prefecture_admin_required
def municipality_resume(request, code):
    return _status_change(request, code, "resume")


@prefecture_admin_required
def audit_log(request):
    """監査ログ（共同利用）: filtered, newest first, paginated; the same filters download as CSV."""
    filters, page_number = audit_filter_parse(request.GET)
    entries = console_selectors.platform_audit_search(filters)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(page_number)
    query = {name: request.GET.get(name, "") for name in AUDIT_FILTERS if request.GET.get(name)}
    # htmx (a filter changed, a page link): the entries part only; the whole page otherwise (docs/ui.md).
    template = "console/_audit_results.html" if request.htmx else "console/audit_log.html"
    return render(request, template, {
        "page": page, "filters": filters, "query": urlencode(query),
        "rows": [(e, action_label(e.action), outcome_label(e.outcome), target_type_label(e.target_type),
                  detail_items(e.detail)) for e in page.object_list],
        "actions": sorted(PLATFORM_ACTIONS.items(), key=lambda item: item[0]), "outcomes": OUTCOMES.items(),
        "towns": selectors.municipality_choices(),
    })


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A CSV cell Excel will not run as a formula (a leading = + - @ gets an apostrophe)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = ["日時", "団体コード", "利用者", "操作", "操作コード", "結果", "対象の種類", "対象", "理由・目的",
              "詳細", "連番"]


@prefecture_admin_required
def audit_log_csv(request):
    """The filtered audit log as CSV, UTF-8 with BOM (opens in Excel); the download is itself audited."""
    filters, _ = audit_filter_parse(request.GET)
    entries = console_selectors.platform_audit_search(filters)
    platform_audit_record(actor=request.user, action="console.audit_export", target_type="audit",
                          target_id="platform",
                          detail={name: request.GET.get(name, "") for name in AUDIT_FILTERS if request.GET.get(name)})
    writer = csv.writer(_Echo())
    tz = timezone.get_current_timezone()

    def rows():
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for e in entries.iterator(chunk_size=2000):
            yield writer.writerow([_cell(v) for v in (
                timezone.localtime(e.created_at, tz).strftime("%Y-%m-%d %H:%M:%S"), e.municipality_code,
                e.actor_username, action_label(e.action), e.action, outcome_label(e.outcome), target_type_label(e.target_type),
                e.target_id, e.purpose, json.dumps(e.detail, ensure_ascii=False, sort_keys=True), e.seq)])

    stamp = timezone.localtime(timezone.now(), tz).strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="platform-audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
