"""Forms of the staff portal: they only collect text; the services validate (dates in 和暦 or 西暦)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from kyodo.core import csvfile

from .certificates import REFUSAL_REASONS, REQUESTER_RELATIONS
from .foreign import Article30_45, ResidentKind
from .models import (
    CertificateKind,
    InspectionRequesterType,
    Process,
    RestrictedService,
    Severity,
    SuppressionReason,
)

MAX_PERSONS = 4
SEX_CHOICES = [("", "—"), ("1", "男"), ("2", "女")]
DATE_HELP = "和暦（令和6年4月1日・R6.4.1）または西暦（2024年4月1日・2024/4/1）"


def _date_widget(kind: str) -> forms.TextInput:
    """A date field checked as it is typed (htmx asks views.date_check; nothing happens without JS)."""
    return forms.TextInput(attrs={
        "hx-get": reverse_lazy("residents:date_check"), "hx-trigger": "input changed delay:500ms, change",
        "hx-target": "next .kd-field__check", "hx-vals": f'{{"kind": "{kind}"}}', "hx-sync": "this:replace",
        "autocomplete": "off"})


def _code_widget(kind: str, label: str = "", **attrs) -> forms.TextInput:
    """A field that takes a code (続柄, 宛名番号) checked as it is typed (views.code_check)."""
    vals = f'{{"kind": "{kind}", "label": "{label}"}}' if label else f'{{"kind": "{kind}"}}'
    return forms.TextInput(attrs={
        "hx-get": reverse_lazy("residents:code_check"), "hx-trigger": "input changed delay:500ms, change",
        "hx-target": "next .kd-field__check", "hx-vals": vals, "hx-sync": "this:replace", "autocomplete": "off",
        **attrs})


def _text(label, required=False, **kw):
    if kw.get("help_text") == DATE_HELP and "widget" not in kw:
        kw["widget"] = _date_widget("birth" if "生年月日" in label else "date")
    return forms.CharField(label=label, required=required, **kw)


class ServiceForm(forms.Form):
    """A form that shows a service's ValidationError on the fields it names."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class ChangeDatesMixin(forms.Form):
    notified_on = _text("届出日", help_text=DATE_HELP)
    effective_on = _text("異動日", help_text=DATE_HELP)


def _person_fields(i: int) -> dict:
    return {
        f"p{i}_family_name": _text("氏"), f"p{i}_given_name": _text("名"),
        f"p{i}_family_name_kana": _text("氏カナ"), f"p{i}_given_name_kana": _text("名カナ"),
        f"p{i}_birth_date": _text("生年月日", help_text=DATE_HELP),
        f"p{i}_sex": forms.ChoiceField(label="性別", choices=SEX_CHOICES, required=False),
        f"p{i}_relationship": _text("続柄", widget=_code_widget("relationship")), f"p{i}_honseki": _text("本籍"), f"p{i}_hittousha": _text("筆頭者"),
        f"p{i}_resident_code": _text("住民票コード"), f"p{i}_my_number": _text("個人番号"),
        **_resident_kind_fields(f"p{i}_"),
    }


# --- 住民種別, 旧氏 and the 外国人住民 items (標準仕様 1.1.1/1.1.2; rules in services/foreign.py) ------

RESIDENT_KIND_CHOICES = [("", "日本人（既定）"), *ResidentKind.choices]
ARTICLE_CHOICES = [("", "—"), *Article30_45.choices]
RESIDENT_KIND_KEYS = ("resident_kind", "former_family_name", "former_family_name_kana", "alphabet_name",
                      "alias_name", "alias_name_kana", "nationality", "article_30_45", "residence_status",
                      "period_of_stay", "stay_expires_on", "card_number")
ALIAS_ORIGIN_KEYS = ("alias_recorded_on", "alias_recorded_municipality")


def _resident_kind_fields(prefix: str, *, alias_origin: bool = True) -> dict:
    fields = {
        f"{prefix}resident_kind": forms.ChoiceField(label="住民種別", choices=RESIDENT_KIND_CHOICES, required=False),
        f"{prefix}former_family_name": _text("旧氏（日本人）"),
        f"{prefix}former_family_name_kana": _text("旧氏カナ（日本人）"),
        f"{prefix}alphabet_name": _text("氏名（アルファベット表記）", help_text="在留カード等の表記のとおり（例: SMITH JOHN）"),
        f"{prefix}alias_name": _text("通称"), f"{prefix}alias_name_kana": _text("通称カナ"),
        f"{prefix}nationality": _text("国籍・地域", help_text="コード（例: VN）または名称（例: ベトナム）"),
        f"{prefix}article_30_45": forms.ChoiceField(label="法第30条の45に規定する区分", choices=ARTICLE_CHOICES,
                                                   required=False),
        f"{prefix}residence_status": _text("在留資格", help_text="例: 技術・人文知識・国際業務、永住者"),
        f"{prefix}period_of_stay": _text("在留期間", help_text="例: 3年、1年6月（永住者は空欄）"),
        f"{prefix}stay_expires_on": _text("在留期間の満了日", help_text="西暦（2027-03-31）または和暦"),
        f"{prefix}card_number": _text("在留カード番号・特別永住者証明書番号", help_text="例: AB12345678CD"),
    }
    if alias_origin:
        fields[f"{prefix}alias_recorded_on"] = _text("通称を記載した年月日（転出証明書）", help_text=DATE_HELP)
        fields[f"{prefix}alias_recorded_municipality"] = _text("通称を記載した市区町村（転出証明書）")
    return fields


PERSON_KEYS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
               "relationship", "honseki", "hittousha", "resident_code", "my_number")


class MoveInForm(ServiceForm, ChangeDatesMixin):
    """転入届: the new address and the previous town's 転出証明書 data, then up to four persons."""

    address = _text("住所")
    katagaki = _text("方書")
    district = _text("行政区・地区")
    postal_code = _text("郵便番号")
    previous_address = _text("転入前住所（転出証明書の住所）")
    previous_town = _text("転出元の市区町村")
    moveout_certificate_no = _text("転出証明書の番号")
    moveout_planned_on = _text("転出予定日（転出証明書）", help_text=DATE_HELP)

    def __init__(self, *args, persons: int = MAX_PERSONS, **kwargs):
        super().__init__(*args, **kwargs)
        self.person_count = persons
        for i in range(persons):
            self.fields.update(_person_fields(i))

    def address_fields(self):
        return [self[k] for k in ("address", "katagaki", "district", "postal_code")]

    def certificate_fields(self):
        return [self[k] for k in ("previous_address", "previous_town", "moveout_certificate_no", "moveout_planned_on")]

    def person_rows(self):
        return [[self[f"p{i}_{k}"] for k in PERSON_KEYS] for i in range(self.person_count)]

    def person_sections(self):
        """Per person: the common items, then 住民種別・旧氏・外国人住民 items (shown folded)."""
        sections = []
        for i in range(self.person_count):
            kind_row = [self[f"p{i}_{k}"] for k in RESIDENT_KIND_KEYS + ALIAS_ORIGIN_KEYS]
            sections.append(([self[f"p{i}_{k}"] for k in PERSON_KEYS], kind_row,
                             any(f.errors or f.value() for f in kind_row)))
        return sections

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k, "") for k in ("address", "katagaki", "district", "postal_code", "previous_address",
                                          "previous_town", "moveout_certificate_no", "moveout_planned_on")}
        data["household_mode"] = "new"
        keys = PERSON_KEYS + RESIDENT_KIND_KEYS + ALIAS_ORIGIN_KEYS
        data["persons"] = [{k: d.get(f"p{i}_{k}", "") for k in keys} for i in range(self.person_count)]
        return data


class BirthForm(ServiceForm, ChangeDatesMixin):
    effective_on = _text("異動日（出生日）", help_text=DATE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update({k: v for k, v in _person_fields(0).items()
                            if not k.endswith(("birth_date", "alias_recorded_on", "alias_recorded_municipality"))})


class RelocationForm(ServiceForm, ChangeDatesMixin):
    address = _text("新しい住所")
    katagaki = _text("方書")
    district = _text("行政区・地区")
    postal_code = _text("郵便番号")


class MoveOutForm(ServiceForm, ChangeDatesMixin):
    effective_on = _text("異動日（転出予定日）", help_text=DATE_HELP)
    destination = _text("転出先")


class RemovalForm(ServiceForm, ChangeDatesMixin):
    """死亡・職権消除."""


class HouseholdChangeForm(ServiceForm, ChangeDatesMixin):
    """世帯主変更・世帯分離・世帯合併: the dates; the 続柄 per member are posted beside the form."""


class RecordItemsMixin(forms.Form):
    """The items of a record that 職権修正 and 誤記修正 correct (blank: not corrected)."""

    family_name = _text("氏")
    given_name = _text("名")
    family_name_kana = _text("氏カナ")
    given_name_kana = _text("名カナ")
    birth_date = _text("生年月日", help_text=DATE_HELP)
    sex = forms.ChoiceField(label="性別", choices=SEX_CHOICES, required=False)
    honseki = _text("本籍")
    hittousha = _text("筆頭者")
    katagaki = _text("方書")
    district = _text("行政区・地区")
    postal_code = _text("郵便番号")


class CorrectionForm(ServiceForm, ChangeDatesMixin, RecordItemsMixin):

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_resident_kind_fields("", alias_origin=False))
        if self.initial.get("resident_kind") == ResidentKind.FOREIGN:  # not items of a 外国人住民 record
            for name in ("honseki", "hittousha", "former_family_name", "former_family_name_kana"):
                self.fields[name].widget = forms.HiddenInput()


class RejectForm(forms.Form):
    reason = forms.CharField(label="差戻し理由", widget=forms.Textarea(attrs={"rows": 2}))


class CertificateForm(ServiceForm):
    kind = forms.ChoiceField(label="証明書の種類", choices=CertificateKind.choices)
    requester_name = _text("請求者の氏名")
    requester_relation = forms.ChoiceField(label="請求者と対象者の関係",
                                           choices=[(r, r) for r in REQUESTER_RELATIONS])
    purpose = _text("使用目的")
    requester_birth_date = _text("請求者の生年月日（分かれば）", help_text=DATE_HELP)
    requester_atena = _text("請求者の宛名番号（住民の場合）", max_length=12)
    include_relationship = forms.BooleanField(label="世帯主・続柄を記載する", required=False)
    include_honseki = forms.BooleanField(label="本籍・筆頭者を記載する", required=False)
    include_resident_code = forms.BooleanField(label="住民票コードを記載する", required=False)
    include_my_number = forms.BooleanField(label="個人番号を記載する（本人・同一世帯員の請求に限る）", required=False)
    # 外国人住民 (住基法12条5項): printed on request, like 本籍・筆頭者 for 日本人; left out otherwise.
    include_nationality = forms.BooleanField(label="国籍・地域を記載する（外国人住民）", required=False)
    include_stay_items = forms.BooleanField(
        label="30条の45規定区分・在留資格・在留期間・満了の日・在留カード番号等を記載する（外国人住民）", required=False)
    layout = forms.ChoiceField(label="様式", choices=[("individual", "個人票"), ("household", "世帯連記式（4人まで1枚）")],
                               required=False)
    copies = _text("通数", initial="1", help_text="1通ごとに発行番号が付きます")
    reason_code = forms.ChoiceField(label="不交付の理由（不交付とする場合）", required=False,
                                    choices=[("", "—"), *REFUSAL_REASONS.items()])
    reason = _text("不交付の理由（詳細）")


class DestroyForm(forms.Form):
    reason = forms.CharField(label="処分の理由", max_length=300)


class MeasureForm(ServiceForm):
    """支援措置の登録. Persons are named by 宛名番号 (the page shows the names once registered)."""

    kind = forms.ChoiceField(label="種別", choices=[("provisional", "仮支援措置（申出の確認中）"),
                                                   ("formal", "支援措置")], initial="formal")
    atena_number = _text("申出者の宛名番号", required=True, max_length=12, widget=_code_widget("atena", "申出者"))
    subject_atenas = _text("併せて支援を求める者の宛名番号（複数は「,」区切り）", max_length=200,
                           widget=_code_widget("atenas", "併せて支援を求める者"))
    subject_relation = _text("申出者との関係（例: 子）", max_length=30)
    starts_on = _text("開始日", required=True, help_text=DATE_HELP)
    ends_on = _text("終了日（空欄なら開始日から1年）", help_text=DATE_HELP)
    restricted_services = forms.MultipleChoiceField(
        label="対象となる事務", choices=RestrictedService.choices, initial=list(RestrictedService.values),
        widget=forms.CheckboxSelectMultiple, required=False)
    aggressor_name = _text("加害者の氏名", max_length=200)
    aggressor_kana = _text("加害者の氏名カナ", max_length=200)
    aggressor_birth_date = _text("加害者の生年月日", help_text=DATE_HELP)
    aggressor_sex = forms.ChoiceField(label="加害者の性別", choices=SEX_CHOICES, required=False)
    aggressor_address = _text("加害者の住所", max_length=300)
    aggressor_atena = _text("加害者の宛名番号（住民の場合）", max_length=12, widget=_code_widget("atena", "加害者"))
    note = _text("備考", max_length=500)

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service names persons by id (``person_id``, ``subject0_person_id``, ``aggressor0_name``):
        each error goes on the field that took it."""
        if not hasattr(exc, "error_dict"):
            return super().add_service_errors(exc)
        for field, messages in exc.message_dict.items():
            name = "atena_number" if field == "person_id" else field
            if re.fullmatch(r"subject\d+_\w+", field):
                name = "subject_atenas"
            elif m := re.fullmatch(r"aggressor\d+_(\w+)", field):
                name = {"person_id": "aggressor_atena", "name_kana": "aggressor_kana"}.get(m[1], f"aggressor_{m[1]}")
            self.add_error(name if name in self.fields else None, messages)

    def clean_subject_atenas(self):
        text = self.cleaned_data.get("subject_atenas", "")
        return [a.strip() for a in text.replace("、", ",").split(",") if a.strip()][:10]


class LiftRequestForm(forms.Form):
    purpose = _text("一時解除が必要な理由（請求の内容と審査の結果）", required=True, max_length=500)


class LiftDecisionForm(forms.Form):
    valid_minutes = forms.IntegerField(label="有効時間（分）", required=False, min_value=1, max_value=24 * 60,
                                       initial=60)
    reason = _text("理由（却下のとき必須）", max_length=500)


class SuppressionForm(forms.Form):
    """抑止の設定 (other than 支援措置)."""

    reason = forms.ChoiceField(label="抑止事由", choices=[c for c in SuppressionReason.choices
                                                        if c[0] != SuppressionReason.SUPPORT_MEASURE])
    process = forms.ChoiceField(label="業務", choices=Process.choices)
    severity = forms.ChoiceField(label="区分", choices=Severity.choices)
    starts_on = _text("開始日", required=True, help_text=DATE_HELP)
    ends_on = _text("終了予定日", help_text=DATE_HELP)
    note = _text("備考", max_length=500)



class ReMoveInForm(MoveInForm):
    """再転入: the 転入届 with person 1 being the former resident (their items pre-filled, editable as
    the 転出証明書 shows them now); persons 2-4 are new."""


RECORD_PERSONS = 8  # as many 続柄 fields as a 転出証明書情報 may list persons (moveout_certificate.MAX_PERSONS)


class SpecialMoveInForm(ServiceForm, ChangeDatesMixin):
    """特例転入: the 転出証明書情報 record (pasted or uploaded), the new address, and the 続柄 of each
    person in the new household (blank: as in the record)."""

    certificate_record = _text("転出証明書情報（CSV・JSON）", widget=forms.Textarea(attrs={"rows": 6}),
                               help_text="形式は docs/residents.md「特例転入」を参照")
    certificate_file = forms.FileField(label="またはファイル（UTF-8）", required=False)
    address = _text("住所")
    katagaki = _text("方書")
    district = _text("行政区・地区")
    postal_code = _text("郵便番号")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(RECORD_PERSONS):
            self.fields[f"p{i}_relationship"] = _text(f"{i + 1}件目の続柄", widget=_code_widget("relationship"))

    def record_text(self) -> str:
        """The record: the uploaded file (UTF-8, at most 64 KB) or else the pasted text. An
        unreadable file is an error on its field."""
        upload = self.cleaned_data.get("certificate_file")
        if upload is None:
            return self.cleaned_data.get("certificate_record", "")
        raw = upload.read(64 * 1024 + 1)
        try:
            if len(raw) > 64 * 1024:
                raise UnicodeError
            return raw.decode("utf-8-sig")
        except UnicodeError:
            self.add_error("certificate_file", "ファイルはUTF-8の文字で64KBまでです。")
            return ""

    def relationship_fields(self):
        return [self[f"p{i}_relationship"] for i in range(RECORD_PERSONS)]

    def service_data(self, text: str, returning: frozenset[int]) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k, "") for k in ("address", "katagaki", "district", "postal_code")}
        data.update(certificate_record=text, household_mode="new", person_ids=sorted(returning),
                    relationships={str(i): d.get(f"p{i}_relationship", "") for i in range(RECORD_PERSONS)
                                   if d.get(f"p{i}_relationship", "")})
        return data


class ClericalCorrectionForm(ServiceForm, ChangeDatesMixin, RecordItemsMixin):
    """誤記修正: the history row holding the error and the correct value of each wrong item (blank:
    not corrected)."""

    history_no = _text("誤記のある履歴番号")
    field_order = ["notified_on", "effective_on", "history_no"]


class CancellationForm(ServiceForm, ChangeDatesMixin):
    """異動の取消し: the dates of the 取消 itself (the restored rows take the cancelled 異動日)."""


class InspectionForm(ServiceForm):
    """閲覧申出: every field is text here; the service validates (ages as digits, 11条の2 items)."""

    requester_type = forms.ChoiceField(label="申出者の区分", choices=[("", "—"), *InspectionRequesterType.choices],
                                       required=False)
    requester_name = _text("申出者の氏名又は名称")
    requester_address = _text("申出者の住所又は所在地")
    representative = _text("代表者又は管理者（法人）")
    viewers = _text("閲覧者の氏名及び住所（法第11条の2）", widget=forms.Textarea(attrs={"rows": 2}))
    purpose = _text("利用の目的", widget=forms.Textarea(attrs={"rows": 2}))
    data_handling = _text("個人情報の管理の方法（法第11条の2）")
    address_prefix = _text("町名（例: 武雄町大字武雄）")
    district = _text("行政区・地区")
    age_min = _text("年齢（下限）")
    age_max = _text("年齢（上限）")
    age_on = _text("年齢の基準日（空欄なら本日）", help_text=DATE_HELP)


class ExportForm(ServiceForm):
    """住民一覧の出力: what for (recorded in the audit log) and in which character encoding."""

    purpose = _text("出力の目的（監査ログに記録されます）", required=True, max_length=200)
    district = _text("行政区・地区（空欄なら全域）", max_length=50)
    # Blank (a link or script without it): UTF-8 with a BOM.
    encoding = forms.ChoiceField(label="文字コード", choices=csvfile.ENCODINGS, initial=csvfile.ENCODINGS[0][0],
                                 required=False, widget=forms.RadioSelect,
                                 help_text="Shift_JIS で表せない文字（外字・異体字など）があるときは出力せず、その住民と文字を示します。")
