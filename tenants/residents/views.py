"""Staff portal pages of the residents registry (thin: parse input, call a service or selector)."""

from __future__ import annotations

import base64
import functools
import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kyodo.core import csvfile
from kyodo.core.display import person_name
from kyodo.core.input import optional_ascii_int

from . import foreign, kinds, permissions, selectors, services
from .certificates.inspection import render_inspection
from .certificates.issue import certificate_destroy, certificate_issue, certificate_refuse
from .dates import DatePrecision, parse_birth_date, parse_date, to_wareki
from .forms import (
    CertificateForm,
    DestroyForm,
    ExportForm,
    InspectionForm,
    LiftDecisionForm,
    LiftRequestForm,
    MeasureForm,
    RejectForm,
    SpecialMoveInForm,
    SuppressionForm,
)
from .models import (
    BlockedAttempt,
    Change,
    ChangeKind,
    Household,
    InspectionRequest,
    MeasureRequest,
    SupportMeasure,
    SuppressionLift,
)
from .protection import ResidentNotFound
from .services import inspection
from .suppression import AlertRequired, Refused

# How long a warning acknowledged in the portal (照会アラートの確認) stands for that member of staff.
ACK_SECONDS = 30 * 60
# Rows per page of the search results (at most selectors.SEARCH_LIMIT are found).
SEARCH_PAGE_SIZE = 20


def refused(request):
    return render(request, "core/refused.html", status=403)


def residents_view(check=permissions.can_read):
    """The town must have enabled 住民記録 and the user must hold a role for the page; a missing,
    protected or another town's record gets the same 404 page and message."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            town = request.tenant
            principal = getattr(request, "principal", None)  # resolved once by the access middleware
            if principal is None or not town.has_application(permissions.APPLICATION) or not check(principal, town):
                return refused(request)
            try:
                return view(request, town, *args, **kwargs)
            except ResidentNotFound as exc:
                return render(request, "residents/not_found.html", {"message": exc.message}, status=404)
            except AlertRequired as exc:
                return render(request, "residents/alert_gate.html", {
                    "messages_": exc.messages, "person_ids": exc.person_ids, "next": request.get_full_path()})
            except Refused as exc:  # a 照会 error (e.g. a court order): refused, with the block named
                return render(request, "residents/not_found.html", {"message": "；".join(exc.messages)},
                              status=403)
            except PermissionDenied:
                return refused(request)
        return wrapper

    return decorator


def _purpose(request, default: str) -> str:
    return (request.GET.get("purpose") or request.POST.get("purpose") or default)[:200]


def _flash_errors(request, exc: ValidationError) -> None:
    """A refused action's messages, shown on the page it goes back to."""
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(form) -> ValidationError:
    """A posted action form's own errors (label: message) as the services' ValidationError."""
    return ValidationError([f"{form.fields[f].label}: {m}" if f in form.fields else m
                            for f, ms in form.errors.items() for m in ms])


def _ack_key(town) -> str:
    return f"residents-alert-ack:{town.schema_name}"  # per town: a session never carries one town's into another


def _acknowledged(request, town) -> dict[int, str]:
    """The warnings this member of staff acknowledged in this town and session, still standing:
    person id -> the purpose they stated."""
    now = time.time()
    stored = request.session.get(_ack_key(town), {})
    return {int(pid): entry["purpose"] for pid, entry in stored.items()
            if isinstance(entry, dict) and now - entry.get("at", 0) < ACK_SECONDS}


def _safe_next(request, fallback: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    # Back to the page the form was on, but only on this host (never another town's or an outside site).
    next_url = request.POST.get("next", "")
    if not next_url.startswith(("/", "http://", "https://")) or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return fallback  # (a bare word would also be taken by redirect() for a view name)
    return next_url


@require_POST
@residents_view()
def acknowledge_alert(request, town):
    """照会アラート: the member of staff has read the warning and states why they need the record."""
    from kyodo.core.input import ascii_int

    purpose = request.POST.get("purpose", "").strip()
    person_ids = [ascii_int(p, field="person_ids") for p in request.POST.getlist("person_ids")][:50]
    if not purpose or len(purpose) > 200 or not person_ids:
        return render(request, "residents/alert_gate.html", {
            "messages_": ["照会の目的を入力してください（200文字以内）。"], "person_ids": person_ids,
            "next": _safe_next(request, reverse("residents:search")), "error": True}, status=400)
    stored = dict(request.session.get(_ack_key(town), {}))
    for pid in person_ids:
        stored[str(pid)] = {"purpose": purpose, "at": time.time()}
    request.session[_ack_key(town)] = stored
    return redirect(_safe_next(request, reverse("residents:search")))


@residents_view()
def search(request, town):
    query = request.GET.get("q", "").strip()
    include_removed = request.GET.get("removed") == "1"
    partial = request.GET.get("partial") == "1"
    rows, error = [], ""
    if query:
        try:
            rows = selectors.persons_search(actor=request.principal, town=town, query=query,
                                            include_removed=include_removed, partial=partial,
                                            limit=selectors.SEARCH_LIMIT, purpose=_purpose(request, "住民検索"))
        except ValidationError as exc:  # a number that cannot be a 宛名番号/世帯番号/住民票コード
            error = exc.messages[0]
    page = Paginator(rows, SEARCH_PAGE_SIZE).get_page(optional_ascii_int(request.GET.get("page"), field="page") or 1)
    # htmx (search-as-you-type, page links): only the results part; the whole page otherwise (docs/ui.md).
    template = "residents/_search_results.html" if request.htmx else "residents/search.html"
    return render(request, template, {
        "query": query, "rows": page.object_list, "page": page, "total": len(rows),
        "include_removed": include_removed, "partial": partial, "error": error,
        "searched": bool(query), "limit": selectors.SEARCH_LIMIT, "limit_hit": len(rows) >= selectors.SEARCH_LIMIT,
    }, status=400 if error and not request.htmx else 200)


# The longest date text checked as it is typed (a longer one is answered 400, and never parsed).
DATE_CHECK_MAX = 40


@residents_view(permissions.can_enter_change)
def date_check(request, town):
    """Inline validation of a date field (htmx, as staff type): the date read back in 和暦 (and 西暦),
    or the error the service would give. ``kind=birth`` also accepts the register's 不詳日. The value
    is the one parameter other than ``kind`` (the field's own name, e.g. ``p1_birth_date``)."""
    kind = request.GET.get("kind", "date")
    values = [v for k, v in request.GET.items() if k != "kind"]
    text = values[0].strip() if values else ""
    if len(text) > DATE_CHECK_MAX:
        return HttpResponse(f"{DATE_CHECK_MAX}文字以内で入力してください。", status=400,
                            content_type="text/plain; charset=utf-8")
    if not text:
        return HttpResponse("")
    try:
        if kind == "birth":
            birth = parse_birth_date(text, label="生年月日")
            shown = birth.text if not birth.is_exact else f"{to_wareki(birth.earliest)}（{birth.earliest.year}年）"
        else:
            day = parse_date(text, label="日付")
            shown = f"{to_wareki(day)}（{day.year}年{day.month}月{day.day}日）"
    except ValidationError as exc:
        return render(request, "residents/_date_check.html", {"error": exc.messages[0]})
    return render(request, "residents/_date_check.html", {"shown": shown})


# The longest code text checked as it is typed (a 続柄 chain or a list of 宛名番号; longer: 400).
CODE_CHECK_MAX = 200
CODE_CHECKS = ("relationship", "atena", "atenas")
ATENA_LABELS = ("申出者", "併せて支援を求める者", "加害者")


def _check_answer(request, *, shown: str = "", error: str = ""):
    return render(request, "residents/_code_check.html", {"shown": shown, "error": error})


@residents_view()
def code_check(request, town):
    """Inline validation of a field that takes a code (htmx, as staff type): ``kind=relationship``
    (続柄, by the service's own rule) or ``atena`` / ``atenas`` (the 支援措置 form's 宛名番号, one or a
    「,」 list: the person's 氏名, or the service's 「…の住民が見つかりません。」). A 宛名番号 with digits
    other than ASCII (「１２」, 「²」), an unknown kind or an over-long value answers 400."""
    from kyodo.core.input import InvalidInput

    kind = request.GET.get("kind", "")
    values = [v for k, v in request.GET.items() if k not in ("kind", "label")]
    text = values[0].strip() if values else ""
    # whose 宛名番号 it is, as the service's message names them (anything else: the 申出者)
    label = request.GET.get("label", "")
    label = label if label in ATENA_LABELS else ATENA_LABELS[0]
    if kind not in CODE_CHECKS:
        raise InvalidInput("kind", "確認の種類が不正です。", "Unknown check kind.")
    longest = 12 if kind == "atena" else CODE_CHECK_MAX
    if len(text) > longest:
        raise InvalidInput("value", f"{longest}文字以内で入力してください。", f"At most {longest} characters.")
    if not text:
        return HttpResponse("")
    if kind == "relationship":
        if not permissions.can_enter_change(request.principal, town):
            return refused(request)
        try:
            return _check_answer(request, shown=f"続柄「{services.validate_relationship(text)}」")
        except ValidationError as exc:
            return _check_answer(request, error=exc.messages[0])
    if not permissions.can_manage_measures(request.principal, town):
        return refused(request)
    atenas = [a.strip() for a in text.replace("、", ",").split(",") if a.strip()] if kind == "atenas" else [text]
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise InvalidInput("value", "宛名番号は半角数字で入力してください。", "A 宛名番号 is ASCII digits.")
    shown = []
    for atena in atenas[:10]:
        version = selectors.person_by_atena(actor=request.principal, town=town, atena=atena)
        if version is None:  # the very message support_measure_create gives for this field
            return _check_answer(request, error=f"{label}の住民が見つかりません。")
        shown.append(f"{atena} {person_name(version)}")
    return _check_answer(request, shown="、".join(shown))


@residents_view()
def person_detail(request, town, pk):
    as_of, as_of_text, as_of_error = _as_of(request)
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, as_of=as_of,
                                purpose=_purpose(request, "住民照会"), alert_purpose=_acknowledged(request, town))
    manages = permissions.can_manage_measures(request.principal, town)
    cancelled_ids, corrected_by = selectors.history_marks(view.history)
    return render(request, "residents/person_detail.html", {
        "view": view, "v": view.version, "as_of_text": as_of_text, "as_of_error": as_of_error,
        "cancelled_ids": cancelled_ids, "corrected_by": corrected_by,
        "as_of_wareki": to_wareki(as_of) if as_of else "",
        "can_issue": permissions.can_issue_certificate(request.principal, town),
        "blocks": selectors.person_suppressions(actor=request.principal, town=town, person_id=view.person.pk)
        if manages else [],
        "suppression_form": SuppressionForm() if manages else None,
        "lift_form": LiftRequestForm() if view.protected else None,
        **selectors.resident_kind_context(view=view),
    })


def _as_of(request):
    text = request.GET.get("as_of", "").strip()
    if not text:
        return None, "", ""
    try:
        return parse_date(text, label="基準日"), text, ""
    except ValidationError as exc:
        return None, text, exc.messages[0]


@residents_view()
def household_detail(request, town, pk):
    as_of, as_of_text, as_of_error = _as_of(request)
    members = selectors.household_get(actor=request.principal, town=town, household_id=pk, as_of=as_of,
                                      purpose=_purpose(request, "世帯照会"), alert_purpose=_acknowledged(request, town))
    return render(request, "residents/household_detail.html", {
        "members": members, "household_id": pk, "as_of": as_of, "as_of_text": as_of_text,
        "as_of_error": as_of_error, "as_of_wareki": to_wareki(as_of) if as_of else ""})


def _submit(request, town, form, kind, data):
    try:
        change = services.change_submit(actor=request.principal, town=town, kind=kind,
                                        notified_on=form.cleaned_data["notified_on"],
                                        effective_on=form.cleaned_data["effective_on"], data=data,
                                        alert_purpose=_acknowledged(request, town))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    messages.success(request, f"仮登録しました（受付番号 {change.pk}）。別の職員の審査・決裁で本登録になります。")
    blocker = selectors.change_approval_blocker(change=change)
    if blocker:
        messages.warning(request, blocker)
    return redirect(reverse("residents:change_detail", args=[change.pk]))


def _page_spec(entry: str, kind) -> kinds.ChangeKindSpec:
    """The kind this page starts, or the uniform 404 (before anything is read or audited)."""
    spec = kinds.started_from(entry, kind)
    if spec is None:
        raise ResidentNotFound()
    return spec


@residents_view(permissions.can_enter_change)
def move_in(request, town):
    spec = _page_spec(kinds.NEW, ChangeKind.MOVE_IN)
    form = spec.bind_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _submit(request, town, form, spec.kind, spec.data_from(kinds.Page(form)))
        if response:
            return response
    return render(request, "residents/move_in_form.html", {"form": form}, status=400 if form.errors else 200)


@residents_view(permissions.can_enter_change)
def change_for_person(request, town, pk, kind):
    """The kinds started from a person's page (転居・転出・死亡・職権消除・出生 into that household)."""
    spec = _page_spec(kinds.PERSON, kind)
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="異動入力",
                                alert_purpose=_acknowledged(request, town))
    form = spec.bind_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        page = kinds.Page(form, person_id=view.person.pk, household_id=view.version.household_id)
        response = _submit(request, town, form, spec.kind, spec.data_from(page))
        if response:
            return response
    return render(request, "residents/change_form.html", {"form": form, "title": spec.title, "v": view.version},
                  status=400 if form.errors else 200)


@residents_view(permissions.can_enter_change)
def household_change(request, town, pk, kind):
    """The kinds started from a household's page (世帯主変更・世帯分離・世帯合併): a 続柄 per member
    (分離: only the members who leave)."""
    spec = _page_spec(kinds.HOUSEHOLD, kind)
    members = selectors.household_get(actor=request.principal, town=town, household_id=pk, purpose="異動入力",
                                      alert_purpose=_acknowledged(request, town))
    form = spec.bind_form(request.POST or None)
    posted = {str(m.person_id): request.POST.get(f"relationship_{m.person_id}", m.relationship) for m in members}
    chosen = set(request.POST.getlist("person_ids"))
    target_number = request.POST.get("target_number", "").strip()
    if request.method == "POST" and form.is_valid():
        target = Household.objects.filter(number=target_number).first() if target_number else None
        page = kinds.Page(form, household_id=pk, relationships=posted, chosen=frozenset(chosen),
                          target_household_id=target.pk if target else None)
        response = _submit(request, town, form, spec.kind, spec.data_from(page))
        if response:
            return response
    rows = [(m, posted[str(m.person_id)], str(m.person_id) in chosen) for m in members]
    return render(request, "residents/household_change_form.html", {
        "form": form, "title": spec.title, "kind": spec.kind.value, "rows": rows,
        "target_number": request.POST.get("target_number", ""),
    }, status=400 if form.errors else 200)


@residents_view(permissions.can_enter_change)
def correct(request, town, pk):
    """職権修正: the form starts from the current record; only the items changed are submitted."""
    spec = _page_spec(kinds.CORRECTION, ChangeKind.EX_OFFICIO_CORRECT)
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="異動入力",
                                alert_purpose=_acknowledged(request, town))
    v = view.version
    current = {k: getattr(v, k) for k in services.CORRECTABLE}
    # 生年月日 as the register states it: a 不詳日 keeps its wording (「昭和10年月日不詳」)
    current["birth_date"] = v.birth_date_note if v.birth_date_precision != DatePrecision.EXACT and \
        v.birth_date_note else v.birth_date.isoformat()
    current.update(foreign.correction_initial(v))  # 住民種別, 旧氏 and the 外国人住民 items
    form = spec.bind_form(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        response = _submit(request, town, form, spec.kind, spec.data_from(kinds.Page(form, person_id=view.person.pk)))
        if response:
            return response
    return render(request, "residents/change_form.html", {"form": form, "title": spec.title, "v": v},
                  status=400 if form.errors else 200)


# Rows per page of the approval queue and of the audit log.
QUEUE_PAGE_SIZE = 20
AUDIT_PAGE_SIZE = 50


@residents_view()
def approval_queue(request, town):
    """審査・決裁待ち, filtered by 異動 and paged; htmx gets the rows part only (docs/ui.md)."""
    kind = request.GET.get("kind", "")
    if kind and kind not in ChangeKind.values:
        kind = ""  # an unknown kind is no filter (the select only offers known ones)
    items = selectors.changes_pending(actor=request.principal, town=town, kind=kind)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(optional_ascii_int(request.GET.get("page"), field="page") or 1)
    template = "residents/_approval_rows.html" if request.htmx else "residents/approval_queue.html"
    return render(request, template, {"items": page.object_list, "page": page, "total": len(items), "kind": kind,
                                      "kinds": ChangeKind.choices})


@residents_view()
def change_detail(request, town, pk):
    item = selectors.change_get(actor=request.principal, town=town, change_id=pk,
                                alert_purpose=_acknowledged(request, town))
    blocker = None if item.address_hidden else selectors.change_approval_blocker(change=item.change)
    return render(request, "residents/change_detail.html", {"item": item, "c": item.change, "blocker": blocker,
                                                             "reject_form": RejectForm()})


@require_POST
@residents_view(permissions.can_approve_changes)
def change_decide(request, town, pk):
    try:
        change = Change.objects.get(pk=int(pk))
    except Change.DoesNotExist:
        raise ResidentNotFound("該当する異動が見つかりません。") from None
    try:
        if request.POST.get("decision") == "approve":
            services.change_approve(actor=request.principal, town=town, change=change,
                                    alert_purpose=_acknowledged(request, town))
            messages.success(request, f"受付番号 {change.pk} を決裁しました（本登録）。")
        else:
            services.change_reject(actor=request.principal, town=town, change=change, reason=request.POST.get("reason", ""))
            messages.success(request, f"受付番号 {change.pk} を差し戻しました。")
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect(reverse("residents:change_detail", args=[change.pk]))
    return redirect(reverse("residents:approval_queue"))


@residents_view(permissions.can_issue_certificate)
def certificate_new(request, town, pk):
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="証明書交付",
                                alert_purpose=_acknowledged(request, town))
    status = view.version.status
    removed = status in ("moved_out", "deceased", "removed")
    initial_kind = "move_out" if status in ("moved_out", "moving_out") else "copy"
    form = CertificateForm(request.POST or None, initial={"kind": initial_kind, "requester_relation": "本人",
                                                          "copies": "1", "layout": "individual"})
    # A 転出証明書 or a 除票 lists the persons who left; they are no longer household members.
    members = [view.version] if removed or status == "moving_out" else view.household
    if request.method == "POST" and form.is_valid():
        chosen = request.POST.getlist("person_ids") or [str(view.person.pk)]
        d = form.cleaned_data
        request_items = {"actor": request.principal, "town": town, "kind": d["kind"], "person_ids": chosen,
                         "requester_name": d["requester_name"], "requester_relation": d["requester_relation"],
                         "purpose": d["purpose"]}
        try:
            if "refuse" in request.POST:
                certificate_refuse(**request_items, reason_code=d["reason_code"], reason=d["reason"])
                messages.success(request, "不交付として交付履歴に記録しました。")
                return redirect(reverse("residents:issuance_list"))
            issued = certificate_issue(
                **request_items, copies=d["copies"] or "1", layout=d["layout"] or "individual",
                requester_birth_date=d["requester_birth_date"], requester_atena=d["requester_atena"],
                options={k: d[k] for k in ("include_relationship", "include_honseki", "include_resident_code",
                                           "include_my_number", "include_nationality", "include_stay_items")},
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            number = issued.issuance.serials[0].rsplit(" ", 1)[-1]
            filename = f"certificate-{number}.pdf"
            if issued.needs_attention:
                # 文字超過 (or a variant no font has): the clerk sees the alert before printing.
                return render(request, "residents/certificate_issued.html", {
                    "issued": issued, "filename": filename,
                    "pdf_base64": base64.b64encode(issued.pdf).decode("ascii")})
            response = HttpResponse(issued.pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["X-Certificate-Serial"] = number
            return response
    return render(request, "residents/certificate_form.html", {"form": form, "view": view, "members": members},
                  status=400 if form.errors else 200)


@residents_view()
def issuance_list(request, town):
    return render(request, "residents/issuance_list.html",
                  {"rows": selectors.issuances_list(actor=request.principal, town=town),
                   "destroy_form": DestroyForm(),
                   "can_issue": permissions.can_issue_certificate(request.principal, town)})


@residents_view()
def issuance_csv(request, town):
    """交付履歴 as a CSV file (``?encoding=utf-8-sig|cp932``), through the same helper as the 住民一覧."""
    try:
        encoding = csvfile.parse_encoding(request.GET.get("encoding"))
    except ValueError:
        return HttpResponse("文字コードが正しくありません（utf-8-sig または cp932）。", status=400,
                            content_type="text/plain; charset=utf-8")
    rows = selectors.issuances_list(actor=request.principal, town=town, limit=10_000)
    try:
        body = csvfile.encode(selectors.ISSUANCE_COLUMNS, [selectors.issuance_cells(r) for r in rows],
                              encoding=encoding, record_of=lambda row: f"交付番号 {row[0]}")
    except csvfile.Unencodable as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return csvfile.response(body, encoding=encoding, name=csvfile.filename("issuances", town.code))


@require_POST
@residents_view(permissions.can_issue_certificate)
def issuance_destroy(request, town, pk):
    form = DestroyForm(request.POST)
    try:
        certificate_destroy(actor=request.principal, town=town, issuance_id=pk,
                            reason=form.data.get("reason", ""))
    except ValidationError as exc:
        _flash_errors(request, exc)
        return render(request, "residents/issuance_list.html",
                      {"rows": selectors.issuances_list(actor=request.principal, town=town),
                       "destroy_form": form, "can_issue": True}, status=400)
    messages.success(request, "処分を交付履歴に記録しました。")
    return redirect(reverse("residents:issuance_list"))


@residents_view(permissions.can_supervise)
def overflow_list(request, town):
    return render(request, "residents/overflow_list.html",
                  {"rows": selectors.overflow_list(actor=request.principal, town=town)})


@residents_view(permissions.can_export)
def export_page(request, town):
    """住民一覧の出力: a form asking the purpose and the character encoding; posting it (or a GET with
    ``purpose``, as links and scripts have used ``export.csv``) produces the file, all or nothing."""
    data = request.POST if request.method == "POST" else request.GET
    if request.method != "POST" and "purpose" not in data:
        return render(request, "residents/export.html", {"form": ExportForm()})
    form = ExportForm(data)
    if form.is_valid():
        try:
            encoding = csvfile.parse_encoding(form.cleaned_data["encoding"])
            rows = selectors.residents_export(actor=request.principal, town=town,
                                              purpose=form.cleaned_data["purpose"],
                                              district=form.cleaned_data["district"], encoding=encoding)
            body = csvfile.encode(selectors.EXPORT_COLUMNS, rows, encoding=encoding,
                                  record_of=selectors.export_record)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except csvfile.Unencodable as exc:
            form.add_error("encoding", exc.message)
        else:
            return csvfile.response(body, encoding=encoding, name=csvfile.filename("residents", town.code))
    return render(request, "residents/export.html", {"form": form}, status=400)


def _atena_person(atena: str) -> int | str:
    """The person id of a 宛名番号, or — when no person has it — a text the service cannot read as an
    id (「…の住民が見つかりません。」): an unknown 宛名番号 must never be taken for an internal id."""
    return selectors.person_id_by_atena(atena) or f"atena:{atena}"


def _measure_input(d: dict) -> dict:
    """The measure form's fields as the service takes them (宛名番号 resolved to persons)."""
    subjects = [{"person_id": _atena_person(a), "relation": d["subject_relation"]}
                for a in d["subject_atenas"]]
    aggressors = []
    if d["aggressor_name"]:
        aggressors.append({"name": d["aggressor_name"], "name_kana": d["aggressor_kana"],
                           "birth_date": d["aggressor_birth_date"], "sex": d["aggressor_sex"],
                           "address": d["aggressor_address"],
                           "person_id": _atena_person(d["aggressor_atena"]) if d["aggressor_atena"] else None})
    return {"person_id": _atena_person(d["atena_number"]), "kind": d["kind"],
            "starts_on": d["starts_on"], "ends_on": d["ends_on"], "note": d["note"], "subjects": subjects,
            "aggressors": aggressors, "restricted_services": d["restricted_services"]}


@residents_view(permissions.can_manage_measures)
def measures(request, town):
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.support_measure_create(actor=request.principal, town=town, **_measure_input(form.cleaned_data))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "支援措置を登録しました。")
            return redirect(reverse("residents:measures"))
    releases = permissions.can_release_suppression(request.principal, town)
    return render(request, "residents/measures.html", {
        "form": form, "rows": selectors.measures_list(actor=request.principal, town=town),
        "requests": selectors.measure_requests_pending(actor=request.principal, town=town),
        "alerts": selectors.measure_alerts(actor=request.principal, town=town),
        "lifts": selectors.lifts_pending(actor=request.principal, town=town) if releases else [],
        "lift_form": LiftDecisionForm(),
    }, status=400 if form.errors else 200)


@require_POST
@residents_view(permissions.can_manage_measures)
def measure_action(request, town, pk):
    """延長, 仮支援措置の決定, or the request to end it (decided by a second member of staff)."""
    action = request.POST.get("action", "")
    try:
        if action == "extend":
            measure = services.support_measure_extend(actor=request.principal, town=town, measure_id=pk)
            messages.success(request, f"延長しました（終了日 {to_wareki(measure.ends_on)}）。")
        elif action == "confirm":
            services.support_measure_confirm(actor=request.principal, town=town, measure_id=pk)
            messages.success(request, "支援措置として決定しました。")
        elif action == "end":
            to_end = SupportMeasure.objects.filter(pk=pk).first()
            if to_end is None:
                raise ResidentNotFound()
            services.support_measure_request(actor=request.principal, town=town, measure=to_end, kind="end",
                                             purpose=request.POST.get("purpose", ""))
            messages.success(request, "終了を申請しました。別の職員の決裁が必要です。")
        else:
            messages.error(request, "操作を選んでください。")
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(reverse("residents:measures"))


@require_POST
@residents_view(permissions.can_manage_measures)
def measure_decide(request, town, pk):
    try:
        req = MeasureRequest.objects.get(pk=pk)
        services.support_measure_decide(actor=request.principal, town=town, request=req,
                                        approve=request.POST.get("decision") == "approve")
        messages.success(request, "決裁しました。")
    except MeasureRequest.DoesNotExist:
        raise ResidentNotFound() from None
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(reverse("residents:measures"))


@require_POST
@residents_view()
def lift_request(request, town, pk):
    """一時解除の申請 from a protected person's page (after the warning)."""
    form = LiftRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_errors(form)
        services.lift_request(actor=request.principal, town=town, person_id=pk, purpose=form.cleaned_data["purpose"])
        messages.success(request, "一時解除を申請しました。支援措置責任者の決裁後、1回に限り交付できます。")
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(reverse("residents:person_detail", args=[pk]))


@require_POST
@residents_view(permissions.can_release_suppression)
def lift_decide(request, town, pk):
    form = LiftDecisionForm(request.POST)
    try:
        lift = SuppressionLift.objects.get(pk=pk)
        if not form.is_valid():
            raise _form_errors(form)
        services.lift_decide(actor=request.principal, town=town, lift=lift,
                             approve=request.POST.get("decision") == "approve", reason=form.cleaned_data["reason"],
                             valid_minutes=form.cleaned_data["valid_minutes"] or 60)
        messages.success(request, "決裁しました。")
    except SuppressionLift.DoesNotExist:
        raise ResidentNotFound() from None
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(reverse("residents:measures"))


@require_POST
@residents_view(permissions.can_manage_measures)
def suppression_set(request, town, pk):
    """抑止の設定 on a person (消除対象者, 裁判所等の命令 …) from their page."""
    form = SuppressionForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_errors(form)
        d = form.cleaned_data
        services.suppression_set(actor=request.principal, town=town, person_id=pk, process=d["process"],
                                 severity=d["severity"], reason=d["reason"], starts_on=d["starts_on"],
                                 ends_on=d["ends_on"], note=d["note"])
        messages.success(request, "抑止を設定しました。")
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(reverse("residents:person_detail", args=[pk]))


@require_POST
@residents_view(permissions.can_manage_measures)
def suppression_end(request, town, pk):
    try:
        block = services.suppression_end(actor=request.principal, town=town, suppression_id=pk,
                                         reason=request.POST.get("reason", ""))
        messages.success(request, "抑止を解除しました。")
        return redirect(reverse("residents:person_detail", args=[block.person_id]) if block.person_id
                        else reverse("residents:search"))
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(_safe_next(request, reverse("residents:search")))


@residents_view(permissions.can_supervise)
def alerts(request, town):
    if request.method == "POST":
        from kyodo.core.input import ascii_int

        attempt_id = ascii_int(request.POST.get("attempt"), field="attempt")  # "²" is a 400, not a 500
        attempt = BlockedAttempt.objects.filter(pk=attempt_id).first()
        if attempt:
            services.blocked_attempt_acknowledge(actor=request.principal, town=town, attempt=attempt)
        return redirect(reverse("residents:alerts"))
    return render(request, "residents/alerts.html",
                  {"attempts": selectors.blocked_attempts(actor=request.principal, town=town)})


@residents_view(permissions.can_read_audit)
def audit_log(request, town):
    """監査ログ, filtered by 宛名番号 and 操作 and paged; htmx gets the entries part only (docs/ui.md)."""
    from .display import AUDIT_ACTIONS

    atena = request.GET.get("atena", "").strip()
    optional_ascii_int(atena, field="atena")  # 「２」, 「²」 or 40 digits: 400
    action = request.GET.get("action", "")
    action = action if action in AUDIT_ACTIONS else ""
    page, rows, report = selectors.audit_entries(
        actor=request.principal, town=town, atena=atena, action=action, per_page=AUDIT_PAGE_SIZE,
        page=optional_ascii_int(request.GET.get("page"), field="page") or 1)
    template = "residents/_audit_rows.html" if request.htmx else "residents/audit_log.html"
    return render(request, template, {"rows": rows, "page": page, "report": report, "atena": atena,
                                      "action": action, "actions": sorted(AUDIT_ACTIONS.items())})


# --- 再転入・特例転入・誤記修正・取消 ------------------------------------------------------------------

@residents_view(permissions.can_enter_change)
def returning_find(request, town):
    """再転入の照合 (from the 転入届 page): former residents by 住民票コード, or by 氏名 and 生年月日."""
    params = {k: request.GET.get(k, "").strip()[:100] for k in ("resident_code", "name", "birth_date")}
    rows, errors = [], {}
    if any(params.values()):
        try:
            rows = selectors.former_residents_find(actor=request.principal, town=town, **params)
        except ValidationError as exc:
            errors = exc.message_dict
    return render(request, "residents/returning_find.html", {
        "params": params, "rows": rows, "errors": errors, "searched": any(params.values())},
        status=400 if errors else 200)


@residents_view(permissions.can_enter_change)
def re_move_in(request, town, pk):
    """再転入 of the former resident ``pk``: the 転入届 with their items as person 1."""
    spec = _page_spec(kinds.RETURNING, ChangeKind.RE_MOVE_IN)
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="再転入の入力",
                                alert_purpose=_acknowledged(request, town))
    v = view.version
    initial = {f"p0_{k}": getattr(v, k) for k in ("family_name", "given_name", "family_name_kana", "given_name_kana",
                                                  "sex", "honseki", "hittousha")}
    initial.update(p0_birth_date=v.birth_date.isoformat(), p0_resident_code=view.person.resident_code,
                   p0_relationship="世帯主")
    form = spec.bind_form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = _submit(request, town, form, spec.kind, spec.data_from(kinds.Page(form, person_id=view.person.pk)))
        if response:
            return response
    return render(request, "residents/re_move_in_form.html", {"form": form, "view": view, "v": v, "title": spec.title},
                  status=400 if form.errors else 200)


@residents_view(permissions.can_enter_change)
def special_move_in(request, town):
    """特例転入: the 転出証明書情報 is read (「読み込む」 shows what it holds) and then entered as a 転入."""
    from .services.moveout_certificate import parse_record

    spec = _page_spec(kinds.SPECIAL, ChangeKind.SPECIAL_MOVE_IN)
    form = spec.bind_form(request.POST or None, request.FILES or None)
    assert isinstance(form, SpecialMoveInForm)
    record, matches = None, []
    if request.method == "POST" and form.is_valid():
        text = form.record_text()
        try:
            record = parse_record(text) if not form.errors else None
        except ValidationError as exc:
            form.add_service_errors(exc)
        if record is not None:
            for person in record.persons:
                matches += selectors.former_residents_find(actor=request.principal, town=town,
                                                           resident_code=person["resident_code"], purpose="特例転入の照合")
            if request.POST.get("action") != "preview":
                page = kinds.Page(form, record_text=text, returning=frozenset(m.person_id for m in matches))
                response = _submit(request, town, form, spec.kind, spec.data_from(page))
                if response:
                    return response
    return render(request, "residents/special_move_in_form.html", {
        "form": form, "title": spec.title, "record": record, "matches": {m.person.resident_code: m for m in matches},
    }, status=400 if form.errors else 200)


@residents_view(permissions.can_enter_change)
def clerical_correction(request, town, pk):
    """誤記修正: names the history row with the error; only the items filled in are corrected."""
    spec = _page_spec(kinds.CLERICAL, ChangeKind.CLERICAL_CORRECTION)
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="異動入力",
                                alert_purpose=_acknowledged(request, town))
    form = spec.bind_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _submit(request, town, form, spec.kind, spec.data_from(kinds.Page(form, person_id=view.person.pk)))
        if response:
            return response
    return render(request, "residents/clerical_correction_form.html", {
        "form": form, "title": spec.title, "view": view, "v": view.version}, status=400 if form.errors else 200)


@residents_view(permissions.can_enter_change)
def cancel(request, town, pk):
    """異動の取消し of the person's latest change; the kind (取消(増)・(減)・(修正)) follows from it."""
    latest = selectors.latest_change_get(actor=request.principal, town=town, person_id=pk,
                                         alert_purpose=_acknowledged(request, town))
    spec = kinds.cancellation_for(latest.change.kind)
    form = spec.bind_form(request.POST or None) if spec else None
    if spec and form and request.method == "POST" and form.is_valid():
        page = kinds.Page(form, person_id=latest.view.person.pk, change_id=latest.change.pk,
                          person_ids=tuple(latest.person_ids))
        response = _submit(request, town, form, spec.kind, spec.data_from(page))
        if response:
            return response
    return render(request, "residents/cancel_form.html", {
        "form": form, "spec": spec, "latest": latest, "c": latest.change, "v": latest.view.version,
    }, status=400 if (form is not None and form.errors) or (spec is None and request.method == "POST") else 200)


# --- 閲覧 (住民基本台帳の一部の写し) ----------------------------------------------------------------

@residents_view()
def inspection_list(request, town):
    return render(request, "residents/inspection_list.html", {
        "rows": selectors.inspection_requests_list(actor=request.principal, town=town),
        "can_request": permissions.can_request_inspection(request.principal, town)})


@residents_view(permissions.can_request_inspection)
def inspection_new(request, town):
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = inspection.inspection_request_create(actor=request.principal, town=town, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"閲覧申出を受け付けました（申出番号 {created.pk}）。別の職員の決裁が必要です。")
            return redirect(reverse("residents:inspection_detail", args=[created.pk]))
    return render(request, "residents/inspection_form.html", {"form": form}, status=400 if form.errors else 200)


@residents_view()
def inspection_detail(request, town, pk):
    item = selectors.inspection_request_get(actor=request.principal, town=town, request_id=pk)
    return render(request, "residents/inspection_detail.html", {
        "r": item, "can_decide": permissions.can_decide_inspection(request.principal, town, item)})


@require_POST
@residents_view(permissions.can_decide_inspections)
def inspection_decide(request, town, pk):
    pk = services.parse_id(pk)  # a path id too big for the database reads like a missing one
    item = InspectionRequest.objects.filter(pk=pk).first() if pk is not None else None
    if item is None:
        raise ResidentNotFound("該当する閲覧申出が見つかりません。")
    try:
        inspection.inspection_request_decide(actor=request.principal, town=town, request=item,
                                             approve=request.POST.get("decision") == "approve",
                                             reason=request.POST.get("reason", ""))
        messages.success(request, f"申出番号 {item.pk} を決裁しました。")
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(reverse("residents:inspection_detail", args=[item.pk]))


def _extract_header(extract) -> list[tuple[str, str]]:
    r = extract.request
    ages = "指定なし" if r.age_min is None and r.age_max is None else \
        f"{'' if r.age_min is None else r.age_min}〜{'' if r.age_max is None else r.age_max}歳"
    area = " ".join(x for x in (f"町名 {r.address_prefix}" if r.address_prefix else "",
                                f"行政区 {r.district}" if r.district else "") if x)
    return [("申出番号", str(r.pk)), ("申出者", r.requester_name), ("範囲", area),
            ("年齢", f"{ages}（{to_wareki(r.age_on)}現在）"), ("作成日", to_wareki(timezone.localdate()))]


@residents_view()
def inspection_pdf(request, town, pk):
    extract = selectors.inspection_extract(actor=request.principal, town=town, request_id=pk, output="pdf")
    pdf = render_inspection(header=_extract_header(extract), columns=selectors.INSPECTION_COLUMNS,
                            rows=[row.cells() for row in extract.rows], footer=f"以上 {len(extract.rows)} 人")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="inspection-{extract.request.pk}.pdf"'
    return response


@residents_view()
def inspection_csv(request, town, pk):
    extract = selectors.inspection_extract(actor=request.principal, town=town, request_id=pk, output="csv")
    # UTF-8 with a BOM, so that spreadsheet software on the counter PCs reads it as UTF-8 (the extract
    # goes to the requester as it is; no character is ever refused).
    body = csvfile.encode(selectors.INSPECTION_COLUMNS, (row.cells() for row in extract.rows),
                          encoding=csvfile.UTF8_BOM, record_of=lambda row: str(row[0]))
    return csvfile.response(body, encoding=csvfile.UTF8_BOM,
                            name=csvfile.filename(f"inspection-{extract.request.pk}", town.code))
