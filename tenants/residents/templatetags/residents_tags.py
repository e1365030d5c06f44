from django import template

from ..dates import to_wareki

register = template.Library()


@register.filter
def wareki(value):
    return to_wareki(value)


@register.filter
def sex_label(value):
    return {"1": "男", "2": "女"}.get(str(value), "")
