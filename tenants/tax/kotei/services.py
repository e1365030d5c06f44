"""固定資産税's writes: parcels and owners, the whole town's calculation for a 年度, the 納税通知書 (調定), and the
import of the 法務局's 登記済通知 (each notice becomes an 評価変更 作業; applying it is ``workitems.apply``).

納税義務者: the owners of a parcel on the 賦課期日 (1 January of the 年度, 地方税法 第359条). All the co-owners of
the same parcels are one 納税義務者 (連帯納税義務, 第10条の2), their 代表者 receiving the notice; the 免税点 is per
納税義務者 and kind (第351条), so a person's own parcels and the parcels they own jointly are taxed apart."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q

from kyodo.identity.principal import audit_actor_of
from tenants.tax import audit, permissions
from tenants.tax.common import InputError, UnsupportedCase, fiscal_year_label
from tenants.tax.kotei.engine import Building, Land, NewHousing, property_tax
from tenants.tax.kotei.tables import HOUSING_KINDS, load_table, national_rules
from tenants.tax.models import Charge, SubjectKind, TaxKind, WorkItem, WorkKind

from .models import (
    NoticeKind,
    Ownership,
    Parcel,
    ParcelKind,
    ParcelStatus,
    PropertyAssessment,
    RegistryNotice,
    RegistryNoticeBatch,
)

LAYOUT = "tokisumi-1.0"
MAX_VALUE = 10**13  # 評価額 above 10兆円 is a typing error
MAX_AREA = Decimal("9999999999.99")


def _who(actor) -> str:
    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def _require(actor, town, check, message: str) -> None:
    audit.assert_in_town(town)
    if not check(actor, town):
        raise PermissionDenied(message)


def levy_date(fiscal_year: int) -> dt.date:
    """賦課期日: 1 January of the 年度 (地方税法 第359条)."""
    return dt.date(fiscal_year, 1, 1)


# --- checks shared by staff input and the notice import ------------------------------------------------------

def check_category(kind: str, code: str, field: str = "category") -> str:
    rules = national_rules()
    table = rules.land_categories if kind == ParcelKind.LAND else rules.building_kinds
    if not isinstance(code, str) or code not in table:
        label = "地目" if kind == ParcelKind.LAND else "種類"
        raise ValidationError({field: [f"{label}コード {str(code)[:10]!r} は固定資産税のコード表にありません。"]})
    return code


def parse_area(text, field: str = "area") -> Decimal:
    """地積・床面積: ASCII digits with up to two decimals, above 0."""
    if isinstance(text, Decimal):
        value = text
    else:
        s = str(text or "").strip()
        if not s or not s.isascii() or not all(c.isdigit() or c == "." for c in s) or s.count(".") > 1:
            raise ValidationError({field: [f"面積 {s[:20]!r} は半角数字（小数2桁まで）で入力してください。"]})
        try:
            value = Decimal(s)
        except InvalidOperation:
            raise ValidationError({field: [f"面積 {s[:20]!r} は数値ではありません。"]}) from None
    if value <= 0 or value > MAX_AREA or value != value.quantize(Decimal("0.01")):
        raise ValidationError({field: [f"面積 {value} は 0 より大きく、小数2桁までで入力してください。"]})
    return value


def parse_yen(text, field: str = "value") -> int:
    """評価額: ASCII digits, 0 to 10兆円."""
    s = str(text if text is not None else "").strip()
    if not s or not s.isascii() or not s.isdigit() or len(s) > 14:
        raise ValidationError({field: [f"金額 {s[:20]!r} は半角数字（円）で入力してください。"]})
    value = int(s)
    if value > MAX_VALUE:
        raise ValidationError({field: [f"金額 {value:,}円 は大きすぎます。"]})
    return value


def parse_share(text, field: str = "share") -> tuple[int, int]:
    s = str(text or "").strip() or "1/1"
    parts = s.split("/")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and 0 < len(p) <= 6 for p in parts) \
            or int(parts[0]) == 0 or int(parts[0]) > int(parts[1]):
        raise ValidationError({field: [f"持分 {s[:20]!r} は「1/2」のように、分母以下の分子で入力してください。"]})
    return int(parts[0]), int(parts[1])


# --- parcels and owners ----------------------------------------------------------------------------------

def parcel_create(*, actor, town, kind: str, location: str, number: str, category: str, area, value: int,
                  owners: list[dict], valid_from: dt.date, previous_base: int | None = None, housing_area=0,
                  dwellings: int = 0, new_housing_first_year: int | None = None, new_housing_area=None,
                  origin: str = "staff", registered_on: dt.date | None = None) -> Parcel:
    """A parcel and its first owners (``owners``: dicts of person_id/atena_number or corporate_number, name,
    share (num, den), representative, manager_*)."""
    _require(actor, town, permissions.can_record, "固定資産の台帳を登録する権限がありません")
    if kind not in ParcelKind.values:
        raise ValidationError({"kind": ["土地・家屋の区分が正しくありません。"]})
    check_category(kind, category)
    with transaction.atomic():
        parcel = Parcel.objects.create(kind=kind, location=location.strip()[:200], number=number.strip()[:40],
                                       category=category, area=parse_area(area), value=value,
                                       previous_base=previous_base, housing_area=Decimal(housing_area or 0),
                                       dwellings=dwellings, new_housing_first_year=new_housing_first_year,
                                       new_housing_area=new_housing_area, origin=origin[:80],
                                       registered_on=registered_on)
        _owners_add(parcel, owners, valid_from, source=origin)
        audit.record(town=town, actor=actor, action="kotei.parcel.create", persons=_person_ids(owners),
                     purpose="固定資産課税台帳の登録", parcel=parcel.pk)
    return parcel


def _person_ids(owners) -> list[int]:
    return sorted({int(o["person_id"]) for o in owners if o.get("person_id") is not None})


def _owners_add(parcel: Parcel, owners: list[dict], valid_from: dt.date, *, source: str) -> list[Ownership]:
    if not owners:
        raise ValidationError({"owners": [f"{parcel.label}: 所有者がいません。"]})
    total = sum((Fraction(*o.get("share", (1, 1))) for o in owners), Fraction(0))
    if total != 1:
        raise ValidationError({"share": [f"{parcel.label}: 持分の合計が {total} です（1 のはず）。"]})
    rows = []
    has_rep = any(o.get("representative") for o in owners)
    for i, o in enumerate(owners):
        num, den = o.get("share", (1, 1))
        rows.append(Ownership(parcel=parcel, person_id=o.get("person_id"), atena_number=o.get("atena_number", ""),
                              corporate_number=o.get("corporate_number", "") or "", name=o["name"][:200],
                              share_numerator=num, share_denominator=den,
                              is_representative=bool(o.get("representative")) if has_rep else i == 0,
                              manager_person_id=o.get("manager_person_id"), manager_name=o.get("manager_name", ""),
                              manager_address=o.get("manager_address", ""), valid_from=valid_from,
                              source=source[:80]))
    return Ownership.objects.bulk_create(rows)


def owners_transfer(parcel: Parcel, owners: list[dict], on: dt.date, *, source: str) -> list[Ownership]:
    """所有権移転: the current owners' rows end the day before ``on``, the new owners' rows start on it."""
    Ownership.objects.filter(parcel=parcel, valid_until__isnull=True).update(valid_until=on - dt.timedelta(days=1))
    return _owners_add(parcel, owners, on, source=source)


def current_owners(parcel_ids) -> dict[int, list[Ownership]]:
    found: dict[int, list[Ownership]] = defaultdict(list)
    for o in Ownership.objects.filter(parcel_id__in=list(parcel_ids), valid_until__isnull=True).order_by("pk"):
        found[o.parcel_id].append(o)
    return found


# --- the whole town's calculation ----------------------------------------------------------------------------

_PARCEL_FIELDS = ("id", "kind", "location", "number", "category", "area", "value", "previous_base", "housing_area",
                  "dwellings", "new_housing_first_year", "new_housing_area", "new_housing_midrise")
_OWNER_FIELDS = ("parcel_id", "person_id", "corporate_number", "atena_number", "name", "is_representative",
                 "share_numerator", "share_denominator")


def _parcels_on(day: dt.date, parcel_ids=None):
    qs = Parcel.objects.filter(Q(registered_on__isnull=True) | Q(registered_on__lte=day)) \
        .filter(Q(status=ParcelStatus.ACTIVE) | Q(lost_on__gt=day))
    if parcel_ids is not None:
        qs = qs.filter(pk__in=list(parcel_ids))
    return qs.order_by("pk").values_list(*_PARCEL_FIELDS).iterator(chunk_size=20_000)


def taxpayer_key(owners: list[tuple]) -> str:
    return "+".join(sorted({f"p{o[0]}" if o[0] is not None else f"c{o[1]}" for o in owners}))


def _taxpayer(owners: list[tuple]) -> dict:
    rep = next((o for o in owners if o[4]), owners[0])
    name = rep[3] if len(owners) == 1 else f"{rep[3]} 外{len(owners) - 1}名"
    return {"person_id": rep[0], "corporate_number": rep[1] or "", "atena_number": rep[2] or "", "name": name[:300],
            "co_owners": len(owners)}


def _compute(key: str, parcels: list[tuple], rates, fiscal_year: int) -> dict:
    """One 納税義務者's figures: :func:`compute_fast` when every parcel is of the cases it covers, else the
    engine (which also raises for the cases it does not compute)."""
    found = compute_fast([fast_row(p) for p in parcels], rates, fiscal_year)
    return found if found is not None else compute_with_engine(key, parcels, rates, fiscal_year)


@functools.lru_cache(maxsize=16)
def _constants(num: int, den: int):
    rules = national_rules()
    ratio = rules.new_housing_ratio
    per_dwelling_new = rules.new_housing_area_per_dwelling * 100  # 0.01㎡ units
    if per_dwelling_new.denominator != 1:
        raise ValueError("new_housing.area_per_dwelling must be a whole number of 0.01㎡")
    return (rules.building_kinds, rules.small_ratio.numerator * rules.general_ratio.denominator,
            rules.general_ratio.numerator * rules.small_ratio.denominator,
            rules.small_ratio.denominator * rules.general_ratio.denominator,
            rules.adjustment_step.numerator, rules.adjustment_step.denominator,
            rules.adjustment_floor.numerator, rules.adjustment_floor.denominator, rules.small_units_per_dwelling,
            rules.new_housing_years, rules.new_housing_years_midrise, int(per_dwelling_new), ratio.numerator,
            ratio.denominator, rules.land_exemption, rules.building_exemption)


def fast_row(row: tuple) -> tuple:
    """A parcel row of ``_PARCEL_FIELDS`` as the whole-town query gives it (areas in 0.01㎡ units, whether the
    land is wholly 住宅用地, whether an area has more than two decimals)."""
    pid, kind, _loc, _no, category, area, value, previous, housing, dwellings, nh_year, nh_area, midrise = row
    odd = area != area.quantize(Decimal("0.01")) or (nh_area is not None and nh_area != nh_area.quantize(Decimal("0.01")))
    return (pid, kind, category, int(area * 100), value, previous, housing == area, dwellings, nh_year,
            None if nh_area is None else int(nh_area * 100), midrise, odd)


def compute_fast(parcels: list[tuple], rates, fiscal_year: int) -> dict | None:
    """The engine's arithmetic (engine.land_base, engine._kind_total, the 新築住宅 reduction) in integers on the
    rows as they come from the database, without building the engine's records — for 宅地 wholly 住宅用地 and
    家屋 of a known 種類 (``parcels``: :func:`fast_row` rows); None for anything else (the engine then decides). tests/tax/kotei/test_kotei_fast.py
    checks it against the engine on thousands of random cases."""
    num, den = rates.rate.numerator, rates.rate.denominator
    (kinds, small_k, general_k, land_d, st_num, st_den, fl_num, fl_den, per_dwelling, years_low, years_mid,
     new_per_dwelling, r_num, r_den, land_point, building_point) = _constants(num, den)
    lines = []
    land_sum = building_sum = reduction_sum = 0
    for pid, kind, category, units, value, previous, whole_housing, dwellings, nh_year, nh_units, midrise, odd \
            in parcels:
        if odd:  # an area with more than two decimals: the engine refuses it
            return None
        if kind == "land":
            if category != "03" or not whole_housing or dwellings < 1:
                return None
            small = per_dwelling * dwellings
            if small > units:
                small = units
            n = value * (small * small_k + (units - small) * general_k)
            d = units * land_d
            base = n // d  # 本則
            if previous is not None and n and previous * d < n:  # 負担水準 < 100%: 負担調整
                raised = previous + n * st_num // (d * st_den)
                if raised < base:
                    base = raised
                lowest = n * fl_num // (d * fl_den)
                if lowest > base:
                    base = lowest
            land_sum += base
            lines.append([pid, base, base * num // den, 0])
        else:
            if category not in kinds:
                return None
            reduction = 0
            if nh_year:
                residential = nh_units or units
                if category not in HOUSING_KINDS or residential > units:
                    return None
                if nh_year <= fiscal_year < nh_year + (years_mid if midrise else years_low):
                    eligible = min(residential, new_per_dwelling * max(dwellings, 1))
                    # value × rate × eligible ÷ 床面積 × 1/2, truncated (the engine's exact Fraction)
                    reduction = value * num * eligible * r_num // (den * units * r_den)
            building_sum += value
            reduction_sum += reduction
            lines.append([pid, value, value * num // den, reduction])
    land = _kind(land_sum, land_point, num, den, 0)
    house = _kind(building_sum, building_point, num, den, reduction_sum)
    total = land[1] + house[1]
    return {"land_base": land_sum, "land_tax": land[1], "land_exempt": land[0], "building_base": building_sum,
            "building_tax": house[1], "building_exempt": house[0], "reduction": house[2],
            "total": total - total % 100 if total > 0 else 0, "lines": lines}


def _kind(base: int, point: int, num: int, den: int, reduction: int) -> tuple[bool, int, int]:
    """(exempt, tax, reduction applied) of one kind: engine._kind_total."""
    if base < point:
        return True, 0, 0
    taxable = base - base % 1000 if base > 0 else 0
    computed = taxable * num // den
    reduction = min(reduction, computed)
    return False, computed - reduction, reduction


def compute_with_engine(key: str, parcels: list[tuple], rates, fiscal_year: int) -> dict:
    """One 納税義務者's figures from its parcels' rows through the engine (no database)."""
    lands, buildings, order = [], [], []
    for p in parcels:
        pid, kind, location, number, category, area, value, previous, housing, dwellings, nh_year, nh_area, midrise = p
        label = f"{location} {number}"
        if kind == ParcelKind.LAND:
            lands.append(Land(parcel=label, category=category, area=area, value=value, housing_area=housing,
                              dwellings=dwellings, previous_base=previous))
            order.append(("L", pid))
        else:
            new = NewHousing(first_year=nh_year, residential_area=nh_area or area, dwellings=max(dwellings, 1),
                             midrise_fire_resistant=midrise) if nh_year else None
            buildings.append(Building(parcel=label, kind=category, floor_area=area, value=value, new_housing=new))
            order.append(("B", pid))
    result = property_tax(key, rates=rates, fiscal_year=fiscal_year, lands=lands, buildings=buildings, explain=False)
    num, den = rates.rate.numerator, rates.rate.denominator
    land_it, building_it = iter(result.lands), iter(result.buildings)
    lines = []
    for kind, pid in order:
        if kind == "L":
            base = next(land_it).base
            lines.append([pid, base, base * num // den, 0])
        else:
            b = next(building_it)
            lines.append([pid, b.value, b.value * num // den, b.reduction])
    return {"land_base": result.land.base, "land_tax": result.land.tax, "land_exempt": result.land.exempt,
            "building_base": result.building.base, "building_tax": result.building.tax,
            "building_exempt": result.building.exempt, "reduction": result.building.reduction,
            "total": result.total, "lines": lines}


NULL = "\\N"  # COPY's text format
_OWNERS_SQL = """
SELECT parcel_id, CASE WHEN person_id IS NOT NULL THEN 'p' || person_id ELSE 'c' || corporate_number END,
       is_representative, person_id, corporate_number, atena_number, name
  FROM {ownership}
 WHERE valid_from <= %(day)s AND (valid_until IS NULL OR valid_until >= %(day)s)
 ORDER BY parcel_id, id
"""
_PARCELS_SQL = """
SELECT id, kind, category, (area * 100)::bigint, value, previous_base, housing_area = area, dwellings,
       new_housing_first_year, (new_housing_area * 100)::bigint, new_housing_midrise,
       (area * 100) <> trunc(area * 100) OR (new_housing_area * 100) <> trunc(new_housing_area * 100)
  FROM {parcel}
 WHERE (registered_on IS NULL OR registered_on <= %(day)s) AND (status = 'active' OR lost_on > %(day)s)
 ORDER BY id
"""


def _row_text(fiscal_year: int, key: str, person, atena: str, corporation: str, name: str, co_owners: int, f: dict,
              rate: str, reason: str) -> tuple[str, str]:
    """The row's columns from ``fiscal_year`` to ``unsupported`` in COPY's text format, and its digest (what
    the row says: a recalculation that finds the same leaves the row alone)."""
    lines = ",".join([f"[{a},{b},{c},{d}]" for a, b, c, d in f["lines"]])
    text = (f"{fiscal_year}\t{_copy_text(key)}\t{NULL if person is None else person}\t{_copy_text(atena)}\t"
            f"{_copy_text(corporation)}\t{_copy_text(name)}\t{co_owners}\t{len(f['lines'])}\t{f['land_base']}\t"
            f"{f['land_tax']}\t{'t' if f['land_exempt'] else 'f'}\t{f['building_base']}\t{f['building_tax']}\t"
            f"{'t' if f['building_exempt'] else 'f'}\t{f['reduction']}\t{f['total']}\t[{lines}]\t{_copy_text(rate)}\t"
            f"{_copy_text(reason)}")
    return text, hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def assessments_calculate(*, actor, town, fiscal_year: int) -> dict[str, int]:
    """一括計算: every 納税義務者 of the town for ``fiscal_year`` (parcels and owners on the 賦課期日), read in
    three plain queries, the figures per 納税義務者 (:func:`compute_fast`, else the engine), the new rows written
    with COPY; a 納税義務者 whose figures are unchanged keeps its row (and its notice number), a changed one gets
    a new row and the earlier one stops being current. A 納税義務者 whose parcel the engine does not compute (e.g. land that is not wholly 住宅用地) gets
    a row with the reason and no tax, for staff to handle."""
    import gc

    _require(actor, town, permissions.can_decide, "一括計算は税務課長が行います")
    rates = load_table(town.code, fiscal_year)
    day = levy_date(fiscal_year)
    groups: dict[str, list[tuple]] = {}
    payers: dict[str, tuple] = {}
    counts = {"taxpayers": 0, "parcels": 0, "unsupported": 0, "exempt": 0, "total": 0, "unchanged": 0, "written": 0}
    text: list[str] = []
    now = dt.datetime.now(dt.UTC).isoformat()
    who = _copy_text(_who(actor))
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small tuples: no collector passes over them while they are built
    try:
        with connection.cursor() as cursor:
            cursor.execute(_OWNERS_SQL.format(ownership=Ownership._meta.db_table), {"day": day})
            owners: dict[int, list] = {}
            for parcel_id, owner_key, representative, person, corporation, atena, name in cursor.fetchall():
                found_owners = owners.get(parcel_id)
                if found_owners is None:
                    owners[parcel_id] = [[owner_key], (person, corporation, atena, name), representative, 1]
                else:
                    found_owners[0].append(owner_key)
                    found_owners[3] += 1
                    if representative and not found_owners[2]:
                        found_owners[1], found_owners[2] = (person, corporation, atena, name), True
            cursor.execute(_PARCELS_SQL.format(parcel=Parcel._meta.db_table), {"day": day})
            for row in cursor.fetchall():
                o = owners.get(row[0])
                if o is None:
                    continue
                keys = o[0]
                key = keys[0] if len(keys) == 1 else "+".join(sorted(set(keys)))
                found = groups.get(key)
                if found is None:
                    groups[key] = [row]
                    payers[key] = (*o[1], o[3])
                else:
                    found.append(row)
            cursor.execute(f"SELECT taxpayer_key, signature, id FROM {PropertyAssessment._meta.db_table} "
                           "WHERE fiscal_year = %s AND is_current", [fiscal_year])
            existing = {key: (signature, pk) for key, signature, pk in cursor.fetchall()}
        retire: list[int] = [pk for key, (_sig, pk) in existing.items() if key not in groups]
        for key, parcels in groups.items():
            person, corporation, atena, name, n_owners = payers[key]
            try:
                fast = compute_fast(parcels, rates, fiscal_year)
                f = fast if fast is not None else None
                if f is None:  # a case for the engine: the parcels' full rows
                    f = compute_with_engine(key, list(_parcels_on(day, [p[0] for p in parcels])), rates, fiscal_year)
                reason = ""
            except (UnsupportedCase, InputError) as exc:
                f = {"land_base": 0, "land_tax": 0, "land_exempt": False, "building_base": 0, "building_tax": 0,
                     "building_exempt": False, "reduction": 0, "total": 0,
                     "lines": [[p[0], 0, 0, 0] for p in parcels]}
                reason = str(exc)[:300]
                counts["unsupported"] += 1
            counts["taxpayers"] += 1
            counts["parcels"] += len(parcels)
            counts["total"] += f["total"]
            if not reason and f["total"] == 0:
                counts["exempt"] += 1
            shown = (name if n_owners == 1 else f"{name} 外{n_owners - 1}名")[:300]
            row_text, signature = _row_text(fiscal_year, key, person, atena or "", corporation or "", shown, n_owners,
                                            f, rates.rate.text, reason)
            before = existing.get(key)
            if before is not None:
                if before[0] == signature:
                    counts["unchanged"] += 1
                    continue
                retire.append(before[1])
            text.append(f"{row_text}\tt\t{now}\t{who}\t\t{signature}\n")
    finally:
        if enabled:
            gc.enable()
    with transaction.atomic():
        if retire:
            PropertyAssessment.objects.filter(pk__in=retire).update(is_current=False)
        counts["written"] = len(text)
        columns = ("fiscal_year", "taxpayer_key", "person_id", "atena_number", "corporate_number", "name",
                   "co_owners", "parcels", "land_base", "land_tax", "land_exempt", "building_base", "building_tax",
                   "building_exempt", "reduction", "total", "lines", "rate", "unsupported", "is_current",
                   "calculated_at", "calculated_by", "notice_no", "signature")
        with connection.cursor() as cursor, cursor.copy(
                f"COPY {PropertyAssessment._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for start in range(0, len(text), 20_000):
                copy.write("".join(text[start:start + 20_000]))
        audit.record(town=town, actor=actor, action="kotei.assessment.calculate", purpose="固定資産税の一括計算",
                     fiscal_year=fiscal_year, taxpayers=counts["taxpayers"], parcels=counts["parcels"])
    return counts


def _copy_text(value: str) -> str:
    """A value in COPY's text format (backslash, tab, newline and carriage return escaped)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def assessment_calculate_one(*, actor, town, fiscal_year: int, key: str) -> PropertyAssessment:
    """単票計算 of one 納税義務者 through the ORM (the benchmark's baseline, and a recalculation after a change)."""
    _require(actor, town, permissions.can_record, "固定資産税を計算する権限がありません")
    rates = load_table(town.code, fiscal_year)
    day = levy_date(fiscal_year)
    members = key.split("+")
    persons = [int(m[1:]) for m in members if m.startswith("p")]
    corps = [m[1:] for m in members if m.startswith("c")]
    candidate = set(Ownership.objects.filter(Q(person_id__in=persons) | Q(corporate_number__in=corps))
                    .filter(valid_from__lte=day).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
                    .values_list("parcel_id", flat=True))
    owners = defaultdict(list)
    for row in (Ownership.objects.filter(parcel_id__in=candidate, valid_from__lte=day)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day)).order_by("parcel_id", "pk")
                .values_list(*_OWNER_FIELDS)):
        owners[row[0]].append(row[1:])
    parcels = [p for p in _parcels_on(day, [pid for pid, who in owners.items() if taxpayer_key(who) == key])]
    if not parcels:
        raise ValidationError({"taxpayer": ["この納税義務者の課税物件はありません。"]})
    payer = _taxpayer(owners[parcels[0][0]])
    try:
        f, reason = _compute(key, parcels, rates, fiscal_year), ""
    except (UnsupportedCase, InputError) as exc:
        f = {"land_base": 0, "land_tax": 0, "land_exempt": False, "building_base": 0, "building_tax": 0,
             "building_exempt": False, "reduction": 0, "total": 0, "lines": [[p[0], 0, 0, 0] for p in parcels]}
        reason = str(exc)[:300]
    with transaction.atomic():
        PropertyAssessment.objects.filter(fiscal_year=fiscal_year, taxpayer_key=key, is_current=True) \
            .update(is_current=False)
        _text, signature = _row_text(fiscal_year, key, payer["person_id"], payer["atena_number"],
                                     payer["corporate_number"], payer["name"], payer["co_owners"], f, rates.rate.text,
                                     reason)
        row = PropertyAssessment.objects.create(fiscal_year=fiscal_year, taxpayer_key=key, parcels=len(f["lines"]),
                                                rate=rates.rate.text, unsupported=reason, calculated_by=_who(actor),
                                                signature=signature, **payer, **f)
        audit.record(town=town, actor=actor, action="kotei.assessment.calculate_one", person_id=payer["person_id"],
                     persons=persons, purpose="固定資産税の計算", fiscal_year=fiscal_year, assessment=row.pk)
    return row


# --- 納税通知書 (調定) -------------------------------------------------------------------------------------------

def instalments(total: int, count: int) -> list[int]:
    """期別の税額: equal parts in whole 1,000円, the remainder (端数) in 第1期 — the usual town rule (条例)."""
    if count <= 1:
        return [total]
    part = total // count // 1000 * 1000
    return [total - part * (count - 1)] + [part] * (count - 1)


def due_dates(rates, fiscal_year: int) -> list[dt.date]:
    found = []
    for month, day in rates.due_dates or ((4, 30), (7, 31), (12, 31), (2, 28)):
        year = fiscal_year + 1 if month <= 3 else fiscal_year
        while True:
            try:
                found.append(dt.date(year, month, day))
                break
            except ValueError:
                day -= 1
    return found


def notices_issue(*, actor, town, fiscal_year: int) -> dict[str, int]:
    """納税通知書の発付 (税務課長): for each current assessment of the year with a tax and no notice yet, one
    notice number and its 4 期 of core 調定 (:class:`~tenants.tax.models.Charge`); the 調定 of an earlier notice
    to the same 納税義務者 for the year stop being current (更正)."""
    _require(actor, town, permissions.can_decide, "納税通知書の発付は税務課長が行います")
    rates = load_table(town.code, fiscal_year)
    dues = due_dates(rates, fiscal_year)
    who = _who(actor)
    with transaction.atomic():
        todo = list(PropertyAssessment.objects.select_for_update()
                    .filter(fiscal_year=fiscal_year, is_current=True, notice_no="", total__gt=0, unsupported="")
                    .values_list("pk", "taxpayer_key", "person_id", "atena_number", "corporate_number", "name",
                                 "total"))
        if not todo:
            return {"notices": 0, "charges": 0}
        earlier = set(PropertyAssessment.objects.filter(fiscal_year=fiscal_year, is_current=False)
                      .exclude(notice_no="").filter(taxpayer_key__in=[t[1] for t in todo])
                      .values_list("notice_no", flat=True))
        if earlier:
            Charge.objects.filter(tax=TaxKind.KOTEI, notice_no__in=earlier).update(is_current=False)
        charges, numbers = [], []
        for pk, _key, person_id, atena, corp, name, total in todo:
            number = f"K{fiscal_year}-{pk:09d}"
            numbers.append((pk, number))
            subject = SubjectKind.PERSON if person_id is not None else SubjectKind.CORPORATION
            for i, (amount, due) in enumerate(zip(instalments(total, len(dues)), dues, strict=True), start=1):
                charges.append(Charge(tax=TaxKind.KOTEI, fiscal_year=fiscal_year, subject_kind=subject,
                                      person_id=person_id, atena_number=atena or "",
                                      corporate_number="" if person_id is not None else corp, name=name[:200],
                                      notice_no=number, instalment=i, collection="ordinary", amount=amount,
                                      due_on=due, issued_by=who))
        Charge.objects.bulk_create(charges, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {PropertyAssessment._meta.db_table} AS a SET notice_no = v.no FROM "
                           f"unnest(%s::bigint[], %s::text[]) AS v(id, no) WHERE a.id = v.id",
                           [[n[0] for n in numbers], [n[1] for n in numbers]])
        audit.record(town=town, actor=actor, action="kotei.notice.issue", purpose="固定資産税の納税通知書の発付",
                     fiscal_year=fiscal_year, notices=len(numbers), charges=len(charges),
                     label=fiscal_year_label(fiscal_year))
    return {"notices": len(numbers), "charges": len(charges)}


# --- 登記済通知の取込 -------------------------------------------------------------------------------------------

class NoticeImportError(ValidationError):
    """The file is refused as a whole; ``problems`` are (record number, item name, message)."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        super().__init__([f"{line}行目 {item}: {message}" for line, item, message in problems])


ITEM = {"receipt_no": "受付番号", "registered_on": "登記年月日", "kind": "登記の種類", "parcel_kind": "物件の区分",
        "location": "所在", "number": "地番・家屋番号", "new_number": "新しい地番", "category": "地目・種類",
        "area": "地積・床面積", "owner_atena": "所有者の宛名番号", "owner_corporate": "所有者の法人番号",
        "owner_name": "所有者の氏名・名称", "share": "持分"}


def _persons_by_atena(atenas) -> dict[str, int]:
    from tenants.residents.models import Person

    return dict(Person.objects.filter(atena_number__in=list(atenas)).values_list("atena_number", "pk"))


def notices_import(*, actor, town, raw_bytes: bytes, filename: str) -> RegistryNoticeBatch:
    """Take in a 登記済通知 file (layout ``tokisumi-1.0``): everything is checked first — the layout's items, an
    unknown parcel, an unknown 地目・種類 code, a malformed date or number, an owner the town does not know,
    co-owners' shares not summing to 1 — and each problem is named by record (line) and item; then, in one
    transaction, the batch, its notices and one 評価変更 作業 per notice are stored. Or nothing is."""
    from integrations.standard_spec import codec
    from integrations.standard_spec import layout as layouts

    _require(actor, town, permissions.can_record, "登記済通知を取り込む権限がありません")
    spec = layouts.load(LAYOUT)
    rows, issues, _encoding = codec.read(raw_bytes, spec.file("notices"), spec, file=filename[:100])
    problems: list[tuple[int, str, str]] = [(i.line, i.item or "（行）", i.message_ja) for i in issues]
    if not rows and not problems:
        problems.append((0, "（ファイル）", "通知が1件もありません。"))
    notices: dict[str, list] = {}
    for row in rows:
        notices.setdefault(row.values["receipt_no"], []).append(row)
    atenas = _persons_by_atena({r.values["owner_atena"] for r in rows if r.values.get("owner_atena")})
    actives = {(k, loc, num): (pk, cat, area, value) for pk, k, loc, num, cat, area, value in
               Parcel.objects.filter(status=ParcelStatus.ACTIVE, location__in={r.values["location"] for r in rows})
               .values_list("pk", "kind", "location", "number", "category", "area", "value")}
    plans = []
    for receipt, group in notices.items():
        plan = _plan_notice(receipt, group, actives, atenas, problems)
        if plan is not None:
            plans.append(plan)
    if problems:
        raise NoticeImportError(sorted(problems)[:500])
    with transaction.atomic():
        batch = RegistryNoticeBatch.objects.create(filename=filename[:200], sha256=hashlib.sha256(raw_bytes).hexdigest(),
                                                   layout=LAYOUT, notices=len(plans), imported_by=_who(actor))
        persons = set()
        for plan in plans:
            notice = RegistryNotice.objects.create(batch=batch, **plan["notice"])
            first_parcel = plan["notice"]["parcel_ids"][0] if plan["notice"]["parcel_ids"] else None
            person = next((o["person_id"] for o in plan["notice"]["values"].get("owners", []) if o.get("person_id")),
                          None)
            if person:
                persons.add(person)
            item = WorkItem.objects.create(
                kind=WorkKind.REVALUATION, tax=TaxKind.KOTEI, parcel_id=first_parcel, person_id=person,
                atena_number=next((o.get("atena_number", "") for o in plan["notice"]["values"].get("owners", [])
                                   if o.get("person_id") == person), "") if person else "",
                subject_key=f"parcel:{first_parcel}" if first_parcel else f"receipt:{receipt}"[:40],
                proposed={"notice": notice.pk, **plan["notice"]["values"]}, summary=plan["summary"][:300],
                source_key=f"notice:{notice.pk}", source_type=f"registry.{plan['notice']['kind']}")
            notice.work_item_id = item.pk
            notice.save(update_fields=["work_item_id"])
        audit.record(town=town, actor=actor, action="kotei.notice.import", persons=sorted(persons),
                     purpose="登記済通知の取込", batch=batch.pk, notices=len(plans))
    return batch


def _plan_notice(receipt, group, actives, atenas, problems) -> dict | None:
    """One notice's checks and what it proposes; problems are appended (line, item, message)."""
    first = group[0].values
    kind, registered_on, pkind = first["kind"], first["registered_on"], first["parcel_kind"]
    before = len(problems)

    def bad(row, field, message):
        problems.append((row.line, ITEM[field], message))

    for row in group[1:]:
        for field in ("kind", "registered_on"):
            if row.values[field] != first[field]:
                bad(row, field, f"受付番号 {receipt} の他の行と異なります。")
    if registered_on > dt.date.today():
        bad(group[0], "registered_on", f"登記年月日 {registered_on} が未来の日付です。")
    rules = national_rules()
    codes = rules.land_categories if pkind == ParcelKind.LAND else rules.building_kinds

    def parcel_of(row):
        v = row.values
        found = actives.get((v["parcel_kind"], v["location"], v["number"]))
        if found is None:
            bad(row, "number", f"{v['location']} {v['number']} は課税台帳にない（または滅失した）物件です。")
        return found

    def category_of(row, required):
        code = row.values.get("category")
        if code is None:
            if required:
                bad(row, "category", "地目・種類のコードが必要です。")
            return None
        if code not in codes:
            bad(row, "category", f"{'地目' if pkind == ParcelKind.LAND else '種類'}コード {code} は固定資産税の"
                                 "コード表にありません。")
            return None
        return code

    def area_of(row, required):
        text = row.values.get("area")
        if text is None:
            if required:
                bad(row, "area", "地積・床面積が必要です。")
            return None
        try:
            return str(parse_area(text))
        except ValidationError as exc:
            bad(row, "area", exc.messages[0])
            return None

    def owners_of(rows):
        owners, total = [], Fraction(0)
        for row in rows:
            v = row.values
            atena, corp = v.get("owner_atena"), v.get("owner_corporate")
            if bool(atena) == bool(corp):
                bad(row, "owner_atena", "所有者の宛名番号か法人番号のどちらか一方が必要です。")
                continue
            if corp and len(corp) != 13:
                bad(row, "owner_corporate", f"法人番号 {corp} は13桁ではありません。")
                continue
            if atena and atena not in atenas:
                bad(row, "owner_atena", f"宛名番号 {atena} はこの町の住民記録にありません。")
                continue
            if not v.get("owner_name"):
                bad(row, "owner_name", "所有者の氏名・名称が必要です。")
                continue
            try:
                share = parse_share(v.get("share"))
            except ValidationError as exc:
                bad(row, "share", exc.messages[0])
                continue
            total += Fraction(*share)
            owners.append({"person_id": atenas[atena] if atena else None, "atena_number": atena or "",
                           "corporate_number": corp or "", "name": v["owner_name"], "share": list(share)})
        if owners and total != 1 and len(problems) == before:
            problems.append((rows[-1].line, ITEM["share"], f"受付番号 {receipt}: 持分の合計が {total} です（1 のはず）。"))
        return owners

    values: dict = {"registered_on": registered_on.isoformat()}
    parcel_ids: list[int] = []
    label = f"{first['location']} {first['number']}"
    if kind == NoticeKind.TRANSFER:
        found = parcel_of(group[0])
        for row in group[1:]:
            if (row.values["location"], row.values["number"]) != (first["location"], first["number"]):
                bad(row, "number", "所有権移転の行は同じ物件を指してください。")
        values["owners"] = owners_of(group)
        if found:
            parcel_ids = [found[0]]
        summary = f"所有権移転 {label} → {'、'.join(o['name'] for o in values['owners'])}"
    elif kind == NoticeKind.NEW_BUILDING:
        if pkind != ParcelKind.BUILDING:
            bad(group[0], "parcel_kind", "新築は家屋の通知です。")
        if (ParcelKind.BUILDING, first["location"], first["number"]) in actives:
            bad(group[0], "number", f"家屋 {label} は既に課税台帳にあります。")
        values.update(kind=ParcelKind.BUILDING, location=first["location"], number=first["number"],
                      category=category_of(group[0], True), area=area_of(group[0], True), owners=owners_of(group))
        summary = f"家屋の新築 {label}（評価額を入力して確定）"
    elif kind == NoticeKind.SUBDIVISION:
        found = parcel_of(group[0])
        results = []
        for row in group:
            if (row.values["location"], row.values["number"]) != (first["location"], first["number"]):
                bad(row, "number", "分筆の行は同じ元の土地を指してください。")
            if not row.values.get("new_number"):
                bad(row, "new_number", "分筆後の地番が必要です。")
            results.append({"number": row.values.get("new_number"), "area": area_of(row, True),
                            "category": category_of(row, False)})
        numbers = [r["number"] for r in results]
        if len(set(numbers)) != len(numbers):
            bad(group[-1], "new_number", "分筆後の地番が重複しています。")
        for row, r in zip(group, results, strict=True):
            if r["number"] and r["number"] != first["number"] and \
                    (ParcelKind.LAND, first["location"], r["number"]) in actives:
                bad(row, "new_number", f"{first['location']} {r['number']} は既に課税台帳にあります。")
        if found and len(problems) == before:
            total = sum(Decimal(r["area"]) for r in results)
            if total != found[2]:
                bad(group[-1], "area", f"分筆後の地積の合計 {total}㎡ が元の地積 {found[2]}㎡ と一致しません。")
            parcel_ids = [found[0]]
        values["results"] = results
        summary = f"分筆 {label} → {'、'.join(str(n) for n in numbers)}"
    elif kind == NoticeKind.MERGER:
        targets = {row.values.get("new_number") for row in group}
        if len(targets) != 1 or None in targets:
            bad(group[0], "new_number", "合筆の行には同じ合筆後の地番が必要です。")
        cats = set()
        for row in group:
            found = parcel_of(row)
            if found:
                parcel_ids.append(found[0])
                cats.add(found[1])
        if len(cats) > 1:
            bad(group[0], "category", "地目の異なる土地は合筆できません。")
        if len(group) < 2:
            bad(group[0], "number", "合筆には2筆以上が必要です。")
        values.update(number=next(iter(targets)) if len(targets) == 1 else None)
        summary = f"合筆 {'、'.join(r.values['number'] for r in group)} → {values['number']}"
    elif kind == NoticeKind.CATEGORY_CHANGE:
        found = parcel_of(group[0])
        if pkind != ParcelKind.LAND:
            bad(group[0], "parcel_kind", "地目変更は土地の通知です。")
        values.update(category=category_of(group[0], True), area=area_of(group[0], False))
        if found:
            parcel_ids = [found[0]]
        summary = f"地目変更 {label} → {rules.land_categories.get(values['category'] or '', '')}"
    else:  # loss
        found = parcel_of(group[0])
        if found:
            parcel_ids = [found[0]]
        summary = f"滅失 {label}"
    if len(problems) != before:
        return None
    return {"notice": {"kind": kind, "receipt_no": receipt, "registered_on": registered_on,
                       "lines": [r.line for r in group], "parcel_ids": parcel_ids, "values": values},
            "summary": f"{summary}（受付番号 {receipt}、{registered_on:%Y-%m-%d} 登記）"}
