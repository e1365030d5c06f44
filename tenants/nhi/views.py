"""国保の画面 (thin: parse input, call a service or selector, render)."""

from __future__ import annotations

import functools
import itertools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kyodo.core.input import ascii_int

from . import permissions, selectors, services
from .cards import selectors as card_selectors
from .cards.forms import ReissueForm, ReturnForm
from .forms import AcquireForm, DismissForm, LoseForm
from .models import WorkItem


def _refused(request):
    return render(request, "core/refused.html", status=403)


def nhi_view(check=permissions.can_read):
    """The town must have enabled 国保 and the caller hold a role for the page; a missing record and
    another town's record get the same 404."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            town, principal = request.tenant, getattr(request, "principal", None)
            if principal is None or not check(principal, town):
                return _refused(request)
            try:
                return view(request, town, *args, **kwargs)
            except (selectors.NotFound, WorkItem.DoesNotExist):
                return render(request, "nhi/not_found.html", status=404)
            except PermissionDenied:
                return _refused(request)
        return wrapper

    return decorator


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs]


@nhi_view()
def workitems(request, town):
    items = selectors.workitems_pending(actor=request.principal, town=town)
    groups = [(h, list(rows)) for h, rows in itertools.groupby(items, key=lambda i: i.household_id)]
    return render(request, "nhi/workitems.html", {"groups": groups, "total": len(items),
                                                  "dismiss_form": DismissForm()})


@require_POST
@nhi_view(permissions.can_record)
def workitem_confirm(request, town, pk):
    item_id = ascii_int(pk, field="pk")  # a bad id is a 400 (InvalidInput), before anything else
    try:
        item = services.workitem_confirm(actor=request.principal, town=town, item_id=item_id)
        messages.success(request, f"確定しました: {item.summary}")
    except ValidationError as exc:
        messages.error(request, "確定できません: " + "；".join(_errors(exc)))
    return redirect("nhi:workitems")


@require_POST
@nhi_view(permissions.can_record)
def workitem_dismiss(request, town, pk):
    item_id, form = ascii_int(pk, field="pk"), DismissForm(request.POST)
    try:
        item = services.workitem_dismiss(actor=request.principal, town=town, item_id=item_id,
                                         note=form.data.get("note", ""))
        messages.success(request, f"対象外としました: {item.summary}")
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return redirect("nhi:workitems")


@require_POST
@nhi_view(permissions.can_record)
def household_confirm(request, town, pk):
    household_id = ascii_int(pk, field="pk")
    try:
        done = services.workitems_confirm_household(actor=request.principal, town=town, household_id=household_id)
        messages.success(request, f"世帯の作業 {len(done)} 件を確定しました。")
    except ValidationError as exc:
        messages.error(request, "確定できません: " + "；".join(_errors(exc)))
    return redirect("nhi:workitems")


@nhi_view()
def person_detail(request, town, pk):
    view = selectors.person_eligibility(actor=request.principal, town=town, person_id=ascii_int(pk, field="pk"))
    cards = card_selectors.person_cards(actor=request.principal, town=town, person_id=view.person_id)
    return render(request, "nhi/person_detail.html", {
        "v": view, "cards": cards, "can_issue": permissions.can_issue_card(request.principal, town),
        "reissue_form": ReissueForm(), "return_form": ReturnForm()})


def _record_form(request, town, pk, *, form_class, title, call):
    person_id = ascii_int(pk, field="pk")
    view = selectors.person_eligibility(actor=request.principal, town=town, person_id=person_id,
                                        purpose=f"{title}の入力")
    form = form_class(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                call(person_id, form.cleaned_data)
                messages.success(request, f"{title}を記録しました。")
                return redirect("nhi:person_detail", pk=person_id)
            except ValidationError as exc:
                for field, msgs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                    form.add_error(field if field in form.fields else None, msgs)
        status = 400
    return render(request, "nhi/record_form.html", {"v": view, "form": form, "title": title}, status=status)


@nhi_view(permissions.can_record)
def acquire(request, town, pk):
    return _record_form(request, town, pk, form_class=AcquireForm, title="資格取得", call=lambda pid, d: (
        services.enrolment_acquire(actor=request.principal, town=town, person_id=pid, acquired_on=d["acquired_on"],
                                   reason=d["reason"], note=d["note"])))


@nhi_view(permissions.can_record)
def lose(request, town, pk):
    return _record_form(request, town, pk, form_class=LoseForm, title="資格喪失", call=lambda pid, d: (
        services.enrolment_lose(actor=request.principal, town=town, person_id=pid, lost_on=d["lost_on"],
                                reason=d["reason"], note=d["note"])))
