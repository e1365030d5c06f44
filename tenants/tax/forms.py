"""Forms of 税務's shared pages (Japanese labels)."""

from __future__ import annotations

from django import forms

from .models import WorkStatus


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="処理", choices=[(s.value, s.label) for s in WorkStatus
                                                       if s != WorkStatus.PENDING])
    note = forms.CharField(label="処理メモ・却下の理由", max_length=200, required=False)
