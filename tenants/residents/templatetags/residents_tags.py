from django import template

from ..dates import to_wareki
from ..foreign import birth_date_display

register = template.Library()


@register.filter
def wareki(value):
    return to_wareki(value)


@register.filter
def sex_label(value):
    return {"1": "男", "2": "女"}.get(str(value), "")


@register.filter
def birth_date(version):
    """生年月日 of a history row: 和暦 for 日本人, 西暦 for 外国人住民 (標準仕様 1.1.8)."""
    return birth_date_display(version)
