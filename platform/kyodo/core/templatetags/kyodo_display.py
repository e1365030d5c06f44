"""Template filters for the Japanese display rules (``kyodo.core.display``); a builtin of the
template engine, so every template has them without ``{% load %}``.

``{{ v|full_name }}`` 氏 名 · ``{{ v|full_name_kana }}`` カナ · ``{{ user|staff_name }}`` (a user or a
user name) · ``{{ c.reason_code|code_label:"change_reason" }}`` any code table, with shorthands
``change_reason_label``, ``relationship_label``, ``audit_action_label``, ``audit_outcome_label``,
``channel_label``, ``attempt_kind_label`` · ``{{ d|wareki }}`` · ``{{ t|wareki_datetime }}`` ·
``{{ d|seireki }}`` · ``{{ n|number }}`` · ``{{ n|count }}`` (件) · ``{{ n|yen }}`` (円).
"""

from __future__ import annotations

from django import template

from kyodo.core import display

register = template.Library()

register.filter("full_name", display.person_name)
register.filter("full_name_kana", display.person_name_kana)
register.filter("staff_name", display.staff_name)
register.filter("wareki", display.wareki)
register.filter("wareki_datetime", display.wareki_datetime)
register.filter("seireki", display.seireki)
register.filter("number", display.number)
register.filter("count", display.count)
register.filter("yen", display.yen)
register.filter("names", display.names)


@register.filter
def code_label(value, kind: str) -> str:
    return display.label(kind, value)


def _shorthand(kind: str):
    def shorthand(value) -> str:
        return display.label(kind, value)

    shorthand.__name__ = f"{kind}_label"
    return shorthand


for _kind in ("change_reason", "relationship", "audit_action", "audit_outcome", "channel", "attempt_kind"):
    register.filter(f"{_kind}_label", _shorthand(_kind))
