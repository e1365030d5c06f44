"""共同利用コンソール: prefecture administrators list, onboard, suspend and resume towns. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kyodo.identity.permissions import is_prefecture_admin
from kyodo.tenancy import selectors, services

from .forms import MunicipalityCreateForm, ReasonForm


def prefecture_admin_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_prefecture_admin(request.user):
            return render(request, "core/refused.html", status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@prefecture_admin_required
def municipality_list(request):
    return render(request, "console/municipality_list.html", {"towns": selectors.municipalities_list()})


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


def _status_action(request, code, service, done):
    town = selectors.municipality_get_by_code(code)
    if town is None:
        raise Http404
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        service(actor=request.user, town=town, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, f"{town.name}を{done}しました。")
    return redirect("console:municipality_list")


@require_POST
@prefecture_admin_required
def municipality_suspend(request, code):
    return _status_action(request, code, services.municipality_suspend, "一時停止")


@require_POST
@prefecture_admin_required
def municipality_resume(request, code):
    return _status_action(request, code, services.municipality_resume, "再開")
