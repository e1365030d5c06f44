"""法人住民税's writes: corporations (登録・変更) and returns (申告の受付), each one transaction with its audit
record. A return is computed by the engine at the town's rates and what it pays becomes a 調定 (core
:class:`~tenants.tax.models.Charge`, 随時 instalment 0, due on the return's 申告納付期限)."""

from __future__ import annotations

import calendar
from dataclasses import fields as dc_fields
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from kyodo.identity.principal import audit_actor_of

from .. import audit, permissions
from ..common import InputError, TableError, UnsupportedCase
from ..models import Charge, SubjectKind, TaxKind
from ..selectors import NotFound
from .engine import (
    PROVISIONAL_MONTHS,
    CorporateReturn,
    _period_end,
    corporate_resident_tax,
    validate_corporate_number,
)
from .models import CorporateReturnKind, CorporateReturnRecord, Corporation, CorporationStatus
from .tables import load_table

CORPORATION_FIELDS = ("corporate_number", "name", "kana", "head_office_address", "office_name", "office_address",
                      "office_opened_on", "office_closed_on", "capital", "capital_and_reserve", "employees",
                      "fiscal_year_end_month", "status")
TEXT_LIMITS = {"name": 200, "kana": 200, "head_office_address": 300, "office_name": 200, "office_address": 300}
RETURN_INPUTS = ("kind", "period_start", "period_end", "capital", "capital_and_reserve", "employees",
                 "corporate_tax", "office_from", "office_until", "previous_levy", "previous_months", "filed_on")
MAX_YEN = 10 ** 15  # 1,000兆円: anything larger is a typing error, not a corporation


def _who(actor) -> str:
    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def _require_record(actor, town) -> None:
    audit.assert_in_town(town)
    if not permissions.can_record(actor, town):
        raise PermissionDenied("法人住民税を登録する権限がありません")


def _clean_corporation(data: dict, *, creating: bool) -> dict:
    """Validate the fields of a corporation; ``ValidationError`` naming each bad field (English key, Japanese
    message)."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name in CORPORATION_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str) and "\x00" in value:
            errors[name] = ["使用できない文字（NUL）が含まれています。"]
            continue
        clean[name] = value
    if "corporate_number" in clean:
        try:
            validate_corporate_number(clean["corporate_number"])
        except InputError as exc:
            errors["corporate_number"] = [f"法人番号が正しくありません（check digit）: {exc}"]
    for name, limit in TEXT_LIMITS.items():
        if name in clean:
            text = clean[name] if isinstance(clean[name], str) else ""
            clean[name] = text.strip()
            if len(clean[name]) > limit:
                errors[name] = [f"{limit}文字以内で入力してください。"]
    for name in ("name", "head_office_address", "office_address"):
        if (creating or name in clean) and not clean.get(name):
            errors.setdefault(name, ["入力してください。"])
    for name in ("capital", "capital_and_reserve", "employees"):
        if name in clean:
            value = clean[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_YEN:
                errors[name] = ["0以上の整数で入力してください。"]
    if "fiscal_year_end_month" in clean:
        month = clean["fiscal_year_end_month"]
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            errors["fiscal_year_end_month"] = ["1〜12の月で入力してください。"]
    if "status" in clean and clean["status"] not in CorporationStatus.values:
        errors["status"] = ["状態が正しくありません。"]
    for name in ("office_opened_on", "office_closed_on"):
        if name in clean and clean[name] is not None and not isinstance(clean[name], date):
            errors[name] = ["日付で入力してください。"]
    opened, closed = clean.get("office_opened_on"), clean.get("office_closed_on")
    if isinstance(opened, date) and isinstance(closed, date) and closed < opened:
        errors["office_closed_on"] = ["事務所の廃止日が開設日より前です。"]
    if errors:
        raise ValidationError(errors)
    return clean


def corporation_register(*, actor, town, data: dict) -> Corporation:
    """法人の登録: a corporation with an office in the town. The 法人番号 must be valid and not yet known."""
    _require_record(actor, town)
    clean = _clean_corporation(data, creating=True)
    if "corporate_number" not in clean:
        raise ValidationError({"corporate_number": ["法人番号を入力してください。"]})
    with transaction.atomic():
        if Corporation.objects.filter(corporate_number=clean["corporate_number"]).exists():
            raise ValidationError({"corporate_number": ["この法人番号の法人は登録済みです。"]})
        corporation = Corporation(**clean, updated_by=_who(actor))
        try:
            with transaction.atomic():
                corporation.save()
        except IntegrityError as exc:
            raise ValidationError({"corporate_number": ["この法人番号の法人は登録済みです。"]}) from exc
        audit.record(town=town, actor=actor, action="corporation.register", purpose="法人の登録",
                     corporate_number=corporation.corporate_number)
    return corporation


def corporation_update(*, actor, town, corporation_id: int, data: dict) -> Corporation:
    """法人の変更 (名称, 所在地, 資本金等, 従業者数, 事務所の廃止 …). The 法人番号 does not change."""
    _require_record(actor, town)
    data = {k: v for k, v in data.items() if k != "corporate_number"}
    clean = _clean_corporation(data, creating=False)
    with transaction.atomic():
        corporation = Corporation.objects.select_for_update().filter(pk=int(corporation_id)).first()
        if corporation is None:
            raise NotFound
        changed = sorted(k for k, v in clean.items() if getattr(corporation, k) != v)
        for key, value in clean.items():
            setattr(corporation, key, value)
        opened, closed = corporation.office_opened_on, corporation.office_closed_on
        if opened and closed and closed < opened:
            raise ValidationError({"office_closed_on": ["事務所の廃止日が開設日より前です。"]})
        corporation.updated_by = _who(actor)
        corporation.save()
        audit.record(town=town, actor=actor, action="corporation.update", purpose="法人の変更",
                     corporate_number=corporation.corporate_number, changed=changed)
    return corporation


def fiscal_year_of(day: date) -> int:
    """年度 (April to March) of a day."""
    return day.year if day.month >= 4 else day.year - 1


def _add_months(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    last = calendar.monthrange(year, month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, month, last)  # the last day of a month to the last day of the month
    return date(year, month, min(day.day, last))


def return_due_on(kind: str, period_start: date, period_end: date) -> date:
    """申告納付期限: two months after the end of the period the return covers (地方税法 第321条の8) — for a
    予定申告 the first six months of the 事業年度."""
    end = period_end
    if kind == CorporateReturnKind.PROVISIONAL:
        end = min(period_end, _period_end(period_start, PROVISIONAL_MONTHS))
    return _add_months(end, 2)


def _engine_return(corporation: Corporation, inputs: dict, declared: int | None) -> CorporateReturn:
    names = {f.name for f in dc_fields(CorporateReturn)}
    values = {k: v for k, v in inputs.items() if k in names}
    return CorporateReturn(corporate_number=corporation.corporate_number, declared=declared, **values)


def _clean_return(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name in RETURN_INPUTS:
        value = data.get(name)
        if name in ("period_start", "period_end", "filed_on"):
            if not isinstance(value, date):
                errors[name] = ["日付で入力してください。"]
                continue
        elif name in ("office_from", "office_until"):
            if value is not None and not isinstance(value, date):
                errors[name] = ["日付で入力してください。"]
                continue
        elif name == "kind":
            if value not in CorporateReturnKind.values:
                errors[name] = ["申告の種類が正しくありません。"]
                continue
        elif name in ("previous_levy", "previous_months"):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= MAX_YEN):
                errors[name] = ["0以上の整数で入力してください。"]
                continue
        else:
            value = 0 if value is None else value
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_YEN:
                errors[name] = ["0以上の整数で入力してください。"]
                continue
        clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


def return_file(*, actor, town, corporation: Corporation | int, data: dict) -> CorporateReturnRecord:
    """申告の受付: compute the return with the engine at the town's rates, store inputs and result, and add the
    調定 of what it pays. ``data`` holds the engine's inputs (``kind``, ``period_start`` …, ``filed_on``) and,
    for a 修正申告, ``corrects`` (the id of the return it corrects, which must be of the same 事業年度).
    Errors name the field: ``corporate_number: check digit``, ``period_end``, ``corrects`` …"""
    _require_record(actor, town)
    clean = _clean_return(data)
    corporation_id = corporation.pk if isinstance(corporation, Corporation) else int(corporation)
    with transaction.atomic():
        corp = Corporation.objects.select_for_update().filter(pk=corporation_id).first()
        if corp is None:
            raise NotFound
        corrected = None
        declared = None
        if clean["kind"] == CorporateReturnKind.AMENDED:
            corrects_id = data.get("corrects")
            if isinstance(corrects_id, bool) or not isinstance(corrects_id, int):
                raise ValidationError({"corrects": ["修正申告は修正する申告を指定してください。"]})
            corrected = CorporateReturnRecord.objects.filter(pk=corrects_id, corporation=corp).first()
            if corrected is None:
                raise ValidationError({"corrects": ["修正する申告が見つかりません。"]})
            if (corrected.period_start, corrected.period_end) != (clean["period_start"], clean["period_end"]):
                raise ValidationError({"corrects": ["修正する申告と事業年度が一致しません。"]})
            # 既に申告した税額: the corrected return's tax (its total; a chain of 修正申告 corrects the latest)
            latest = corrected.amendments.order_by("-created_at", "-pk").first()
            if latest is not None:
                raise ValidationError({"corrects": ["この申告はすでに修正されています。最新の修正申告を指定してください。"]})
            declared = corrected.total
        elif data.get("corrects") not in (None, ""):
            raise ValidationError({"corrects": ["修正申告のときだけ指定できます。"]})
        try:
            engine_return = _engine_return(corp, clean, declared)
            result = corporate_resident_tax(engine_return, load_table(town.code))
        except InputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        except (UnsupportedCase, TableError, FileNotFoundError) as exc:
            raise ValidationError({"period_start": [f"この事業年度の税率が登録されていません: {exc}"]}) from exc
        due_on = return_due_on(clean["kind"], clean["period_start"], clean["period_end"])
        record = CorporateReturnRecord.objects.create(
            corporation=corp, corporate_number=corp.corporate_number, corrects=corrected,
            fiscal_year=fiscal_year_of(clean["period_end"]), due_on=due_on, declared=declared,
            capital_class=result.capital_class, months=result.months, per_capita_annual=result.per_capita_annual,
            per_capita=result.per_capita, tax_base=result.tax_base, rate_text=result.rate_text,
            corporate_tax_levy=result.corporate_tax_levy, total=result.total, payable=result.payable,
            explanation=list(result.explanation), filed_by=_who(actor), **clean)
        charge = None
        if record.payable > 0:
            charge = Charge.objects.create(
                tax=TaxKind.HOJIN, fiscal_year=record.fiscal_year, subject_kind=SubjectKind.CORPORATION,
                person_id=None, atena_number="", corporate_number=corp.corporate_number, name=corp.name[:200],
                notice_no=f"HJ{record.fiscal_year}-{record.pk:08d}", instalment=0, collection="self_assessed",
                amount=record.payable, due_on=due_on, issued_by=_who(actor))
        audit.record(town=town, actor=actor, action="corporation.return_filed", purpose="法人住民税の申告受付",
                     corporate_number=corp.corporate_number, corporate_return=record.pk, kind=record.kind,
                     total=record.total, payable=record.payable, charge=charge.pk if charge else None)
    return record
