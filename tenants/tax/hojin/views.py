"""法人住民税's pages (thin: parse input, call a service or selector, render): corporation search, the
one-screen corporation inquiry, the corporation form and the return entry form. Bad input answers 400 with
the field named; another town's corporation and a missing one answer the same 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from kyodo.core.input import ascii_int

from .. import permissions
from ..views import tax_view
from . import selectors, services
from .forms import CorporationForm, ReturnForm, SearchForm
from .models import CorporateReturnKind


def _add_errors(form, exc: ValidationError) -> None:
    for name, msgs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        for message in msgs:
            form.add_error(name if name in form.fields else None, message)


@tax_view()
def corporations(request, town):
    form = SearchForm(request.GET or None)
    found, query = [], ""
    if form.is_bound and not form.is_valid():
        return render(request, "tax/hojin/corporations.html", {"form": form, "found": []}, status=400)
    if form.is_bound:
        query = form.cleaned_data["q"]
        found = selectors.corporations_search(actor=request.principal, town=town, query=query)
    return render(request, "tax/hojin/corporations.html",
                  {"form": form, "found": found, "query": query,
                   "can_record": permissions.can_record(request.principal, town)})


@tax_view()
def corporation_detail(request, town, pk):
    corporation_id = ascii_int(pk, field="pk")
    view = selectors.corporation_inquiry(actor=request.principal, town=town, corporation_id=corporation_id)
    return render(request, "tax/hojin/corporation.html",
                  {"v": view, "c": view.corporation, "can_record": permissions.can_record(request.principal, town)})


def _corporation_form(request, town, *, corporation=None):
    initial = ({name: getattr(corporation, name) for name in services.CORPORATION_FIELDS}
               if corporation is not None else None)
    form = CorporationForm(request.POST or None, initial=initial)
    if corporation is not None:
        form.fields["corporate_number"].disabled = True
    if request.method == "POST":
        if form.is_valid():
            try:
                if corporation is None:
                    saved = services.corporation_register(actor=request.principal, town=town,
                                                          data=form.cleaned_for_service())
                    messages.success(request, f"法人を登録しました: {saved.name}")
                else:
                    saved = services.corporation_update(actor=request.principal, town=town,
                                                        corporation_id=corporation.pk,
                                                        data=form.cleaned_for_service())
                    messages.success(request, f"法人の情報を変更しました: {saved.name}")
                return redirect("tax:hojin_corporation", saved.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
        status = 400
    else:
        status = 200
    title = "法人の登録" if corporation is None else "法人の変更"
    return render(request, "tax/hojin/corporation_form.html", {"form": form, "title": title, "c": corporation},
                  status=status)


@tax_view(permissions.can_record)
def corporation_new(request, town):
    return _corporation_form(request, town)


@tax_view(permissions.can_record)
def corporation_edit(request, town, pk):
    corporation = selectors.corporation_get(actor=request.principal, town=town,
                                            corporation_id=ascii_int(pk, field="pk"), purpose="法人の変更")
    return _corporation_form(request, town, corporation=corporation)


@tax_view(permissions.can_record)
def return_new(request, town, pk):
    corporation = selectors.corporation_get(actor=request.principal, town=town,
                                            corporation_id=ascii_int(pk, field="pk"), purpose="申告の入力")
    initial: dict = {"capital": corporation.capital, "capital_and_reserve": corporation.capital_and_reserve,
                     "employees": corporation.employees}
    corrects = request.GET.get("corrects", "")
    if corrects:
        corrects_id = ascii_int(corrects, field="corrects")
        original = next((r for r in selectors.corporation_returns(corporation) if r.pk == corrects_id), None)
        if original is None:
            raise selectors.NotFound
        initial.update({"kind": CorporateReturnKind.AMENDED, "corrects": original.pk,
                        "period_start": original.period_start, "period_end": original.period_end,
                        "capital": original.capital, "capital_and_reserve": original.capital_and_reserve,
                        "employees": original.employees, "corporate_tax": original.corporate_tax})
    form = ReturnForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = services.return_file(actor=request.principal, town=town, corporation=corporation,
                                              data=form.cleaned_for_service())
                messages.success(request, f"{record.get_kind_display()}を受け付けました: 税額 {record.total:,}円、"
                                          f"納付すべき税額 {record.payable:,}円")
                return redirect("tax:hojin_corporation", corporation.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
        status = 400
    return render(request, "tax/hojin/return_form.html",
                  {"form": form, "c": corporation, "returns": selectors.corporation_returns(corporation)},
                  status=status)
