"""Forms of the 資格確認書 pages."""

from __future__ import annotations

from django import forms

from ..models import CardKind, ReissueCause
from . import rules

RATE_CHOICES = [("", "（70歳未満は選択不要）"), *((r, r) for r in rules.RATES_70)]


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label="交付する書類", choices=CardKind.choices,
                             help_text="マイナ保険証をお持ちの方には「資格情報のお知らせ」を交付します。")
    reason = forms.ChoiceField(label="交付事由", choices=[("new", "新規"), ("renewal", "更新")])
    rate = forms.ChoiceField(label="一部負担金の割合（70歳以上）", choices=RATE_CHOICES, required=False)


class ReissueForm(forms.Form):
    cause = forms.ChoiceField(label="再交付の理由", choices=ReissueCause.choices)


class ReturnForm(forms.Form):
    destroyed = forms.BooleanField(label="返還を受けて廃棄した", required=False)
