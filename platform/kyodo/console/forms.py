"""Console forms: parse input only; the rules live in kyodo.tenancy.services."""

from __future__ import annotations

from django import forms

from kyodo import registry
from kyodo.tenancy.codes import PREFECTURES


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


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200, required=False)
