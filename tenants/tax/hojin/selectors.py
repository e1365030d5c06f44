"""法人住民税's reads: corporation search and the one-screen corporation inquiry (法人の照会). Every read that
shows a corporation's data is audited (``corporation.search``, ``corporation.read``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, Sum

from .. import audit
from ..models import Charge, DelinquencyStatus, TaxKind, WorkItem, WorkStatus
from ..selectors import NotFound, require_read
from .models import CorporateReturnRecord, Corporation

SEARCH_LIMIT = 100


def corporations_search(*, actor, town, query: str, limit: int = SEARCH_LIMIT) -> list[Corporation]:
    """法人の検索: by 法人番号 (13 digits: exact; fewer: prefix) or by 名称・カナ (contains)."""
    require_read(actor, town)
    query = (query or "").strip()
    if not query:
        return []
    if query.isascii() and query.isdigit():
        qs = Corporation.objects.filter(corporate_number__startswith=query)
    else:
        qs = Corporation.objects.filter(Q(name__icontains=query) | Q(kana__icontains=query))
    found = list(qs.order_by("kana", "name", "pk")[:limit])
    audit.record(town=town, actor=actor, action="corporation.search", purpose="法人の検索",
                 count=len(found), corporate_numbers=[c.corporate_number for c in found])
    return found


@dataclass
class ChargeLine:
    charge: Charge
    paid: int
    balance: int
    status: DelinquencyStatus | None


@dataclass
class CorporationInquiry:
    """法人の照会 on one screen: profile, office, returns with their calculation, 調定 with 収納 and 滞納の状況,
    pending 作業."""

    corporation: Corporation
    returns: list[CorporateReturnRecord]
    charges: list[ChargeLine]
    workitems: list[WorkItem]
    totals: dict[str, int] = field(default_factory=dict)


def _get(corporation_id: int) -> Corporation:
    corporation = Corporation.objects.filter(pk=int(corporation_id)).first()
    if corporation is None:
        raise NotFound
    return corporation


def corporation_get(*, actor, town, corporation_id: int, purpose: str = "法人の表示") -> Corporation:
    require_read(actor, town)
    corporation = _get(corporation_id)
    audit.record(town=town, actor=actor, action="corporation.read", purpose=purpose,
                 corporate_number=corporation.corporate_number)
    return corporation


def corporation_returns(corporation: Corporation) -> list[CorporateReturnRecord]:
    """The corporation's returns (no audit: for a caller that already read the corporation)."""
    return list(CorporateReturnRecord.objects.filter(corporation=corporation)
                .order_by("-period_start", "created_at", "pk"))


def corporation_inquiry(*, actor, town, corporation_id: int, purpose: str = "法人の照会") -> CorporationInquiry:
    """Everything 税務課 knows of a corporation, read in a handful of queries and audited once."""
    require_read(actor, town)
    corporation = _get(corporation_id)
    returns = corporation_returns(corporation)
    charges = list(Charge.objects.filter(tax=TaxKind.HOJIN, corporate_number=corporation.corporate_number)
                   .prefetch_related("payments", Prefetch("statuses", queryset=DelinquencyStatus.objects
                                                          .order_by("as_of", "pk")))
                   .order_by("-fiscal_year", "due_on", "pk"))
    lines = []
    for charge in charges:
        paid = sum(p.amount for p in charge.payments.all())
        statuses = list(charge.statuses.all())
        lines.append(ChargeLine(charge=charge, paid=paid, balance=max(charge.amount - paid, 0),
                                status=statuses[-1] if statuses else None))
    workitems = list(WorkItem.objects.filter(corporate_number=corporation.corporate_number,
                                             status=WorkStatus.PENDING).order_by("created_at", "pk"))
    totals = {"charged": sum(line.charge.amount for line in lines if line.charge.is_current),
              "paid": sum(line.paid for line in lines),
              "balance": sum(line.balance for line in lines if line.charge.is_current)}
    audit.record(town=town, actor=actor, action="corporation.read", purpose=purpose,
                 corporate_number=corporation.corporate_number, returns=len(returns), charges=len(lines))
    return CorporationInquiry(corporation=corporation, returns=returns, charges=lines, workitems=workitems,
                              totals=totals)


def hojin_figures() -> dict[str, int]:
    """Console-style counts (no corporation named)."""
    return {"法人数": Corporation.objects.count(),
            "申告数": CorporateReturnRecord.objects.count(),
            "法人住民税の調定額": Charge.objects.filter(tax=TaxKind.HOJIN, is_current=True)
            .aggregate(s=Sum("amount"))["s"] or 0}
