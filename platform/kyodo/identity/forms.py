"""Console forms for staff accounts (職員の招待・利用停止)."""

from __future__ import annotations

from django import forms

from kyodo.tenancy.models import Municipality

from .models import StaffRole
from .permissions import TOWN_ROLES


class StaffInviteForm(forms.Form):
    town = forms.ModelChoiceField(label="団体", queryset=Municipality.objects.exclude(schema_name="public"),
                                  to_field_name="code")
    username = forms.SlugField(label="ユーザー名", max_length=150)
    email = forms.EmailField(label="メールアドレス")
    full_name = forms.CharField(label="氏名", max_length=100, required=False)
    role = forms.ChoiceField(label="役割", choices=[(r.value, r.label) for r in StaffRole if r in TOWN_ROLES])


class StaffDisableForm(forms.Form):
    username = forms.CharField(label="ユーザー名", max_length=150)
    reason = forms.CharField(label="理由", max_length=200, required=False)
