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
def birth(version):
    """A record's 生年月日 as shown: 西暦 for a 外国人住民; for a 日本人 the register's wording for a
    不詳日 (「昭和10年月日不詳」), else 和暦 (標準仕様 1.1.8)."""
    return birth_date_display(version)
