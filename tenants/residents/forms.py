"""Forms of the staff portal: they only collect text; the services validate (dates in 和暦 or 西暦)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .certificates import REQUESTER_RELATIONS
from .foreign import Article30_45, ResidentKind
from .models import CertificateKind

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
    include_relationship = forms.BooleanField(label="世帯主・続柄を記載する", required=False)
    include_honseki = forms.BooleanField(label="本籍・筆頭者を記載する", required=False)
    include_resident_code = forms.BooleanField(label="住民票コードを記載する", required=False)
    include_my_number = forms.BooleanField(label="個人番号を記載する（本人・同一世帯員の請求に限る）", required=False)
    # 外国人住民 (住基法12条5項): printed on request, like 本籍・筆頭者 for 日本人; left out otherwise.
    include_nationality = forms.BooleanField(label="国籍・地域を記載する（外国人住民）", required=False)
    include_stay_items = forms.BooleanField(
        label="30条の45規定区分・在留資格・在留期間・満了の日・在留カード番号等を記載する（外国人住民）", required=False)


class MeasureForm(ServiceForm):
    person_id = forms.IntegerField(label="対象者（宛名の内部番号）")
    starts_on = _text("開始日", help_text=DATE_HELP)
    ends_on = _text("終了予定日（空欄なら1年）", help_text=DATE_HELP)
    aggressor_name = _text("加害者の氏名")
    aggressor_kana = _text("加害者の氏名カナ")
    note = _text("備考")
