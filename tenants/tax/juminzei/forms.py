"""Forms of the 個人住民税 pages (Japanese labels; the services validate the values themselves)."""

from __future__ import annotations

from django import forms

from .income_csv import OPTIONAL, REQUIRED


class IncomeImportForm(forms.Form):
    fiscal_year = forms.CharField(label="年度（西暦）", max_length=4, help_text="例: 2025（令和7年度）")
    file = forms.FileField(label="所得資料（CSV）",
                           help_text="見出し行: " + ",".join(REQUIRED + OPTIONAL) + "（UTF-8 または Shift_JIS）")
