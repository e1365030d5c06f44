"""Staff portal pages of the residents registry (thin: parse input, call a service or selector)."""

from __future__ import annotations

import csv
import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import foreign, kinds, permissions, selectors, services
from .certificates.issue import certificate_issue
from .dates import parse_date, to_wareki
from .forms import CertificateForm, MeasureForm, RejectForm
from .models import BlockedAttempt, Change, ChangeKind, Household, MeasureRequest, SupportMeasure
from .protection import ResidentNotFound


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
            except PermissionDenied:
                return refused(request)
        return wrapper

    return decorator


def _purpose(request, default: str) -> str:
    return (request.GET.get("purpose") or request.POST.get("purpose") or default)[:200]


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
    return render(request, "residents/search.html", {
        "query": query, "rows": rows, "include_removed": include_removed, "partial": partial, "error": error,
        "searched": bool(query), "limit": selectors.SEARCH_LIMIT, "limit_hit": len(rows) >= selectors.SEARCH_LIMIT,
    }, status=400 if error else 200)


@residents_view()
def person_detail(request, town, pk):
    as_of, as_of_text, as_of_error = _as_of(request)
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, as_of=as_of,
                                purpose=_purpose(request, "住民照会"))
    return render(request, "residents/person_detail.html", {
        "view": view, "v": view.version, "as_of_text": as_of_text, "as_of_error": as_of_error,
        "as_of_wareki": to_wareki(as_of) if as_of else "",
        "can_issue": permissions.can_issue_certificate(request.principal, town),
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
                                      purpose=_purpose(request, "世帯照会"))
    return render(request, "residents/household_detail.html", {
        "members": members, "household_id": pk, "as_of": as_of, "as_of_text": as_of_text,
        "as_of_error": as_of_error, "as_of_wareki": to_wareki(as_of) if as_of else ""})


def _submit(request, town, form, kind, data):
    try:
        change = services.change_submit(actor=request.principal, town=town, kind=kind,
                                        notified_on=form.cleaned_data["notified_on"],
                                        effective_on=form.cleaned_data["effective_on"], data=data)
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
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="異動入力")
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
    members = selectors.household_get(actor=request.principal, town=town, household_id=pk, purpose="異動入力")
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
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="異動入力")
    v = view.version
    current = {k: (v.birth_date.isoformat() if k == "birth_date" else getattr(v, k)) for k in services.CORRECTABLE}
    current.update(foreign.correction_initial(v))  # 住民種別, 旧氏 and the 外国人住民 items
    form = spec.bind_form(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        response = _submit(request, town, form, spec.kind, spec.data_from(kinds.Page(form, person_id=view.person.pk)))
        if response:
            return response
    return render(request, "residents/change_form.html", {"form": form, "title": spec.title, "v": v},
                  status=400 if form.errors else 200)


@residents_view()
def approval_queue(request, town):
    items = selectors.changes_pending(actor=request.principal, town=town)
    return render(request, "residents/approval_queue.html", {"items": items})


@residents_view()
def change_detail(request, town, pk):
    item = selectors.change_get(actor=request.principal, town=town, change_id=pk)
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
            services.change_approve(actor=request.principal, town=town, change=change)
            messages.success(request, f"受付番号 {change.pk} を決裁しました（本登録）。")
        else:
            services.change_reject(actor=request.principal, town=town, change=change, reason=request.POST.get("reason", ""))
            messages.success(request, f"受付番号 {change.pk} を差し戻しました。")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("residents:change_detail", args=[change.pk]))
    return redirect(reverse("residents:approval_queue"))


@residents_view(permissions.can_issue_certificate)
def certificate_new(request, town, pk):
    view = selectors.person_get(actor=request.principal, town=town, person_id=pk, purpose="証明書交付")
    moved_out = view.version.status in ("moved_out", "moving_out")
    form = CertificateForm(request.POST or None,
                           initial={"kind": "move_out" if moved_out else "copy", "requester_relation": "本人"})
    # A 転出証明書 lists the persons who moved out; they are no longer household members.
    members = [view.version] if moved_out else view.household
    if request.method == "POST" and form.is_valid():
        chosen = request.POST.getlist("person_ids") or [str(view.person.pk)]
        d = form.cleaned_data
        try:
            issued = certificate_issue(
                actor=request.principal, town=town, kind=d["kind"], person_ids=chosen,
                requester_name=d["requester_name"], requester_relation=d["requester_relation"], purpose=d["purpose"],
                options={k: d[k] for k in ("include_relationship", "include_honseki", "include_resident_code",
                                           "include_my_number", "include_nationality", "include_stay_items")},
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            response = HttpResponse(issued.pdf, content_type="application/pdf")
            number = issued.issuance.serial.rsplit(" ", 1)[-1]
            response["Content-Disposition"] = f'attachment; filename="certificate-{number}.pdf"'
            response["X-Certificate-Serial"] = number
            return response
    return render(request, "residents/certificate_form.html", {"form": form, "view": view, "members": members},
                  status=400 if form.errors else 200)


@residents_view()
def issuance_list(request, town):
    return render(request, "residents/issuance_list.html",
                  {"rows": selectors.issuances_list(actor=request.principal, town=town)})


@residents_view()
def export_csv(request, town):
    purpose = request.GET.get("purpose", "").strip()
    try:
        rows = selectors.residents_export(actor=request.principal, town=town, purpose=purpose,
                                          district=request.GET.get("district", ""))
    except ValidationError as exc:
        return HttpResponse("\n".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="residents.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.EXPORT_COLUMNS)
    writer.writerows(rows)
    return response


@residents_view(permissions.can_manage_measures)
def measures(request, town):
    form = MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        aggressors = [{"name": d["aggressor_name"], "name_kana": d["aggressor_kana"]}] if d["aggressor_name"] else []
        try:
            services.support_measure_create(actor=request.principal, town=town, person_id=d["person_id"],
                                            starts_on=d["starts_on"], ends_on=d["ends_on"], note=d["note"],
                                            aggressors=aggressors)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "支援措置を登録しました。")
            return redirect(reverse("residents:measures"))
    return render(request, "residents/measures.html", {
        "form": form, "measures": selectors.measures_list(actor=request.principal, town=town),
        "requests": selectors.measure_requests_pending(actor=request.principal, town=town),
        "alerts": selectors.measure_alerts(actor=request.principal, town=town),
    })


@require_POST
@residents_view()
def measure_request(request, town, pk):
    try:
        measure = SupportMeasure.objects.get(pk=int(pk))
        services.support_measure_request(actor=request.principal, town=town, measure=measure,
                                         kind=request.POST.get("kind", ""), purpose=request.POST.get("purpose", ""))
        messages.success(request, "申請しました。別の職員の決裁が必要です。")
    except SupportMeasure.DoesNotExist:
        raise ResidentNotFound() from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    from django.utils.http import url_has_allowed_host_and_scheme

    # Back to the page the form was on, but only on this host (never another town's or an outside site).
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("residents:search")
    return redirect(next_url)


@require_POST
@residents_view(permissions.can_manage_measures)
def measure_decide(request, town, pk):
    try:
        req = MeasureRequest.objects.get(pk=int(pk))
        services.support_measure_decide(actor=request.principal, town=town, request=req,
                                        approve=request.POST.get("decision") == "approve")
        messages.success(request, "決裁しました。")
    except MeasureRequest.DoesNotExist:
        raise ResidentNotFound() from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(reverse("residents:measures"))


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
    from kyodo.core.input import optional_ascii_int

    person = request.GET.get("person", "").strip()
    rows, report = selectors.audit_entries(actor=request.principal, town=town,
                                           person_id=optional_ascii_int(person, field="person"))
    return render(request, "residents/audit_log.html", {"rows": rows, "report": report, "person": person})
