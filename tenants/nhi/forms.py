"""Forms of the 国保 pages (Japanese labels; dates accept 和暦 and 西暦, parsed by the services)."""

from __future__ import annotations

from django import forms

from .models import AcquisitionReason, LossReason


class AcquireForm(forms.Form):
    acquired_on = forms.CharField(label="取得日", max_length=20, help_text="例: 令和6年4月1日 または 2024-04-01")
    reason = forms.ChoiceField(label="取得事由", choices=AcquisitionReason.choices)
    note = forms.CharField(label="備考", max_length=200, required=False)


class LoseForm(forms.Form):
    lost_on = forms.CharField(label="喪失日", max_length=20,
                              help_text="転出・死亡・社保加入は、その翌日が喪失日です（生保開始はその日）。例: 令和6年4月2日")
    reason = forms.ChoiceField(label="喪失事由", choices=LossReason.choices)
    note = forms.CharField(label="備考", max_length=200, required=False)


class DismissForm(forms.Form):
    note = forms.CharField(label="対象外とする理由", max_length=200)
