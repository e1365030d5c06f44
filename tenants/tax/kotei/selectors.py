"""固定資産税's reads. Every read naming an owner (a resident or a corporation) is audited with its purpose;
another town's parcel is simply not found (each town has its own schema)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from tenants.tax import audit
from tenants.tax.kotei.tables import national_rules
from tenants.tax.models import Charge, TaxKind, WorkItem, WorkStatus
from tenants.tax.selectors import NotFound, require_read

from .models import Ownership, Parcel, ParcelKind, PropertyAssessment, RegistryNoticeBatch

SEARCH_LIMIT = 200


def category_name(kind: str, code: str) -> str:
    rules = national_rules()
    table = rules.land_categories if kind == ParcelKind.LAND else rules.building_kinds
    return table.get(code, code)


def _persons(owners) -> list[int]:
    return sorted({o.person_id for o in owners if o.person_id is not None})


def parcels_search(*, actor, town, location: str = "", number: str = "", atena: str = "",
                   limit: int = SEARCH_LIMIT) -> list[Parcel]:
    """物件の検索 by 所在 (part), 地番・家屋番号 (start) or an owner's 宛名番号."""
    require_read(actor, town)
    qs = Parcel.objects.all()
    if location:
        qs = qs.filter(location__contains=location)
    if number:
        qs = qs.filter(number__startswith=number)
    if atena:
        qs = qs.filter(ownerships__atena_number=atena, ownerships__valid_until__isnull=True)
    rows = list(qs.order_by("status", "kind", "location", "number").distinct()[:limit])
    owners: dict[int, list[Ownership]] = {}
    for o in Ownership.objects.filter(parcel__in=rows, valid_until__isnull=True).order_by("pk"):
        owners.setdefault(o.parcel_id, []).append(o)
    for p in rows:
        p.current_owners = owners.get(p.pk, [])  # type: ignore[attr-defined]
        p.category_name = category_name(p.kind, p.category)  # type: ignore[attr-defined]
    persons = sorted({pid for os_ in owners.values() for pid in _persons(os_)})
    audit.record(town=town, actor=actor, action="kotei.parcel.search", persons=persons, purpose="固定資産の検索",
                 count=len(rows))
    return rows


@dataclass
class ParcelDetail:
    parcel: Parcel
    category_name: str
    owners: list[Ownership]  # every row, oldest first (history)
    assessments: list[PropertyAssessment]  # current ones that include the parcel
    lines: dict[int, list]  # assessment pk → the parcel's line [id, base, tax, reduction]
    work: list[WorkItem]


def parcel_detail(*, actor, town, parcel_id: int, purpose: str = "固定資産の照会") -> ParcelDetail:
    require_read(actor, town)
    parcel = Parcel.objects.filter(pk=parcel_id).first()
    if parcel is None:
        raise NotFound
    owners = list(Ownership.objects.filter(parcel=parcel).order_by("valid_from", "pk"))
    keys = {o.owner_key for o in owners if o.valid_until is None}
    assessments = [a for a in PropertyAssessment.objects.filter(is_current=True).filter(_key_filter(keys))
                   .order_by("-fiscal_year") if any(line[0] == parcel.pk for line in a.lines)]
    lines = {a.pk: next(line for line in a.lines if line[0] == parcel.pk) for a in assessments}
    for a in assessments:
        a.parcel_line = lines[a.pk]  # type: ignore[attr-defined]  # [parcel, 課税標準額, 税相当額, 減額]
    work = list(WorkItem.objects.filter(tax=TaxKind.KOTEI, parcel_id=parcel.pk).order_by("-created_at")[:20])
    audit.record(town=town, actor=actor, action="kotei.parcel.read", persons=_persons(owners), purpose=purpose,
                 parcel=parcel.pk)
    return ParcelDetail(parcel, category_name(parcel.kind, parcel.category), owners, assessments, lines, work)


def _key_filter(keys) -> Q:
    q = Q(pk__in=[])
    for key in keys:
        q |= Q(taxpayer_key__regex=rf"(^|\+){key}(\+|$)")
    return q


@dataclass
class AssessmentDetail:
    assessment: PropertyAssessment
    lines: list[dict]  # per parcel: parcel, category name, base, tax, reduction
    charges: list[Charge]
    owners: list[Ownership]


def assessment_detail(*, actor, town, assessment_id: int, purpose: str = "固定資産税の課税明細の照会") -> AssessmentDetail:
    require_read(actor, town)
    row = PropertyAssessment.objects.filter(pk=assessment_id).first()
    if row is None:
        raise NotFound
    parcels = {p.pk: p for p in Parcel.objects.filter(pk__in=[line[0] for line in row.lines])}
    lines = []
    for pid, base, tax, reduction in row.lines:
        p = parcels[pid]
        lines.append({"parcel": p, "category": category_name(p.kind, p.category), "base": base, "tax": tax,
                      "reduction": reduction})
    charges = list(Charge.objects.filter(tax=TaxKind.KOTEI, notice_no=row.notice_no).order_by("instalment")) \
        if row.notice_no else []
    owners = list(Ownership.objects.filter(parcel_id__in=list(parcels), valid_until__isnull=True)
                  .order_by("-is_representative", "pk"))
    seen, unique = set(), []
    for o in owners:
        if o.owner_key not in seen:
            seen.add(o.owner_key)
            unique.append(o)
    audit.record(town=town, actor=actor, action="kotei.assessment.read", person_id=row.person_id,
                 persons=_persons(unique), purpose=purpose, assessment=row.pk, fiscal_year=row.fiscal_year)
    return AssessmentDetail(row, lines, charges, unique)


def assessments_list(*, actor, town, fiscal_year: int, limit: int = 200) -> tuple[list[PropertyAssessment], dict]:
    """A year's current assessments (first ``limit``, by 税額 descending) and the year's totals."""
    require_read(actor, town)
    qs = PropertyAssessment.objects.filter(fiscal_year=fiscal_year, is_current=True)
    rows = list(qs.order_by("-total", "pk")[:limit])
    totals = {"taxpayers": qs.count(), "issued": qs.exclude(notice_no="").count(),
              "unsupported": qs.exclude(unsupported="").count(), "total": sum(qs.values_list("total", flat=True))}
    if rows:
        audit.record(town=town, actor=actor, action="kotei.assessment.list",
                     persons=sorted({r.person_id for r in rows if r.person_id}), purpose="固定資産税の賦課一覧",
                     fiscal_year=fiscal_year, count=len(rows))
    return rows, totals


def revaluation_items(*, actor, town) -> list[WorkItem]:
    """評価変更 and the other 固定資産税 作業 pending, oldest first (audited as one read)."""
    require_read(actor, town)
    items = list(WorkItem.objects.filter(tax=TaxKind.KOTEI, status=WorkStatus.PENDING).order_by("created_at", "pk")[:500])
    if items:
        audit.record(town=town, actor=actor, action="workitem.list",
                     persons=sorted({i.person_id for i in items if i.person_id}), purpose="評価変更の作業一覧",
                     count=len(items), tax=TaxKind.KOTEI)
    return items


def batches(*, actor, town) -> list[RegistryNoticeBatch]:
    require_read(actor, town)
    return list(RegistryNoticeBatch.objects.order_by("-imported_at", "-pk")[:20])


def person_holdings(*, actor, town, person_id: int, purpose: str) -> dict | None:
    """統合照会: the parcels the person owns now (alone or jointly) and their current assessments."""
    require_read(actor, town)
    owned = list(Ownership.objects.filter(person_id=person_id, valid_until__isnull=True).select_related("parcel")
                 .order_by("parcel__kind", "parcel__location", "parcel__number"))
    assessments = list(PropertyAssessment.objects.filter(is_current=True).filter(_key_filter({f"p{person_id}"}))
                       .order_by("-fiscal_year", "taxpayer_key"))
    if not owned and not assessments:
        return None
    audit.record(town=town, actor=actor, action="kotei.inquiry.read", person_id=person_id, purpose=purpose,
                 parcels=len(owned), assessments=len(assessments))
    for o in owned:
        o.category_name = category_name(o.parcel.kind, o.parcel.category)  # type: ignore[attr-defined]
    return {"owned": owned, "assessments": assessments}
