"""税務's shared pages (thin: parse input, call a service or selector, render): the top page and the 作業一覧.
Each tax's own pages are in ``tenants/tax/<tax>/views.py``; they use :func:`tax_view` too."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kyodo.core.appviews import application_view
from kyodo.core.input import InvalidInput, ascii_int

from . import permissions, selectors, services
from .forms import DecideForm
from .models import TaxKind, WorkItem, WorkKind, WorkStatus


def tax_view(check=permissions.can_read):
    """The town must have enabled 税務 and the caller hold a 税務課 role for the page; a missing record and
    another town's record get the same 404."""
    return application_view(check, not_found=(selectors.NotFound, WorkItem.DoesNotExist),
                            not_found_template="tax/not_found.html")


def errors_of(exc: ValidationError) -> list[str]:
    return [m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs]


@tax_view()
def home(request, town):
    counts = {t.value: WorkItem.objects.filter(tax=t, status=WorkStatus.PENDING).count() for t in TaxKind}
    return render(request, "tax/home.html", {"counts": counts, "can_decide": permissions.can_decide(request.principal, town)})


@tax_view()
def workitems(request, town):
    tax = request.GET.get("tax", "")
    kind = request.GET.get("kind", "")
    if tax not in {"", *TaxKind.values} or kind not in {"", *WorkKind.values}:
        raise InvalidInput("tax" if tax not in {"", *TaxKind.values} else "kind", "税目または作業の種類が正しくありません。",
                           "unknown tax or work kind")
    items = selectors.workitems_pending(actor=request.principal, town=town, tax=tax, kind=kind)
    return render(request, "tax/workitems.html", {"items": items, "tax": tax, "kind": kind,
                                                  "taxes": TaxKind.choices, "kinds": WorkKind.choices})


def decide_posted(request, town, pk) -> None:
    """A 作業's decision as posted (``decision``, ``note``, ``value-<name>`` for an adjustment), with the outcome
    as a message: the core 作業一覧 and each tax's own work list post here and go back to their page."""
    item_id = ascii_int(pk, field="pk")  # a bad id is a 400 (InvalidInput), before anything else
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "処理できません: " + "；".join(str(m) for msgs in form.errors.values() for m in msgs))
        return
    values = {k[len("value-"):]: v for k, v in request.POST.items() if k.startswith("value-")}
    try:
        item = services.workitem_decide(actor=request.principal, town=town, item_id=item_id,
                                        decision=form.cleaned_data["decision"], note=form.cleaned_data["note"],
                                        values=values)
        messages.success(request, f"{item.get_status_display()}: {item.summary}")
    except ValidationError as exc:
        messages.error(request, "処理できません: " + "；".join(errors_of(exc)))


@require_POST
@tax_view(permissions.can_record)
def workitem_decide(request, town, pk):
    decide_posted(request, town, pk)
    return redirect("tax:workitems")
