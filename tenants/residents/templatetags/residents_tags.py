from django import template

from ..dates import birth_date_text, to_wareki

register = template.Library()


@register.filter
def wareki(value):
    return to_wareki(value)


@register.filter
def sex_label(value):
    return {"1": "男", "2": "女"}.get(str(value), "")


@register.filter
def birth(version):
    """A record's 生年月日 as the register states it (「昭和10年月日不詳」 for a 不詳日), else 和暦."""
    return birth_date_text(version)
