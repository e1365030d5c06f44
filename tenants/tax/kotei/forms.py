"""固定資産税's forms (Japanese labels)."""

from __future__ import annotations

from django import forms


class NoticeImportForm(forms.Form):
    file = forms.FileField(label="登記済通知データ（CSV）",
                           help_text="レイアウト tokisumi-1.0（docs/tax.md）。UTF-8 または Shift_JIS。")


class ParcelSearchForm(forms.Form):
    location = forms.CharField(label="所在", max_length=100, required=False)
    number = forms.CharField(label="地番・家屋番号", max_length=40, required=False)
    atena = forms.RegexField(label="所有者の宛名番号", regex=r"^[0-9]{1,12}$", max_length=12, required=False,
                             error_messages={"invalid": "宛名番号は半角数字で入力してください。"})

