"""Forms of the staff portal: they only collect text; the services validate (dates in 和暦 or 西暦)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .certificates import REQUESTER_RELATIONS
from .models import CertificateKind, InspectionRequesterType

MAX_PERSONS = 4
SEX_CHOICES = [("", "—"), ("1", "男"), ("2", "女")]
DATE_HELP = "和暦（令和6年4月1日・R6.4.1）または西暦（2024-04-01）"


def _text(label, required=False, **kw):
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
        f"p{i}_relationship": _text("続柄"), f"p{i}_honseki": _text("本籍"), f"p{i}_hittousha": _text("筆頭者"),
        f"p{i}_resident_code": _text("住民票コード"), f"p{i}_my_number": _text("個人番号"),
    }


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

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k, "") for k in ("address", "katagaki", "district", "postal_code", "previous_address",
                                          "previous_town", "moveout_certificate_no", "moveout_planned_on")}
        data["household_mode"] = "new"
        data["persons"] = [{k: d.get(f"p{i}_{k}", "") for k in PERSON_KEYS} for i in range(self.person_count)]
        return data


class BirthForm(ServiceForm, ChangeDatesMixin):
    effective_on = _text("異動日（出生日）", help_text=DATE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update({k: v for k, v in _person_fields(0).items() if not k.endswith("birth_date")})


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


class CorrectionForm(ServiceForm, ChangeDatesMixin):
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


class RejectForm(forms.Form):
    reason = forms.CharField(label="差戻し理由", widget=forms.Textarea(attrs={"rows": 2}))


class CertificateForm(ServiceForm):
    kind = forms.ChoiceField(label="証明書の種類", choices=CertificateKind.choices)
    requester_name = _text("請求者の氏名")
    requester_relation = forms.ChoiceField(label="請求者と対象者の関係",
                                           choices=[(r, r) for r in REQUESTER_RELATIONS])
    purpose = _text("使用目的")
    include_relationship = forms.BooleanField(label="世帯主・続柄を記載する", required=False)
    include_honseki = forms.BooleanField(label="本籍・筆頭者を記載する", required=False)
    include_resident_code = forms.BooleanField(label="住民票コードを記載する", required=False)
    include_my_number = forms.BooleanField(label="個人番号を記載する（本人・同一世帯員の請求に限る）", required=False)


class MeasureForm(ServiceForm):
    person_id = forms.IntegerField(label="対象者（宛名の内部番号）")
    starts_on = _text("開始日", help_text=DATE_HELP)
    ends_on = _text("終了予定日（空欄なら1年）", help_text=DATE_HELP)
    aggressor_name = _text("加害者の氏名")
    aggressor_kana = _text("加害者の氏名カナ")
    note = _text("備考")


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
