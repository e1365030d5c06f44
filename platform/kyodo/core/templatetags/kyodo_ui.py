"""Template components of the portal and the console (docs/ui.md).

- ``{% field f %}``: a form field with its label, help and errors, the input tied to them by
  ``aria-describedby`` and marked ``aria-invalid`` when it has errors (components/field.html).
- ``{% alert "warning" id="..." title="..." %}…{% endalert %}``: an info / warning / error / success banner.
- ``{% confirm "ボタンの文言" id="..." %}…{% endconfirm %}``: a confirmation — a ``<details>`` without
  JavaScript, a modal ``<dialog>`` with it (static/kyodo/portal.js); the body holds the form.
- ``{% pagination page target="#…" %}``: page links for a ``django.core.paginator.Page``; with
  ``target`` they also load only that part of the page through htmx.
- ``{% result_count count limit_hit=… limit=… %}`` and ``{% empty_state "…" id="…" %}``.

With the setting ``KYODO_PLAIN_COMPONENTS = True`` the tags render plain HTML instead of their
component templates (a bare label and input, a ``<div>`` around a banner's or a confirmation's body,
bare page links, a ``<p>``): the baseline of ``benchmarks/portal.py``, never used to serve staff.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.paginator import Page
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

register = template.Library()

LEVELS = {"info", "warning", "error", "success"}


def _plain() -> bool:
    return bool(getattr(settings, "KYODO_PLAIN_COMPONENTS", False))


@register.simple_tag
def field(f, **attrs):
    """One bound field. Extra keyword arguments become attributes of the input."""
    if _plain():
        return format_html("{}{}{}", f.label_tag(), f.as_widget(attrs=attrs), f.errors)
    return render_to_string("components/field.html", _field_context(f, attrs))


def _field_context(f, attrs):
    ids = []
    if f.help_text:
        ids.append(f"{f.auto_id}-help")
    if f.errors:
        ids.append(f"{f.auto_id}-error")
    check = bool(f.field.widget.attrs.get("hx-get"))
    if check:
        ids.append(f"{f.auto_id}-check")
    widget_attrs = dict(attrs)
    if ids:
        widget_attrs["aria-describedby"] = " ".join(ids)
    if f.errors:
        widget_attrs["aria-invalid"] = "true"
    if f.field.required:
        widget_attrs.setdefault("aria-required", "true")
    hidden = f.is_hidden
    return {"f": f, "widget": f.as_widget(attrs=widget_attrs), "check": check, "hidden": hidden}


class _BlockNode(template.Node):
    def __init__(self, nodelist, args, kwargs, template_name):
        self.nodelist, self.args, self.kwargs, self.template_name = nodelist, args, kwargs, template_name

    def render(self, context):
        body = self.nodelist.render(context)
        if _plain():
            return format_html("<div>{}</div>", body)
        args = [a.resolve(context) for a in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        return render_to_string(self.template_name, {"args": args, **kwargs, "body": body,
                                                      "csrf_token": context.get("csrf_token")})


def _block_tag(parser, token, end: str, template_name: str):
    bits = token.split_contents()[1:]
    args, kwargs = [], {}
    for bit in bits:
        if "=" in bit:
            key, value = bit.split("=", 1)
            kwargs[key] = parser.compile_filter(value)
        else:
            args.append(parser.compile_filter(bit))
    nodelist = parser.parse((end,))
    parser.delete_first_token()
    return _BlockNode(nodelist, args, kwargs, template_name)


@register.tag("alert")
def alert(parser, token):
    """``{% alert level [id=…] [title=…] [live="alert"|"status"] %}`` … ``{% endalert %}``."""
    return _block_tag(parser, token, "endalert", "components/alert.html")


@register.tag("confirm")
def confirm(parser, token):
    """``{% confirm label [id=…] [title=…] %}`` … ``{% endconfirm %}``: the body is the form that acts."""
    return _block_tag(parser, token, "endconfirm", "components/confirm.html")


@register.simple_tag(takes_context=True)
def pagination(context, page, target="", label="ページ"):
    links = _pagination_context(context, page, target, label)
    if _plain():
        return format_html_join(" ", '<a href="{}">{}</a>', ((p["url"], p["number"]) for p in links["pages"] if p["url"]))
    return render_to_string("components/pagination.html", links)


def _pagination_context(context, page, target, label):
    request = context.get("request")
    query = request.GET.copy() if request is not None else None

    def url(number: int) -> str:
        if query is None:
            return f"?page={number}"
        q = query.copy()
        q["page"] = str(number)
        return "?" + q.urlencode()

    if not isinstance(page, Page):
        page = None
    pages = []
    if page is not None and page.paginator.num_pages > 1:
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
            pages.append({"number": number, "url": url(number) if isinstance(number, int) else "",
                          "current": number == page.number})
    return {"page": page, "pages": pages, "target": target, "label": label,
            "previous": url(page.previous_page_number()) if page is not None and page.has_previous() else "",
            "next": url(page.next_page_number()) if page is not None and page.has_next() else ""}


@register.simple_tag
def empty_state(message, id=""):
    if _plain():
        return format_html("<p>{}</p>", message)
    if id:
        return format_html('<p class="kd-empty" id="{}">{}</p>', id, message)
    return format_html('<p class="kd-empty">{}</p>', message)
