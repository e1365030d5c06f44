"""The residents registry's own filters; the generic display rules (full_name, wareki, code_label …)
are the platform's builtins (kyodo.core.templatetags.kyodo_display)."""

from django import template

from kyodo.core import display

from .. import permissions
from ..foreign import birth_date_display

register = template.Library()

# Loading this library must not replace the builtin with something else: the same helper.
register.filter("wareki", display.wareki)


@register.filter
def sex_label(value):
    return display.lookup("sex", value) or {"1": "男", "2": "女"}.get(str(value), "")


@register.filter
def birth(version):
    """A record's 生年月日 as shown: 西暦 for a 外国人住民; for a 日本人 the register's wording for a
    不詳日 (「昭和10年月日不詳」), else 和暦 (標準仕様 1.1.8)."""
    return birth_date_display(version)


@register.filter
def may_export(request) -> bool:
    """Whether the menu offers 住民一覧の出力 to this member of staff (permissions.can_export)."""
    principal = getattr(request, "principal", None)
    town = getattr(request, "tenant", None)
    return bool(principal is not None and town is not None and permissions.can_export(principal, town))
