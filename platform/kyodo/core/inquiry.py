"""統合照会 (integrated inquiry): one page for a person, composed of each application's part.

The platform names no application: it calls every enabled application's declared ``inquiry`` hook
(kyodo.registry) and shows the parts the caller's roles may see. What a part shows, whom it refuses
and what it audits is the application's own rule. A 照会アラート raised by any part puts the whole page
behind one warning; the purpose stated there is given to every part, and each records its read with it.
"""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from kyodo import registry
from kyodo.core.input import ascii_int

# How long a purpose stated behind the warning stands for this member of staff and person.
ACK_SECONDS = 30 * 60
PURPOSE_MAX = 200


def _ack_key(town) -> str:
    return f"inquiry-alert-ack:{town.schema_name}"  # per town: never carried from one town's host to another


def _stated_purpose(request, town, person_id: int) -> str:
    entry = request.session.get(_ack_key(town), {}).get(str(person_id))
    if isinstance(entry, dict) and time.time() - entry.get("at", 0) < ACK_SECONDS:
        return str(entry.get("purpose", ""))
    return ""


def inquiry_parts(*, principal, town, person_id: int, alert_purpose: str = "") -> list[registry.InquiryPart]:
    """Every part the caller may see, in page order. An :class:`registry.InquiryStop` from a part
    propagates: parts are called in application order, so an application that may gate the page
    (declared with a low ``order``) is asked before any other application reads."""
    parts = []
    for app in registry.enabled_for(town):
        if not app.inquiry:
            continue
        part = registry.load_callable(app.inquiry)(principal, town, person_id, alert_purpose)
        if part is not None:
            parts.append(part)
    return sorted(parts, key=lambda p: p.order)


def _gate(request, stop: registry.InquiryAlert, person_id: int, *, error: str = "", status: int = 200):
    here = reverse("inquiry_person", args=[person_id])
    context = {**stop.context, "gate_action": here, "next": here, "person_ids": [person_id]}
    if error:
        context.update({"messages_": [error], "error": True})
    return render(request, stop.template, context, status=status)


@login_required
def person_inquiry(request, pk):
    """``/inquiry/persons/<id>/``: GET shows the parts (or the warning); POST states the purpose behind it."""
    town = request.tenant
    principal = getattr(request, "principal", None)  # resolved once by the access middleware
    person_id = ascii_int(pk, field="pk")  # a bad id is a 400 before anything is read
    if principal is None:
        return render(request, "core/refused.html", status=403)
    if request.method == "POST":
        return _acknowledge(request, town, principal, person_id)
    try:
        parts = inquiry_parts(principal=principal, town=town, person_id=person_id,
                              alert_purpose=_stated_purpose(request, town, person_id))
    except registry.InquiryAlert as stop:
        return _gate(request, stop, person_id)
    except registry.InquiryStop as stop:
        return render(request, stop.template, stop.context, status=stop.status)
    if not parts:  # no application lets this caller see anything of a person here
        return render(request, "core/refused.html", status=403)
    return render(request, "core/inquiry.html", {"parts": parts, "person_id": person_id})


def _acknowledge(request, town, principal, person_id: int):
    """The caller read the warning and states why they need the record: one purpose for every part."""
    purpose = request.POST.get("purpose", "").strip()
    if purpose and len(purpose) <= PURPOSE_MAX:
        stored = dict(request.session.get(_ack_key(town), {}))
        stored[str(person_id)] = {"purpose": purpose, "at": time.time()}
        request.session[_ack_key(town)] = stored
        return redirect("inquiry_person", pk=person_id)
    try:  # the warning again, with the field's error (a gating part stops before anything is read)
        inquiry_parts(principal=principal, town=town, person_id=person_id)
    except registry.InquiryAlert as stop:
        return _gate(request, stop, person_id, error=f"照会の目的を入力してください（{PURPOSE_MAX}文字以内）。",
                     status=400)
    except registry.InquiryStop as stop:
        return render(request, stop.template, stop.context, status=stop.status)
    return redirect("inquiry_person", pk=person_id)  # no warning stands for this person: nothing to state
