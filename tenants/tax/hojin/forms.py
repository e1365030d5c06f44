"""Forms of 法人住民税's pages (Japanese labels). Numbers and dates are accepted in ASCII only (全角数字 is a
field error, the page answers 400); the rules themselves are the services'."""

from __future__ import annotations

from django import forms

from .models import CorporateReturnKind, CorporationStatus

MAX_YEN = 10 ** 15


class AsciiIntegerField(forms.IntegerField):
    """An integer typed in ASCII digits (Django's own field would take 「１２３」)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "")
            if value and not (value.isascii() and value.isdigit()):
                raise forms.ValidationError("半角数字で入力してください。", code="ascii")
            if len(value) > 16:
                raise forms.ValidationError("桁数が多すぎます。", code="max_digits")
        return super().to_python(value)


class AsciiDateField(forms.DateField):
    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isascii():
            raise forms.ValidationError("日付は半角で YYYY-MM-DD の形で入力してください。", code="ascii")
        return super().to_python(value)


def _date(label: str, required: bool = False) -> AsciiDateField:
    return AsciiDateField(label=label, required=required, input_formats=["%Y-%m-%d"],
                          widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": "日付は YYYY-MM-DD の形で入力してください。"})


def _yen(label: str, required: bool = True, max_value: int = MAX_YEN) -> AsciiIntegerField:
    return AsciiIntegerField(label=label, required=required, min_value=0, max_value=max_value,
                             widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class SearchForm(forms.Form):
    q = forms.CharField(label="法人番号または名称・カナ", max_length=100, required=False)


class CorporationForm(forms.Form):
    corporate_number = forms.CharField(label="法人番号（13桁）", max_length=13, min_length=13,
                                       widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    name = forms.CharField(label="名称", max_length=200)
    kana = forms.CharField(label="名称カナ", max_length=200, required=False)
    head_office_address = forms.CharField(label="本店所在地", max_length=300)
    office_name = forms.CharField(label="町内の事務所・事業所の名称", max_length=200, required=False)
    office_address = forms.CharField(label="町内の事務所・事業所の所在地", max_length=300)
    office_opened_on = _date("事務所の開設日")
    office_closed_on = _date("事務所の廃止日")
    capital = _yen("資本金等の額（円）")
    capital_and_reserve = _yen("資本金＋資本準備金（円）", required=False)
    employees = _yen("町内の従業者数（人）", max_value=10_000_000)
    fiscal_year_end_month = AsciiIntegerField(label="事業年度の終わる月", min_value=1, max_value=12, initial=3)
    status = forms.ChoiceField(label="状態", choices=CorporationStatus.choices, initial=CorporationStatus.ACTIVE)

    def cleaned_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["capital_and_reserve"] = data.get("capital_and_reserve") or 0
        return data


class ReturnForm(forms.Form):
    kind = forms.ChoiceField(label="申告の種類", choices=CorporateReturnKind.choices,
                             initial=CorporateReturnKind.FINAL)
    period_start = _date("事業年度（自）", required=True)
    period_end = _date("事業年度（至）", required=True)
    capital = _yen("期末の資本金等の額（円）")
    capital_and_reserve = _yen("期末の資本金＋資本準備金（円）", required=False)
    employees = _yen("期末の町内の従業者数（人）", max_value=10_000_000)
    corporate_tax = _yen("課税標準となる法人税額（円）", required=False)
    office_from = _date("町内に事務所を有していた期間（自）— 事業年度の途中からのとき")
    office_until = _date("町内に事務所を有していた期間（至）— 事業年度の途中までのとき")
    previous_levy = _yen("予定申告: 前事業年度の法人税割額（円）", required=False)
    previous_months = AsciiIntegerField(label="予定申告: 前事業年度の月数", required=False, min_value=1, max_value=12)
    corrects = AsciiIntegerField(label="修正申告: 修正する申告の番号", required=False, min_value=1,
                                 max_value=10 ** 17)
    filed_on = _date("申告日", required=True)

    def cleaned_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("capital_and_reserve", "corporate_tax"):
            data[name] = data.get(name) or 0
        return data
