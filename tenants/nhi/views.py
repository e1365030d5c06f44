"""国保の画面 (thin: parse input, call a service or selector, render)."""

from __future__ import annotations

import itertools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kyodo.core.appviews import application_view
from kyodo.core.input import ascii_int

from . import onestop, permissions, residents_facts, selectors, services
from .cards import selectors as card_selectors
from .cards.forms import ReissueForm, ReturnForm
from .forms import AcquireForm, DismissForm, LoseForm
from .models import WorkItem


def nhi_view(check=permissions.can_read):
    """The town must have enabled 国保 and the caller hold a role for the page; a missing record and
    another town's record get the same 404."""
    return application_view(check, not_found=(selectors.NotFound, WorkItem.DoesNotExist),
                            not_found_template="nhi/not_found.html")


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs]


@nhi_view()
def workitems(request, town):
    items = selectors.workitems_pending(actor=request.principal, town=town)
    shown = residents_facts.shown(i.person_id for i in items if i.kind == "acquire")
    for i in items:  # the name beside each document choice (the list is audited as a whole)
        v = shown[i.person_id].version if i.person_id in shown else None
        i.person_name = f"{v.family_name} {v.given_name}" if v else ""  # type: ignore[attr-defined]
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


CARD_FIELD = "card-"


def _card_kinds(post) -> dict[int, str]:
    """``card-<person id>`` = 資格確認書 / 資格情報のお知らせ / '' (none now), one per newly insured member."""
    return {ascii_int(key[len(CARD_FIELD):], field=key): post.get(key, "")
            for key in post if key.startswith(CARD_FIELD)}


@require_POST
@nhi_view(permissions.can_record)
def household_confirm(request, town, pk):
    """ワンストップ確定: the household's 作業, its members' documents and its levy in one step."""
    household_id = ascii_int(pk, field="pk")
    kinds = _card_kinds(request.POST)
    try:
        done = onestop.household_confirm(actor=request.principal, town=town, household_id=household_id,
                                         card_kinds=kinds)
    except ValidationError as exc:
        messages.error(request, "確定できません: " + "；".join(_errors(exc)))
        return redirect("nhi:workitems")
    messages.success(request, f"世帯の作業 {len(done.items)} 件を確定しました。")
    if done.cards:
        messages.success(request, "交付しました: " + "、".join(
            f"{c.issuance.get_kind_display()} {c.issuance.serial}" for c in done.cards))
    if done.assessment is not None:
        messages.success(request, f"{done.assessment.fiscal_year}年度の保険税を計算しました: {done.assessment.total:,}円")
    elif done.levy_note:
        messages.warning(request, done.levy_note)
    return redirect("nhi:household_detail", pk=household_id)


@nhi_view()
def household_detail(request, town, pk):
    view = selectors.household_overview(actor=request.principal, town=town, household_id=ascii_int(pk, field="pk"))
    return render(request, "nhi/household_detail.html", {"h": view})


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
