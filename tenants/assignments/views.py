"""業務配分's pages (thin: parse input, call a service or selector, render)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kyodo.core.appviews import application_view
from kyodo.core.input import InvalidInput, ascii_int

from . import charts, intake, permissions, selectors, services
from .models import Office, Task

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[a-z0-9_-]{1,30}")


def _day(value: str | None) -> dt.date:
    if not value:
        return timezone.localdate()
    if not _DAY.fullmatch(value):
        raise InvalidInput("day", "日付は YYYY-MM-DD の半角で入力してください。", "day must be YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("day", "存在しない日付です。", "no such date") from None


def _code(value: str, field: str = "office") -> str:
    if not _CODE.fullmatch(value or ""):
        raise InvalidInput(field, "庁舎コードが正しくありません。", "bad office code")
    return value


def assignments_view(check=permissions.can_work):
    return application_view(check, not_found=(Office.DoesNotExist, Task.DoesNotExist),
                            not_found_template="assignments/not_found.html")


def _errors(exc: ValidationError) -> str:
    return "；".join(m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs)


@assignments_view()
def home(request, town):
    day = _day(request.GET.get("day"))
    rows, plan, pending = selectors.overview(actor=request.principal, town=town, day=day)
    alerts = selectors.sla_alerts(actor=request.principal, town=town, today=timezone.localdate())
    return render(request, "assignments/home.html", {
        "day": day, "rows": rows, "plan": plan, "pending": pending, "alerts": alerts,
        "can_manage": permissions.can_manage(request.principal, town)})


@require_POST
@assignments_view(permissions.can_manage)
def plan_make(request, town):
    day = _day(request.POST.get("day"))
    try:
        plan = services.plan_day(actor=request.principal, town=town, day=day)
        messages.success(request, f"{plan.assigned} 件を配分しました（残り {plan.left_over} 件は翌日以降）。")
    except ValidationError as exc:
        messages.error(request, "配分できません: " + _errors(exc))
    return redirect(f"/assignments/?day={day.isoformat()}")


@assignments_view()
def office(request, town, code):
    office, tasks = selectors.office_tasks(actor=request.principal, town=town, office_code=_code(code))
    others = Office.objects.filter(active=True).exclude(pk=office.pk)
    return render(request, "assignments/office.html", {
        "office": office, "tasks": tasks, "others": others,
        "can_manage": permissions.can_manage(request.principal, town)})


@require_POST
@assignments_view()
def block(request, town, code):
    code = _code(code)
    minutes = ascii_int(request.POST.get("minutes", ""), field="minutes")
    try:
        taken = services.block_take(actor=request.principal, town=town, office_code=code, minutes=minutes)
        messages.success(request, f"{minutes}分の枠で {len(taken)} 件を受け取りました。")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("assignments:office", code=code)


@require_POST
@assignments_view(permissions.can_manage)
def move(request, town, pk):
    task_id = ascii_int(pk, field="pk")
    target = _code(request.POST.get("office", ""))
    try:
        task = services.task_move(actor=request.principal, town=town, task_id=task_id, office_code=target,
                                  note=request.POST.get("note", ""))
        messages.success(request, f"{task.application_id} を移動しました。")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("assignments:office", code=target)


@require_POST
@assignments_view()
def finish(request, town, pk):
    task_id = ascii_int(pk, field="pk")
    action = request.POST.get("action", "")
    if action not in ("done", "return"):
        raise InvalidInput("action", "操作が正しくありません。", "action must be done or return")
    try:
        task = services.task_finish(actor=request.principal, town=town, task_id=task_id, returned=action == "return",
                                    note=request.POST.get("note", ""))
        messages.success(request, f"{task.application_id}: {task.get_status_display()}")
        code = request.POST.get("office", "")
        return redirect("assignments:office", code=_code(code)) if code else redirect("assignments:home")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("assignments:home")


@require_POST
@assignments_view()
def prefill(request, town, pk):
    task_id = ascii_int(pk, field="pk")
    code = request.POST.get("office", "")
    try:
        task = services.task_prefill_submit(actor=request.principal, town=town, task_id=task_id)
        messages.success(request, f"{task.application_id}: 国保へ作業を依頼しました。" if task.prefill.get("sent_event")
                         else f"{task.application_id}: 申請の内容で仮登録を作成しました（審査待ち）。")
    except ValidationError as exc:
        messages.error(request, "仮登録を作成できません: " + _errors(exc))
    return redirect("assignments:office", code=_code(code)) if code else redirect("assignments:home")


MAX_FILE = 20 * 1024 * 1024


@assignments_view(permissions.can_manage)
def intake_upload(request, town):
    errors: list = []
    batch = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["ファイルを選んでください。"]
        elif upload.size > MAX_FILE:
            errors = [f"ファイルは {MAX_FILE // 1024 // 1024} MB までです。"]
        else:
            try:
                batch = intake.applications_import(actor=request.principal, town=town, raw=upload.read(),
                                                   filename=upload.name or "upload")
            except intake.IntakeRefused as refused:
                errors = [str(e) for e in refused.errors[:200]]
        status = 400 if errors else 200
    else:
        status = 200
    return render(request, "assignments/intake.html", {"errors": errors, "batch": batch}, status=status)


@assignments_view()
def dashboard(request, town):
    end = _day(request.GET.get("end"))
    start = _day(request.GET.get("start")) if request.GET.get("start") else end.replace(day=1)
    if start > end or (end - start).days > 366:
        raise InvalidInput("start", "期間は開始日から終了日まで1年以内で指定してください。", "bad period")
    board = selectors.dashboard(actor=request.principal, town=town, start=start, end=end)
    form = request.GET.get("format", "")
    if form not in ("", "csv", "json"):
        raise InvalidInput("format", "形式は csv か json です。", "format must be csv or json")
    if form == "json":
        from django.http import JsonResponse

        head, *body = board.rows()
        return JsonResponse({"town": town.code, "start": start.isoformat(), "end": end.isoformat(),
                             "received": board.received, "hours_saved": board.hours_saved,
                             "rows": [dict(zip(head, row, strict=True)) for row in body]},
                            json_dumps_params={"ensure_ascii": False})
    if form == "csv":
        import csv

        from django.http import HttpResponse

        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="assignments-{town.code}-{start}-{end}.csv"'
        response.write("\ufeff")
        csv.writer(response).writerows(board.rows())
        return response
    return render(request, "assignments/dashboard.html", {
        "board": board, "start": start, "end": end,
        "completed_chart": charts.bars("庁舎ごとの完了件数", [(o.name, o.completed) for o in board.offices]),
        "idle_chart": charts.bars("可能時間の使用率", [(o.name, o.idle_used_percent) for o in board.offices], "%",
                                  scale=100)})


@assignments_view()
def attachment(request, town, pk):
    """A task's 添付ファイル, decrypted for the counter (audited)."""
    from django.http import HttpResponse

    from . import attachments
    from .models import Attachment

    item = Attachment.objects.select_related("task").filter(pk=ascii_int(pk, field="pk")).first()
    if item is None:
        raise Task.DoesNotExist
    try:
        content = attachments.read(town, item)
    except attachments.FilesUnavailable as exc:
        messages.error(request, str(exc))
        return redirect("assignments:home")
    from kyodo.tenantlog import audit as _audit

    _audit.record(application=permissions.APPLICATION, town=town, actor=request.principal, action="attachment.read",
                  person_id=item.task.person_id, purpose="業務配分（添付ファイルの確認）", task=item.task.application_id,
                  attachment=item.pk)
    response = HttpResponse(content, content_type=item.content_type)
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(item.filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
