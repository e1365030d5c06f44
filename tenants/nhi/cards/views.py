"""資格確認書の画面 (thin): 交付 form, 再交付, 返還, PDF download; reached from the person's 資格履歴."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kyodo.core.input import ascii_int

from .. import permissions, selectors
from ..views import _errors, nhi_view
from . import selectors as card_selectors
from . import services
from .forms import IssueForm, ReissueForm, ReturnForm


def _pdf(issued, status=200) -> HttpResponse:
    response = HttpResponse(issued.pdf, content_type="application/pdf", status=status)
    response["Content-Disposition"] = f'attachment; filename="nhi-card-{issued.issuance.serial}.pdf"'
    response["X-Card-Serial"] = issued.issuance.serial
    return response


def _not_found(request):
    return render(request, "nhi/not_found.html", status=404)


@nhi_view(permissions.can_issue_card)
def issue(request, town, pk):
    person_id = ascii_int(pk, field="pk")
    view = selectors.person_eligibility(actor=request.principal, town=town, person_id=person_id,
                                        purpose="資格確認書の交付")
    form = IssueForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                d = form.cleaned_data
                return _pdf(services.card_issue(actor=request.principal, town=town, person_id=person_id,
                                                kind=d["kind"], reason=d["reason"], rate=d["rate"]))
            except ValidationError as exc:
                for field, msgs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                    form.add_error(field if field in form.fields else None, msgs)
        status = 400
    return render(request, "nhi/card_issue.html", {"v": view, "form": form}, status=status)


@require_POST
@nhi_view(permissions.can_issue_card)
def reissue(request, town, pk):
    issuance_id = ascii_int(pk, field="pk")
    form = ReissueForm(request.POST)
    try:
        return _pdf(services.card_reissue(actor=request.principal, town=town, issuance_id=issuance_id,
                                          cause=form.data.get("cause", "")))
    except services.CardNotFound:
        return _not_found(request)
    except ValidationError as exc:
        return render(request, "nhi/card_error.html", {"errors": _errors(exc)}, status=400)


@require_POST
@nhi_view(permissions.can_issue_card)
def card_return(request, town, pk):
    issuance_id = ascii_int(pk, field="pk")
    form = ReturnForm(request.POST)
    destroyed = form.is_valid() and form.cleaned_data["destroyed"]
    try:
        row = services.card_return(actor=request.principal, town=town, issuance_id=issuance_id, destroyed=destroyed)
    except services.CardNotFound:
        return _not_found(request)
    except ValidationError as exc:
        return render(request, "nhi/card_error.html", {"errors": _errors(exc)}, status=400)
    messages.success(request, f"発行番号 {row.serial} の返還を記録しました。")
    return redirect("nhi:person_detail", pk=row.person_id)


@nhi_view()
def download(request, town, pk):
    issuance_id = ascii_int(pk, field="pk")
    try:
        return _pdf(card_selectors.card_pdf(actor=request.principal, town=town, issuance_id=issuance_id))
    except services.CardNotFound:
        return _not_found(request)
