"""個人住民税's reads. Every read naming a person is audited on ``tax:<code>`` with its purpose; a person's
address is shown redacted where a 支援措置 protects it (tenants.residents.protection)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, Sum

from kyodo.core.input import InvalidInput
from tenants.residents import protection
from tenants.tax import audit
from tenants.tax.models import Charge, TaxKind
from tenants.tax.selectors import NotFound, require_read

from . import services
from .models import Assessment, IncomeImport, IncomeReport, Taxpayer

PAGE = 50
HIDDEN = protection.HIDDEN_ADDRESS


def protected(person_ids) -> set[int]:
    """The persons a 支援措置 covers (their address is neither shown nor printed on a notice)."""
    return protection.protected_person_ids(person_ids)


@dataclass
class TaxpayerRow:
    taxpayer: Taxpayer
    assessment: Assessment | None


def taxpayers_search(*, actor, town, fiscal_year: int, query: str = "", page: int = 1) -> tuple[list[TaxpayerRow], int]:
    """納税義務者一覧 of a year: by 宛名番号 (exact) or 氏名・カナ (part), 50 a page, with the current 税額."""
    require_read(actor, town)
    query = (query or "").strip()
    if len(query) > 50:
        raise InvalidInput("q", "検索語は50文字以内で入力してください。", "the query is longer than 50 characters")
    qs = Taxpayer.objects.filter(fiscal_year=fiscal_year)
    if query:
        qs = qs.filter(Q(atena_number=query) | Q(name__contains=query) | Q(name_kana__contains=query))
    count = qs.count()
    taxpayers = list(qs.order_by("atena_number")[(page - 1) * PAGE: page * PAGE])
    current = {a.person_id: a for a in Assessment.objects.filter(
        fiscal_year=fiscal_year, is_current=True, person_id__in=[t.person_id for t in taxpayers])}
    if taxpayers:
        audit.record(town=town, actor=actor, action="juminzei.taxpayer_list", persons=[t.person_id for t in taxpayers],
                     purpose="納税義務者の検索", fiscal_year=fiscal_year, query=query[:50], count=count)
    return [TaxpayerRow(t, current.get(t.person_id)) for t in taxpayers], count


@dataclass
class TaxpayerDetail:
    taxpayer: Taxpayer
    reports: list[IncomeReport]
    assessment: Assessment | None
    history: list[Assessment]
    charges: list[Charge]
    address_hidden: bool
    explanation: list[str]


def taxpayer_detail(*, actor, town, fiscal_year: int, person_id: int, purpose: str = "納税義務者の照会") -> TaxpayerDetail:
    require_read(actor, town)
    taxpayer = Taxpayer.objects.filter(fiscal_year=fiscal_year, person_id=person_id).first()
    if taxpayer is None:
        raise NotFound
    reports = list(IncomeReport.objects.filter(fiscal_year=fiscal_year, person_id=person_id))
    rows = list(Assessment.objects.filter(fiscal_year=fiscal_year, person_id=person_id).order_by("-pk"))
    current = next((a for a in rows if a.is_current), None)
    charges = list(Charge.objects.filter(tax=TaxKind.JUMINZEI, fiscal_year=fiscal_year, person_id=person_id,
                                         is_current=True).prefetch_related("payments"))
    hidden = person_id in protected([person_id])
    audit.record(town=town, actor=actor, action="juminzei.taxpayer_read", person_id=person_id, purpose=purpose,
                 fiscal_year=fiscal_year)
    explanation = services.explanation_of(current, town) if current is not None else []
    return TaxpayerDetail(taxpayer, reports, current, [a for a in rows if not a.is_current], charges, hidden,
                          explanation)


def notice_for(*, actor, town, assessment_id: int) -> tuple[Assessment, Taxpayer, list[Charge], bool, list[str]]:
    """What a 納税通知書 / 税額決定通知書 prints: an issued assessment, its taxpayer and 調定 (audited)."""
    require_read(actor, town)
    a = Assessment.objects.filter(pk=assessment_id).exclude(notice_no="").first()
    if a is None:
        raise NotFound
    taxpayer = Taxpayer.objects.filter(fiscal_year=a.fiscal_year, person_id=a.person_id).first()
    if taxpayer is None:
        raise NotFound
    charges = list(Charge.objects.filter(tax=TaxKind.JUMINZEI, notice_no=a.notice_no).order_by("instalment"))
    hidden = a.person_id in protected([a.person_id])
    audit.record(town=town, actor=actor, action="juminzei.notice_pdf", person_id=a.person_id,
                 purpose="通知書の出力", fiscal_year=a.fiscal_year, notice_no=a.notice_no)
    return a, taxpayer, charges, hidden, services.explanation_of(a, town)


@dataclass
class YearSummary:
    fiscal_year: int
    taxpayers: int
    reports: int
    assessed: int
    unsupported: int
    taxable: int
    issued: int
    to_issue: int
    total: int
    imports: list[IncomeImport]
    unsupported_rows: list[Assessment]


def year_summary(*, actor, town, fiscal_year: int) -> YearSummary:
    """The year's figures (no personal data) and the rows the engine could not compute (audited when shown)."""
    require_read(actor, town)
    current = Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True)
    unsupported = list(current.filter(status="unsupported").order_by("atena_number")[:100])
    if unsupported:
        audit.record(town=town, actor=actor, action="juminzei.unsupported_list",
                     persons=[a.person_id for a in unsupported], purpose="計算できない納税義務者の確認",
                     fiscal_year=fiscal_year)
    ok = current.filter(status="ok")
    return YearSummary(
        fiscal_year, Taxpayer.objects.filter(fiscal_year=fiscal_year).count(),
        IncomeReport.objects.filter(fiscal_year=fiscal_year).count(), current.count(),
        current.filter(status="unsupported").count(), ok.filter(total__gt=0).count(),
        ok.exclude(notice_no="").count(), ok.filter(total__gt=0, notice_no="").count(),
        ok.aggregate(s=Sum("total"))["s"] or 0,
        list(IncomeImport.objects.filter(fiscal_year=fiscal_year)[:10]), unsupported)


def person_current(*, actor, town, person_id: int, purpose: str) -> tuple[Assessment | None, Taxpayer | None]:
    """統合照会: the person's latest year's current assessment and taxpayer row (audited when there is one)."""
    require_read(actor, town)
    taxpayer = Taxpayer.objects.filter(person_id=person_id).order_by("-fiscal_year").first()
    if taxpayer is None:
        return None, None
    a = Assessment.objects.filter(person_id=person_id, fiscal_year=taxpayer.fiscal_year, is_current=True).first()
    audit.record(town=town, actor=actor, action="juminzei.inquiry", person_id=person_id, purpose=purpose,
                 fiscal_year=taxpayer.fiscal_year)
    return a, taxpayer


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
