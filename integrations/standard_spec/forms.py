"""The console's upload form for a standard-layout import (取込): town, layout, form, encoding, the
files (one multiple file input; each file's kind is read from its name) and whether to load the
valid part only. Input is bounded here; the rules of a run are checked by ``import_run_create``."""

from __future__ import annotations

from django import forms

from . import layout
from .residents import FILES
from .services import MAX_FILE_BYTES, kind_of

MAX_FILES = 8
ENCODING_CHOICES = (("", "自動判定"), ("utf-8", "UTF-8"), ("cp932", "Shift_JIS"))
FORM_CHOICES = (("csv", "CSV"), ("fixed", "固定長"))


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    widget = _MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files:
            raise forms.ValidationError("ファイルを選んでください。", code="required")
        return [super(_MultipleFileField, self).clean(f, initial) for f in files]


class ImportUploadForm(forms.Form):
    town = forms.ChoiceField(label="取込先の団体")
    layout = forms.ChoiceField(label="レイアウト")
    form = forms.ChoiceField(label="形式", choices=FORM_CHOICES, initial="csv")
    encoding = forms.ChoiceField(label="文字コード", choices=ENCODING_CHOICES, required=False, initial="")
    # Not ``files``: that is the form's own dict of uploaded files.
    uploads = _MultipleFileField(
        label="ファイル",
        help_text="世帯・個人（必須）、履歴・支援措置（任意）のファイルをまとめて選んでください。ファイルの種類は名前で判断します"
                  f"（名前に {', '.join(FILES)} のいずれかを含めてください。例: persons.csv）。1ファイル "
                  f"{MAX_FILE_BYTES // 1024 // 1024} MB、{MAX_FILES} ファイルまで。")
    load_valid_part = forms.BooleanField(
        label="誤りのある世帯を除いて、正しい部分だけを取り込む", required=False,
        help_text="選ばない場合、1件でも誤りがあれば何も取り込まず、誤りの一覧だけを作ります。選んだ場合、誤りのある行を含む"
                  "世帯はその世帯全体を除き、残りを取り込みます。除いた世帯は誤りの一覧で確認できます。")

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        town_field, layout_field = self.fields["town"], self.fields["layout"]
        assert isinstance(town_field, forms.ChoiceField) and isinstance(layout_field, forms.ChoiceField)
        town_field.choices = [("", "（選んでください）"), *((t.code, f"{t.name}（{t.code}）") for t in towns)]
        layout_field.choices = [(name, name) for name in layout.available()]

    def clean_uploads(self):
        files = self.cleaned_data["uploads"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"ファイルは {MAX_FILES} 個までです。")
        unknown = [f.name for f in files if kind_of(f.name) is None]
        if unknown:
            raise forms.ValidationError(
                f"ファイル名から種類（{', '.join(FILES)}）が分かりません: {'、'.join(n[:80] for n in unknown)}")
        if any(f.size > MAX_FILE_BYTES for f in files):
            raise forms.ValidationError(f"1ファイルは {MAX_FILE_BYTES // 1024 // 1024} MB までです。")
        return files
