"""Every write of 賦課: income import (所得の取込), the town's rate tables (税率表: seeded from the shipped file,
proposed by one member of staff, approved by another through ``kyodo.foureyes``) and assessments (賦課:
単票 for one household, 一括 for the whole town). Each is one transaction with its audit record."""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo import bulkcopy, foureyes

from . import audit, income_csv, levy_inputs, permissions
from .levy import LevyResult, TableError, UnsupportedCase, levy, national_rules, parse_table
from .levy import RateTable as EngineTable
from .levy.tables import DATA_DIR
from .levy_models import RATE_TABLE_DECISION, Assessment, IncomeRecord, RateTable, TableStatus
from .services import _who

# --- 所得 (income data) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeImport:
    """What an import did: rows loaded (0 when refused as a whole) and every problem, row by row."""

    file: str
    rows: int
    loaded: int
    issues: tuple[income_csv.Issue, ...]


def incomes_import(*, actor, town, raw: bytes, file: str, encoding: str | None = None,
                   load_valid: bool = False) -> IncomeImport:
    """Load a plain CSV of incomes (宛名番号, 年, amounts). All or nothing: with any problem nothing is
    loaded, unless ``load_valid`` asks to load the valid rows and report the rest."""
    audit.assert_in_town(town)
    if not permissions.can_import_incomes(actor, town):
        raise PermissionDenied("所得を取り込む権限がありません")
    parsed = income_csv.read(raw, file=file, encoding=encoding)
    if parsed.issues and not load_valid:
        return IncomeImport(file, parsed.rows, 0, parsed.issues)
    now, who = timezone.now(), _who(actor)
    records = [IncomeRecord(person_id=r.person_id, atena_number=r.atena_number, income_year=r.year,
                            source=file[:200], imported_at=now, imported_by=who, **r.amounts) for r in parsed.valid]
    with transaction.atomic():
        IncomeRecord.objects.bulk_create(
            records, batch_size=2000, update_conflicts=True, unique_fields=["person_id", "income_year"],
            update_fields=[*levy_inputs.INCOME_FIELDS, "atena_number", "source", "imported_at", "imported_by"])
        audit.record(town=town, actor=actor, action="income.import", persons=[r.person_id for r in parsed.valid],
                     purpose="所得の取込", file=file[:200], rows=parsed.rows, loaded=len(records),
                     refused=len(parsed.issues))
    return IncomeImport(file, parsed.rows, len(records), parsed.issues)


# --- 税率表 (rate tables) ---------------------------------------------------------------------------------

def _table_error(exc: TableError) -> ValidationError:
    return ValidationError({"data": [f"税率表の {exc.field} が正しくありません: {exc}"]})


def table_validate(*, town, fiscal_year: int, data: dict) -> EngineTable:
    """The table as the engine reads it; the town and year must be this town's and the proposal's."""
    try:
        table = parse_table(data, source=f"{town.code}-{fiscal_year}")
    except TableError as exc:
        raise _table_error(exc) from exc
    if table.town_code != town.code:
        raise ValidationError({"data": [f"税率表の団体コード {table.town_code} がこの団体（{town.code}）と違います。"]})
    if table.fiscal_year != fiscal_year:
        raise ValidationError({"fiscal_year": [f"税率表の年度 {table.fiscal_year} が提案の年度と違います。"]})
    return table


def ratetables_seed(*, town) -> list[RateTable]:
    """The shipped tables of this town (``levy/data/<団体コード>-<年度>.toml``) for years without any table,
    recorded as approved (they are the published figures); at demo and onboarding. Idempotent."""
    audit.assert_in_town(town)
    seeded = []
    for path in sorted(DATA_DIR.glob(f"{town.code}-*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        year = int(data["table"]["fiscal_year"])
        with transaction.atomic():
            if RateTable.objects.filter(fiscal_year=year).exists():
                continue
            table_validate(town=town, fiscal_year=year, data=data)
            row = RateTable.objects.create(fiscal_year=year, data=data, note=f"同梱の税率表 {path.name}",
                                           status=TableStatus.APPROVED, is_current=True,
                                           requested_by_username="system", decided_by_username="system",
                                           decided_at=timezone.now())
            audit.record(town=town, actor=None, action="ratetable.seed", purpose="税率表の初期設定",
                         table_id=row.pk, fiscal_year=year, file=path.name)
            seeded.append(row)
    return seeded


def ratetable_propose(*, actor, town, fiscal_year, text: str, note: str = "") -> RateTable:
    """A change of the year's table (the whole table in TOML), waiting for another member's approval."""
    audit.assert_in_town(town)
    if not permissions.can_propose_tables(actor, town):
        raise PermissionDenied("税率表を提案する権限がありません")
    year = _year(fiscal_year)
    if "\x00" in text or len(text) > 100_000:
        raise ValidationError({"data": ["税率表に使えない文字が含まれているか、長すぎます。"]})
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError({"data": [f"税率表を TOML として読めません: {exc}"]}) from exc
    table_validate(town=town, fiscal_year=year, data=data)
    with transaction.atomic():
        row = RateTable.objects.create(fiscal_year=year, data=data, note=(note or "").strip()[:300],
                                       requested_by_id=actor.pk, requested_by_username=_who(actor))
        audit.record(town=town, actor=actor, action="ratetable.propose", purpose="税率表の変更の提案",
                     table_id=row.pk, fiscal_year=year)
    return row


def ratetable_carry_forward(*, actor, town, source_table_id, fiscal_year, note: str = "") -> RateTable:
    """据置: propose an approved table's rates unchanged for another year (most towns keep their rates for
    years); like any change it waits for another member's approval."""
    audit.assert_in_town(town)
    if not permissions.can_propose_tables(actor, town):
        raise PermissionDenied("税率表を提案する権限がありません")
    year = _year(fiscal_year)
    source = RateTable.objects.filter(pk=int(source_table_id), status=TableStatus.APPROVED).first()
    if source is None:
        raise ValidationError({"source_table_id": ["引き継ぐ税率表（承認済み）が見つかりません。"]})
    if source.fiscal_year == year:
        raise ValidationError({"fiscal_year": ["引き継ぐ先の年度が元の税率表と同じです。"]})
    data = {**source.data, "table": {**source.data.get("table", {}), "fiscal_year": year}}
    table_validate(town=town, fiscal_year=year, data=data)
    reason = (note or "").strip() or f"{source.fiscal_year}年度の税率を据え置き"
    with transaction.atomic():
        row = RateTable.objects.create(fiscal_year=year, data=data, note=reason[:300], requested_by_id=actor.pk,
                                       requested_by_username=_who(actor))
        audit.record(town=town, actor=actor, action="ratetable.propose", purpose="税率表の変更の提案（据置）",
                     table_id=row.pk, fiscal_year=year, carried_from=source.pk)
    return row


def ratetable_decide(*, actor, town, table_id: int, approve: bool, reason: str = "") -> RateTable:
    """決裁 by another member of staff (never the proposer); on approval the table becomes the year's."""
    audit.assert_in_town(town)
    with transaction.atomic():
        if not RateTable.objects.filter(pk=int(table_id)).exists():
            raise RateTable.DoesNotExist
        decision = foureyes.decide(RateTable, int(table_id), actor=actor, approve=approve, reason=reason,
                                   may_decide=permissions.can_approve_levy(actor, town), policy=RATE_TABLE_DECISION)
        row = decision.instance
        if decision.approved:
            table_validate(town=town, fiscal_year=row.fiscal_year, data=row.data)
            RateTable.objects.filter(fiscal_year=row.fiscal_year, is_current=True).update(is_current=False)
            row.is_current = True
            row.save(update_fields=["is_current"])
        audit.record(town=town, actor=actor, action=f"ratetable.{decision.outcome}", purpose="税率表の決裁",
                     table_id=row.pk, fiscal_year=row.fiscal_year, reason=decision.reason)
    return row


def _year(value) -> int:
    try:
        year = int(str(value)) if str(value).isascii() and str(value).isdigit() else 0
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError({"fiscal_year": ["年度は西暦4桁（例: 2025）で入力してください。"]})
    return year


def approved_table(fiscal_year: int) -> tuple[RateTable, EngineTable]:
    """The approved table of the year, as stored and as the engine reads it."""
    row = RateTable.objects.filter(fiscal_year=fiscal_year, is_current=True).first()
    if row is None:
        raise ValidationError({"fiscal_year": [f"{fiscal_year}年度の承認済みの税率表がありません。"]})
    try:
        return row, parse_table(row.data, source=f"table#{row.pk}")
    except TableError as exc:
        raise _table_error(exc) from exc


# --- 賦課 (assessments) -----------------------------------------------------------------------------------

def _assessment(data: levy_inputs.HouseholdInput, result: LevyResult, *, row: RateTable, run: str, now,
                who: str) -> Assessment:
    notes = list(result.notes)
    if data.missing_income:
        notes.append("所得の記録がない方（所得なしとして計算）: " + "、".join(data.missing_income))
    return Assessment(household_id=data.household_id, fiscal_year=result.fiscal_year,
                      payer_person_id=data.payer_person_id, nominal_head=data.nominal_head, total=result.total,
                      parts=[{"key": p.key, "label": p.label, "amount": p.amount} for p in result.parts],
                      reduction_level=result.reduction.level, explanation=list(result.explanation), notes=notes,
                      partial=result.partial, rate_table=row, inputs_hash=data.inputs_hash, run=run,
                      calculated_at=now, calculated_by=who, is_current=True)


def assessment_calculate(*, actor, town, household_id: int, fiscal_year) -> Assessment:
    """単票: recalculate one household's levy of the year from the stored data; adds the current row."""
    audit.assert_in_town(town)
    if not permissions.can_levy(actor, town):
        raise PermissionDenied("賦課を計算する権限がありません")
    year = _year(fiscal_year)
    with transaction.atomic():
        row, table = approved_table(year)
        facts = levy_inputs.facts_for_household(int(household_id), year)
        data = levy_inputs.household_of(facts, int(household_id), table_key=f"{row.pk}")
        if data is None:
            raise ValidationError({"household_id": [f"この世帯には{year}年度の国保の被保険者がいません。"]})
        try:
            result = levy(data.household, table, fiscal_year=year)
        except UnsupportedCase as exc:
            raise ValidationError({"household_id": [f"この世帯は自動計算の対象外です: {exc}"]}) from exc
        Assessment.objects.filter(household_id=data.household_id, fiscal_year=year, is_current=True).update(
            is_current=False)
        assessment = _assessment(data, result, row=row, run="single", now=timezone.now(), who=_who(actor))
        assessment.save()
        audit.record(town=town, actor=actor, action="assessment.calculate", person_id=data.payer_person_id,
                     purpose="賦課（単票）", household_id=data.household_id, fiscal_year=year, total=result.total)
    return assessment


@dataclass(frozen=True)
class BulkResult:
    fiscal_year: int
    households: int  # assessed
    skipped: tuple[tuple[int, str], ...]  # (household, why) the engine does not compute
    seconds: dict | None = None  # read / compute / write (for the benchmark)


# The bulk run's rows go in with one binary COPY (kyodo.bulkcopy): bulk_create's per-value adaptation of three JSON
# columns was most of the write at 100,000 households. The JSON columns are sent as jsonb's wire form (bytea).
COPY_COLUMNS = ("household_id", "fiscal_year", "payer_person_id", "nominal_head", "total", "parts",
                "reduction_level", "explanation", "notes", "partial", "rate_table_id", "inputs_hash", "is_current",
                "run", "calculated_at", "calculated_by")
COPY_TYPES = ("int8", "int2", "int8", "bool", "int8", "bytea", "int2", "bytea", "bytea", "bool", "int8", "varchar",
              "bool", "varchar", "timestamptz", "varchar")


def _copy_row(data: levy_inputs.HouseholdInput, result: LevyResult, *, table_id: int, now, who: str,
              empty: bytes) -> tuple:
    """The COPY row of a bulk assessment: the same values as ``_assessment`` builds for the 単票 path."""
    notes = empty
    if data.missing_income or result.notes:
        extra = ["所得の記録がない方（所得なしとして計算）: " + "、".join(data.missing_income)] if data.missing_income else []
        notes = bulkcopy.jsonb([*result.notes, *extra])
    parts = [{"key": p.key, "label": p.label, "amount": p.amount} for p in result.parts]
    return (data.household_id, result.fiscal_year, data.payer_person_id, data.nominal_head, result.total,
            bulkcopy.jsonb(parts), result.reduction.level, bulkcopy.jsonb(list(result.explanation)), notes,
            result.partial, table_id, data.inputs_hash, True, "bulk", now, who)


def assessments_recalculate(*, actor, town, fiscal_year) -> BulkResult:
    """一括: every household of the town with someone insured in the year, set-based — the stored data read
    in a few queries, the engine called per household in Python, the earlier rows retired in one statement and
    the new ones sent with one COPY, one audit record, one transaction."""
    audit.assert_in_town(town)
    if not permissions.can_approve_levy(actor, town):
        raise PermissionDenied("一括再計算の権限がありません")
    year = _year(fiscal_year)
    now, who = timezone.now(), _who(actor)
    empty = bulkcopy.jsonb([])
    with transaction.atomic():
        clock = [time.perf_counter()]
        row, table = approved_table(year)
        facts = levy_inputs.facts_for_households(year)
        clock.append(time.perf_counter())
        rows, skipped = [], []
        key = f"{row.pk}"
        rules = national_rules(year)  # read once: parsing national.toml per household would be most of the time
        for household_id in sorted(facts.members):
            data = levy_inputs.household_of(facts, household_id, table_key=key)
            if data is None:
                continue
            try:
                result = levy(data.household, table, fiscal_year=year, rules=rules)
            except UnsupportedCase as exc:
                skipped.append((household_id, str(exc)))
                continue
            rows.append(_copy_row(data, result, table_id=row.pk, now=now, who=who, empty=empty))
        clock.append(time.perf_counter())
        bulkcopy.retire_current(Assessment, key="household_id", ids=[r[0] for r in rows], where={"fiscal_year": year})
        bulkcopy.copy_rows(Assessment, COPY_COLUMNS, COPY_TYPES, rows)
        audit.record(town=town, actor=actor, action="assessment.recalculate", purpose="賦課（一括）",
                     fiscal_year=year, households=len(rows), skipped=[h for h, _ in skipped])
        clock.append(time.perf_counter())
    seconds = {name: round(clock[i + 1] - clock[i], 3) for i, name in enumerate(("read", "compute", "write"))}
    return BulkResult(year, len(rows), tuple(skipped), seconds)
