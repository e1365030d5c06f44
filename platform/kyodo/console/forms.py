"""Console forms: parse input only; the rules live in kyodo.tenancy.services."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.http import QueryDict

from kyodo import registry
from kyodo.audit.labels import OUTCOMES
from kyodo.core.input import InvalidInput, optional_ascii_int
from kyodo.tenancy.codes import PREFECTURES

from .selectors import AuditFilter


class MunicipalityCreateForm(forms.Form):
    code = forms.CharField(label="団体コード（6桁）", max_length=6, min_length=6,
                           error_messages={"required": "団体コードを入力してください。",
                                           "min_length": "団体コードは6桁で入力してください。",
                                           "max_length": "団体コードは6桁で入力してください。"})
    name = forms.CharField(label="名称", max_length=50, error_messages={"required": "名称を入力してください。"})
    name_kana = forms.CharField(label="名称カナ", max_length=100,
                                error_messages={"required": "名称カナを入力してください。"})
    prefecture = forms.ChoiceField(label="都道府県", choices=[("", "（団体コードから判定）")] + [(p, p) for p in PREFECTURES],
                                   required=False)
    hosts = forms.CharField(label="ホスト名（複数はカンマ区切り）", required=False, max_length=500)
    applications = forms.MultipleChoiceField(label="利用する業務", required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(a.code, a.label) for a in registry.selectable()]

    def host_list(self) -> list[str]:
        return [h.strip() for h in (self.cleaned_data.get("hosts") or "").split(",") if h.strip()]


class StatusChangeForm(forms.Form):
    """一時停止 / 再開 の確認: a required reason and an explicit confirmation (works without JS)."""

    reason = forms.CharField(label="理由（必須・200文字以内）", max_length=200, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "理由を入力してください。",
                                             "max_length": "理由は200文字以内で入力してください。"})
    confirm = forms.BooleanField(label="内容を確認しました", error_messages={
        "required": "「内容を確認しました」にチェックしてください。"})


# --- audit-log viewer filters: parsed strictly; a bad value is a 400 naming the parameter --------------

_TOWN_CODE = re.compile(r"[0-9]{6}")
_ACTION = re.compile(r"[a-z][a-z_]*(\.[a-z_]+)+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
AUDIT_FILTERS = ("town", "user", "action", "outcome", "date_from", "date_to")


def _single(query: QueryDict, name: str) -> str:
    values = query.getlist(name)
    if len(values) > 1:
        raise InvalidInput(name, f"入力値 '{name}' が複数指定されています。", f"Input '{name}' was given more than once.")
    return values[0].strip() if values else ""


def _date(query: QueryDict, name: str) -> dt.date | None:
    value = _single(query, name)
    if not value:
        return None
    if _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(name, f"入力値 '{name}' は日付（例: 2025-04-01）で入力してください。",
                       f"Input '{name}' must be a date as YYYY-MM-DD.")


def audit_filter_parse(query: QueryDict) -> tuple[AuditFilter, int]:
    """The filters and the page number of the audit-log viewer; InvalidInput (400) for a bad one."""
    town = _single(query, "town")
    if town and not _TOWN_CODE.fullmatch(town):
        raise InvalidInput("town", "入力値 'town' は団体コード（半角数字6桁）で入力してください。",
                           "Input 'town' must be a municipality code of 6 ASCII digits.")
    user = _single(query, "user")
    if len(user) > 150:
        raise InvalidInput("user", "入力値 'user' は150文字以内で入力してください。", "Input 'user' is longer than 150.")
    action = _single(query, "action")
    if action and (len(action) > 60 or not _ACTION.fullmatch(action)):
        raise InvalidInput("action", "入力値 'action' は操作の種類から選んでください。",
                           "Input 'action' is not an action code.")
    outcome = _single(query, "outcome")
    if outcome and outcome not in OUTCOMES:
        raise InvalidInput("outcome", "入力値 'outcome' は結果の種類から選んでください。",
                           f"Input 'outcome' must be one of {', '.join(OUTCOMES)}.")
    date_from, date_to = _date(query, "date_from"), _date(query, "date_to")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("date_to", "入力値 'date_to'（終了日）が開始日より前です。",
                           "Input 'date_to' is before 'date_from'.")
    page = optional_ascii_int(_single(query, "page"), field="page") or 1
    return AuditFilter(town=town, user=user, action=action, outcome=outcome, date_from=date_from,
                       date_to=date_to), page
