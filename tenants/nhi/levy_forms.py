"""Forms of the 賦課 pages (Japanese labels; the services validate the values themselves)."""

from __future__ import annotations

from django import forms


class YearForm(forms.Form):
    fiscal_year = forms.CharField(label="年度（西暦）", max_length=4, help_text="例: 2025（令和7年度）")


class ProposeTableForm(forms.Form):
    fiscal_year = forms.CharField(label="年度（西暦）", max_length=4, help_text="例: 2025（令和7年度）")
    text = forms.CharField(label="税率表（TOML）", widget=forms.Textarea(attrs={"rows": 20}), max_length=100_000,
                           help_text="年度の税率表全体を入力します。別の職員（審査・決裁者）が承認すると適用されます。")
    note = forms.CharField(label="提案理由", max_length=300, required=False)


class IncomeImportForm(forms.Form):
    file = forms.FileField(label="所得データ（CSV）",
                           help_text="見出し行: 宛名番号,年,総所得金額等,給与収入,公的年金収入,公的年金所得,固定資産税額"
                                     "（UTF-8 または Shift_JIS）")
    load_valid = forms.BooleanField(label="誤りのない行だけを取り込む", required=False)
