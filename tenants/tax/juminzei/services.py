"""個人住民税's writes: 納税義務者の抽出 (as of 1 January), 所得資料の取込, 税額の計算 (一括・単票) and
納税通知書・税額決定通知書の発付 (the core 調定 rows). Every write naming persons is audited on ``tax:<code>``."""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from kyodo import bulkcopy
from kyodo.identity.principal import audit_actor_of
from tenants.tax import audit, permissions
from tenants.tax.common import InputError, UnsupportedCase
from tenants.tax.models import Charge, SubjectKind, TaxKind

from . import engine, residents_facts
from .income_csv import parse_income_csv
from .models import Assessment, IncomeImport, IncomeKind, IncomeReport, Taxpayer
from .tables import load_table, national_rules

FIRST_YEAR, LAST_YEAR = 2024, 2026  # the fiscal years national.toml has rules for
ORDINARY_DUE = ((1, 6), (2, 8), (3, 10), (4, 1))  # 普通徴収 期 → month (June, Aug, Oct; Jan of the next year)


def _who(actor) -> str:
    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def fiscal_year_of(value) -> int:
    """A fiscal year the engine has rules for, or a ValidationError naming ``fiscal_year``."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError({"fiscal_year": [f"年度は半角数字4桁（西暦）で入力してください: {str(value)[:20]!r}"]})
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"fiscal_year": [f"{year}年度の税率表はありません（{FIRST_YEAR}〜{LAST_YEAR}年度）。"]})
    return year


def _rates(town, year: int):
    try:
        return load_table(town.code, year)
    except FileNotFoundError:
        raise ValidationError({"fiscal_year": [f"{town.name}の{year}年度の税率表がありません。"]}) from None


def _require(actor, town, check, message: str) -> None:
    audit.assert_in_town(town)
    if not check(actor, town):
        raise PermissionDenied(message)


# --- 納税義務者 ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkResult:
    fiscal_year: int
    created: int
    total: int


def taxpayers_link(*, actor, town, fiscal_year) -> LinkResult:
    """納税義務者の抽出: everyone on the register on 1 January of the fiscal year (賦課期日, 地方税法 第318条)
    becomes a Taxpayer with that day's name, address and household. Idempotent: a person already linked for
    the year is left as is (a 送付先 changed since stays)."""
    _require(actor, town, permissions.can_record, "納税義務者を抽出する権限がありません")
    year = fiscal_year_of(fiscal_year)
    as_of = dt.date(year, 1, 1)
    who = _who(actor)
    with transaction.atomic():
        existing = set(Taxpayer.objects.filter(fiscal_year=year).values_list("person_id", flat=True))
        rows = [Taxpayer(fiscal_year=year, person_id=r.person_id, atena_number=r.atena_number, name=r.name,
                         name_kana=r.name_kana, birth_date=r.birth_date, address=r.address, katagaki=r.katagaki,
                         household_id=r.household_id, is_head=r.is_head, mail_address=r.address,
                         mail_katagaki=r.katagaki, linked_by=who)
                for r in residents_facts.on_register_as_of(as_of) if r.person_id not in existing]
        Taxpayer.objects.bulk_create(rows, batch_size=5000)
        total = len(existing) + len(rows)
        if rows:
            audit.record(town=town, actor=actor, action="juminzei.taxpayers_link", persons=[r.person_id for r in rows],
                         purpose="納税義務者の抽出（賦課期日）", fiscal_year=year, created=len(rows))
    return LinkResult(year, len(rows), total)


# --- 所得資料 ------------------------------------------------------------------------------------------------

def incomes_import(*, actor, town, fiscal_year, data: bytes, filename: str = "") -> IncomeImport:
    """所得資料の取込 (CSV, income_csv.py): the whole file or nothing. Every 宛名番号 must be a taxpayer of the
    year; an error names the line and the field. A report of the same person, kind and 指定番号 replaces the
    one imported before."""
    _require(actor, town, permissions.can_record, "所得資料を取り込む権限がありません")
    year = fiscal_year_of(fiscal_year)
    rows = parse_income_csv(data)
    atenas = {r.atena_number for r in rows}
    persons = dict(Taxpayer.objects.filter(fiscal_year=year, atena_number__in=atenas)
                   .values_list("atena_number", "person_id"))
    unknown = [r for r in rows if r.atena_number not in persons]
    if unknown:
        raise ValidationError({"file": [f"{r.line}行目 宛名番号: {r.atena_number} は{year}年度の納税義務者にいません。"
                                        for r in unknown[:20]]})
    seen: dict[tuple, int] = {}
    for r in rows:
        key = (r.atena_number, r.kind, r.payer_number)
        if key in seen:
            raise ValidationError({"file": [f"{r.line}行目: {seen[key]}行目と同じ宛名番号・種類・指定番号です。"]})
        seen[key] = r.line
    filename = (filename or "所得資料.csv")[:200]
    with transaction.atomic():
        batch = IncomeImport.objects.create(fiscal_year=year, filename=filename, rows=len(rows), imported_by=_who(actor))
        by_person = defaultdict(list)
        for r in rows:
            by_person[persons[r.atena_number]].append(r)
        for pid, reports in by_person.items():
            for r in reports:
                IncomeReport.objects.filter(fiscal_year=year, person_id=pid, kind=r.kind,
                                            payer_number=r.payer_number).delete()
        IncomeReport.objects.bulk_create([
            IncomeReport(fiscal_year=year, person_id=persons[r.atena_number], atena_number=r.atena_number,
                         kind=r.kind, payer_number=r.payer_number, payer_name=r.payer_name,
                         salary_revenue=r.salary_revenue, other_income=r.other_income,
                         pension_revenue=r.pension_revenue, social_insurance=r.social_insurance, other_deductions=r.other_deductions,
                         dependants=list(r.dependants), disabilities=list(r.disabilities), flags=list(r.flags),
                         source=batch, line=r.line) for r in rows], batch_size=5000)
        audit.record(town=town, actor=actor, action="juminzei.income_import", persons=sorted(by_person),
                     purpose="所得資料の取込", fiscal_year=year, rows=len(rows), file=filename, import_id=batch.pk)
    return batch


# --- 税額 ------------------------------------------------------------------------------------------------------

REPORT_FIELDS = ("person_id", "kind", "payer_number", "payer_name", "salary_revenue", "other_income",
                 "pension_revenue", "social_insurance", "other_deductions", "dependants", "disabilities", "flags")


@dataclass(frozen=True)
class EngineInput:
    taxpayer: engine.Taxpayer
    payer_number: str  # the 特別徴収義務者 (the largest salary's), "" for 普通徴収
    payer_name: str


def engine_input(name: str, reports: list[dict], *, aged_65: bool = False) -> EngineInput:
    """The engine's taxpayer from a person's 所得資料: amounts summed over the reports; the deduction facts of
    the 申告 when there is one (it is the fuller statement), else of the largest 給与支払報告書 (its 年末調整),
    else of the first report. With a 給与支払報告書 the tax is 特別徴収 by that employer (地方税法 第321条の3)."""
    salaries = sorted((r for r in reports if r["kind"] == IncomeKind.SALARY),
                      key=lambda r: (-r["salary_revenue"], r["payer_number"]))
    declaration = next((r for r in reports if r["kind"] == IncomeKind.DECLARATION), None)
    facts = declaration or (salaries[0] if salaries else (reports[0] if reports else None))
    flags = set(facts["flags"]) if facts else set()
    single_parent = "mother" if "single_parent_mother" in flags else "father" if "single_parent_father" in flags else None
    taxpayer = engine.Taxpayer(
        name=name,
        salary_revenue=sum(r["salary_revenue"] for r in reports),
        other_income=sum(r["other_income"] for r in reports),
        pension_revenue=sum(r["pension_revenue"] for r in reports), aged_65=aged_65,
        social_insurance=sum(r["social_insurance"] for r in reports),
        other_deductions=sum(r["other_deductions"] for r in reports),
        dependants=tuple(facts["dependants"]) if facts else (),
        disabilities=tuple(facts["disabilities"]) if facts else (),
        disabled="disabled" in flags, minor="minor" in flags, widow="widow" in flags, single_parent=single_parent,
        working_student="working_student" in flags, public_assistance="public_assistance" in flags,
    )
    main = salaries[0] if salaries else None
    return EngineInput(taxpayer, main["payer_number"] if main else "", main["payer_name"] if main else "")


def _assessment_row(tp, data: EngineInput | None, rates, rules, *, year: int, now, who: str,
                    explain: bool = True) -> Assessment:
    row = Assessment(fiscal_year=year, person_id=tp[0], atena_number=tp[1], name=tp[2], is_current=True,
                     calculated_at=now, calculated_by=who)
    missing = data is None
    if data is None:  # no 所得資料: computed as no income (非課税), and said so (未申告: 申告の勧奨の対象)
        data = EngineInput(engine.Taxpayer(name=tp[2]), "", "")
    try:
        result = engine.resident_tax(data.taxpayer, rates, fiscal_year=year, rules=rules, explain=explain)
    except (UnsupportedCase, InputError) as exc:
        row.status, row.reason = "unsupported", str(exc)[:300]
        row.explanation = [f"自動計算の対象外: {exc}"]
        return row
    for name in ("salary_income", "total_income", "deductions", "taxable_income", "city_adjustment",
                 "prefecture_adjustment", "city_income_levy", "prefecture_income_levy", "city_per_capita",
                 "prefecture_per_capita", "forest_environment_tax", "total", "exempt"):
        setattr(row, name, getattr(result, name))
    row.explanation = (["所得資料なし（未申告）: 所得なしとして計算"] if missing else []) + list(result.explanation)
    if result.total and data.payer_number:
        row.collection, row.payer_number, row.payer_name = "special", data.payer_number, data.payer_name
        schedule = engine.special_schedule(result.total, unit=rates.special_unit)
    elif result.total:
        row.collection = "ordinary"
        schedule = engine.ordinary_schedule(result.total, instalments=rates.ordinary_instalments,
                                            unit=rates.ordinary_unit)
    else:
        schedule = ()
    row.instalments = [[i.number, i.amount] for i in schedule]
    return row


def _same_tax(a: Assessment, b: Assessment) -> bool:
    return (a.status, a.total, a.collection, a.payer_number, list(a.instalments)) == \
           (b.status, b.total, b.collection, b.payer_number, [list(i) for i in b.instalments])


@dataclass(frozen=True)
class CalculateResult:
    fiscal_year: int
    calculated: int  # rows written
    unchanged: int  # current rows kept: issued ones whose tax did not change (with their notice), others the same
    unsupported: int
    total: int  # sum of 年税額 of the current rows written
    seconds: dict | None = None  # read / compute / write (for the benchmark)


AMOUNT_FIELDS = ("salary_income", "total_income", "deductions", "taxable_income", "city_adjustment",
                 "prefecture_adjustment", "city_income_levy", "prefecture_income_levy", "city_per_capita",
                 "prefecture_per_capita", "forest_environment_tax", "total")
COPY_COLUMNS = ("fiscal_year", "person_id", "atena_number", "name", "is_current", "status", "reason", *AMOUNT_FIELDS,
                "exempt", "collection", "payer_number", "payer_name", "instalments", "explanation", "calculated_at",
                "calculated_by", "notice_no", "issued_by")


# The two JSON columns travel as bytes already in jsonb's binary form (bulkcopy.jsonb): a binary COPY field is just its
# bytes, so declaring them bytea sends them as they are, and each distinct 期別 is encoded once, not per row.
COPY_TYPES = ("int2", "int8", "varchar", "varchar", "bool", "varchar", "varchar", *("int8",) * len(AMOUNT_FIELDS),
              "varchar", "varchar", "varchar", "varchar", "bytea", "bytea", "timestamptz", "varchar", "varchar",
              "varchar")
# What a bulk row is compared on with the current row of the same person (the columns after ``is_current`` up to
# 期別): equal, the current row is kept as it is.
COMPARED_FIELDS = ("status", "reason", *AMOUNT_FIELDS, "exempt", "collection", "payer_number", "payer_name",
                   "instalments")

ISSUED_SAME = ("status", "total", "collection", "payer_number", "instalments")  # an issued notice stands if equal


EMPTY_JSONB = bulkcopy.jsonb([])


def schedule_of(total: int, special: bool, rates) -> list[list[int]]:
    """The engine's schedules (engine.special_schedule / ordinary_schedule: 2期以降 / 7月以降 each the total ÷ n
    truncated to the unit, the remainder in 1期 / June) as plain lists, without building an Instalment per
    期 — the bulk run's form; tests/tax/juminzei check it equals the engine's for every total."""
    if not total:
        return []
    if special:
        each = (total // 12) // rates.special_unit * rates.special_unit
        return [[6, total - each * 11], *([m, each] for m in engine.SPECIAL_MONTHS[1:])]
    n = rates.ordinary_instalments
    each = (total // n) // rates.ordinary_unit * rates.ordinary_unit
    return [[1, total - each * (n - 1)], *([k, each] for k in range(2, n + 1))]


@functools.lru_cache(maxsize=1024)
def _codes(text: str) -> tuple:
    """A JSON list of codes (扶養・障害・区分) as a tuple; the same few texts recur across a town's reports."""
    return () if text == "[]" else tuple(json.loads(text))


RAW_FIELDS = ("kind", "payer_number", "payer_name", "salary_revenue", "other_income", "pension_revenue",
              "social_insurance", "other_deductions")


def _reports_of_year(year: int) -> dict[int, tuple[tuple, ...]]:
    """Every 所得資料 of the year by person, in one query, as plain tuples (``RAW_FIELDS`` and the three JSON
    lists as their text): hashable as they come, so equal inputs are found without decoding anything."""
    reports: dict[int, list[tuple]] = defaultdict(list)
    rows = IncomeReport.objects.filter(fiscal_year=year).order_by().annotate(
        d=Cast("dependants", TextField()), b=Cast("disabilities", TextField()), f=Cast("flags", TextField())
    ).values_list("person_id", *RAW_FIELDS, "d", "b", "f")
    for row in rows:
        reports[row[0]].append(row[1:])
    return {pid: tuple(sorted(rs)) for pid, rs in reports.items()}


def _report_dicts(raw: tuple[tuple, ...]) -> list[dict]:
    out = []
    for row in raw:
        n = len(RAW_FIELDS)
        r = dict(zip(RAW_FIELDS, row[:n], strict=True))
        r["dependants"], r["disabilities"], r["flags"] = _codes(row[n]), _codes(row[n + 1]), _codes(row[n + 2])
        out.append(r)
    return out


def assessments_calculate(*, actor, town, fiscal_year) -> CalculateResult:
    """一括計算 for every taxpayer of the year: the taxpayers and their reports read in two queries, the engine
    per taxpayer in Python (without its explanation lines: the detail page and the notice draw them from the
    engine again, see ``explanation_of``), the rows inserted with COPY, one audit record; all in one
    transaction. An issued row whose tax comes out the same is kept (its notice stands)."""
    _require(actor, town, permissions.can_decide, "一括計算の権限がありません（税務課長）")
    year = fiscal_year_of(fiscal_year)
    rates, rules = _rates(town, year), national_rules(year)
    now, who = timezone.now(), _who(actor)
    clock = [time.perf_counter()]
    with transaction.atomic():
        taxpayers = list(Taxpayer.objects.filter(fiscal_year=year).order_by("person_id")
                         .values_list("person_id", "atena_number", "name", "birth_date"))
        reports = _reports_of_year(year)
        # The current rows: an issued one is kept when its tax is the same (its notice stands), any other when the
        # whole outcome is the same — a recalculation with nothing changed writes nothing.
        # 期別 is compared as PostgreSQL prints it (json.dumps prints a list of numbers the same way; a mismatch
        # only rewrites a row), so 100,000 current rows are not decoded.
        issued: dict[int, tuple] = {}
        current: dict[int, tuple] = {}
        same = [COMPARED_FIELDS.index(f) for f in ISSUED_SAME]
        for pid, notice_no, *compared in (
                Assessment.objects.filter(fiscal_year=year, is_current=True).order_by()
                .annotate(instalments_text=Cast("instalments", TextField()))
                .values_list("person_id", "notice_no", *COMPARED_FIELDS[:-1], "instalments_text")):
            current[pid] = outcome = tuple(compared)
            if notice_no:
                issued[pid] = tuple(outcome[i] for i in same)
        clock.append(time.perf_counter())
        # The engine is a pure function of the reports' values (the name only prefixes a refusal's message):
        # taxpayers with the same inputs (everyone without a 所得資料, to begin with) are computed once.
        memo: dict[tuple, tuple[EngineInput, engine.ResidentTaxResult | None, str]] = {}
        schedules: dict[tuple[int, bool], tuple[str, bytes]] = {}  # 期別 as PostgreSQL prints it, and as sent
        rows: list[tuple] = []
        unchanged: list[int] = []
        unsupported = total_sum = 0
        for pid, atena, name, birth in taxpayers:
            raw = reports.get(pid, ())
            key = (raw, engine.aged_65(birth, year))  # the age only matters with a 公的年金等
            hit = memo.get(key)
            if hit is None:
                data = (engine_input("", _report_dicts(raw), aged_65=key[1]) if raw
                        else EngineInput(engine.Taxpayer(name=""), "", ""))
                try:
                    hit = (data, engine.resident_tax(data.taxpayer, rates, fiscal_year=year, rules=rules,
                                                     explain=False), "")
                except (UnsupportedCase, InputError) as exc:
                    hit = (data, None, str(exc))
                memo[key] = hit
            data, result, refusal = hit
            if result is None:
                unsupported += 1
                reason = (f"{name}{refusal}" if refusal.startswith(": ") else refusal)[:300]
                outcome = ("unsupported", reason, *(0,) * len(AMOUNT_FIELDS), "", "ordinary", "", "", "[]")
                if current.get(pid) == outcome:
                    unchanged.append(pid)
                    continue
                rows.append((year, pid, atena, name, True, *outcome[:-1], EMPTY_JSONB, EMPTY_JSONB, now, who, "", ""))
                continue
            total = result.total
            special = bool(total and data.payer_number)
            cached = schedules.get((total, special))
            if cached is None:
                text = json.dumps(schedule_of(total, special, rates))
                cached = schedules[(total, special)] = (text, b"\x01" + text.encode())
            schedule, encoded = cached
            collection = "special" if special else "ordinary"
            payer = data.payer_number if special else ""
            before = issued.get(pid)
            if before is not None and before == ("ok", total, collection, payer, schedule):
                unchanged.append(pid)
                continue
            outcome = ("ok", "", result.salary_income, result.total_income, result.deductions, result.taxable_income,
                       result.city_adjustment, result.prefecture_adjustment, result.city_income_levy,
                       result.prefecture_income_levy, result.city_per_capita, result.prefecture_per_capita,
                       result.forest_environment_tax, total, result.exempt, collection, payer,
                       data.payer_name if special else "", schedule)
            if before is None and current.get(pid) == outcome:
                unchanged.append(pid)
                continue
            total_sum += total
            rows.append((year, pid, atena, name, True, *outcome[:-1], encoded, EMPTY_JSONB, now, who, "", ""))
        clock.append(time.perf_counter())
        kept = set(unchanged)
        bulkcopy.retire_current(Assessment, key="person_id", ids=[pid for pid in current if pid not in kept],
                                where={"fiscal_year": year})
        clock.append(time.perf_counter())
        bulkcopy.copy_rows(Assessment, COPY_COLUMNS, COPY_TYPES, rows)
        audit.record(town=town, actor=actor, action="juminzei.calculate", purpose="税額の一括計算",
                     fiscal_year=year, calculated=len(rows), unchanged=len(unchanged), unsupported=unsupported)
        clock.append(time.perf_counter())
    clock.append(time.perf_counter())
    phases = ("read", "compute", "retire", "insert", "commit")
    seconds = {name: round(b - a, 3) for name, a, b in zip(phases, clock[:-1], clock[1:], strict=True)}
    return CalculateResult(year, len(rows), len(unchanged), unsupported, total_sum, seconds)


def explanation_of(assessment: Assessment, town) -> list[str]:
    """計算の過程 of an assessment: the stored lines of a 単票 calculation, or — for a bulk row, stored without
    them — the engine's lines drawn again from the taxpayer's 所得資料. When the 所得資料 no longer give the
    stored 年税額 (changed since), the first line says so (recalculate)."""
    if assessment.explanation:
        return list(assessment.explanation)
    if assessment.status != "ok":
        return [f"自動計算の対象外: {assessment.reason}"]
    mine = list(IncomeReport.objects.filter(fiscal_year=assessment.fiscal_year, person_id=assessment.person_id)
                .values(*REPORT_FIELDS))
    birth = Taxpayer.objects.filter(fiscal_year=assessment.fiscal_year, person_id=assessment.person_id).values_list(
        "birth_date", flat=True).first()
    aged = engine.aged_65(birth, assessment.fiscal_year)
    data = engine_input(assessment.name, mine, aged_65=aged) if mine else EngineInput(engine.Taxpayer(name=assessment.name), "", "")
    try:
        rates = load_table(town.code, assessment.fiscal_year)
        result = engine.resident_tax(data.taxpayer, rates, fiscal_year=assessment.fiscal_year)
    except (UnsupportedCase, InputError, FileNotFoundError) as exc:
        return [f"計算の過程を表示できません: {exc}"]
    lines = (["所得資料なし（未申告）: 所得なしとして計算"] if not mine else []) + list(result.explanation)
    if result.total != assessment.total:
        lines.insert(0, f"注意: 計算後に所得資料が変わっています（現在の資料では {result.total:,}円）。再計算してください。")
    return lines


def assessment_calculate(*, actor, town, fiscal_year, person_id: int) -> Assessment:
    """単票: recalculate one taxpayer of the year from the stored 所得資料; adds the current row (an issued row
    with the same tax is kept and returned)."""
    _require(actor, town, permissions.can_record, "税額を計算する権限がありません")
    year = fiscal_year_of(fiscal_year)
    rates = _rates(town, year)
    with transaction.atomic():
        tp = Taxpayer.objects.filter(fiscal_year=year, person_id=int(person_id)).values_list(
            "person_id", "atena_number", "name", "birth_date").first()
        if tp is None:
            raise Taxpayer.DoesNotExist
        mine = list(IncomeReport.objects.filter(fiscal_year=year, person_id=tp[0]).values(*REPORT_FIELDS))
        data = engine_input(tp[2], mine, aged_65=engine.aged_65(tp[3], year)) if mine else None
        row = _assessment_row(tp, data, rates, national_rules(year), year=year, now=timezone.now(), who=_who(actor))
        before = Assessment.objects.select_for_update().filter(fiscal_year=year, person_id=tp[0],
                                                               is_current=True).first()
        if before is not None and before.notice_no and _same_tax(row, before):
            return before
        if before is not None:
            before.is_current = False
            before.save(update_fields=["is_current"])
        row.save()
        audit.record(town=town, actor=actor, action="juminzei.calculate_one", person_id=tp[0],
                     purpose="税額の計算（単票）", fiscal_year=year, total=row.total, status=row.status)
    return row


# --- 通知書の発付 --------------------------------------------------------------------------------------------

def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def due_dates(year: int, collection: str, instalments) -> list[tuple[int, dt.date]]:
    """(調定の期別, 納期限) of each instalment. 普通徴収 (地方税法 第320条): 6月・8月・10月・翌年1月の末日 (the
    town's 条例 may differ; a 末日 on a holiday is not moved here). 特別徴収 (第321条の5): the month's amount is
    due on the 10th of the following month; 6月分 is 期別 6 … 翌年5月分 17."""
    out = []
    if collection == "ordinary":
        months = dict(ORDINARY_DUE)
        for number, _ in instalments:
            month = months[int(number)]
            out.append((int(number), _month_end(year + (month < 6), month)))
    else:
        for month, _ in instalments:
            month = int(month)
            collected = year + (month < 6)
            following = dt.date(collected + (month == 12), month % 12 + 1, 10)
            out.append((month if month >= 6 else month + 12, following))
    return out


@dataclass(frozen=True)
class IssueResult:
    fiscal_year: int
    notices: int
    charges: int
    replaced: int  # earlier notices whose 調定 are no longer current (更正)


def notices_issue(*, actor, town, fiscal_year) -> IssueResult:
    """納税通知書 (普通徴収) and 税額決定通知書 (特別徴収) for every current, computed, taxable and not yet issued
    assessment of the year: a 通知書番号 per taxpayer and one core 調定 row per 期 / month. A taxpayer's
    earlier 調定 of the year (a notice before a recalculation) are marked not current. 税務課長 only."""
    _require(actor, town, permissions.can_decide, "通知書を発付する権限がありません（税務課長）")
    year = fiscal_year_of(fiscal_year)
    now, who = timezone.now(), _who(actor)
    with transaction.atomic():
        todo = list(Assessment.objects.select_for_update().filter(
            fiscal_year=year, is_current=True, status="ok", total__gt=0, notice_no="").order_by("atena_number"))
        if not todo:
            return IssueResult(year, 0, 0, 0)
        prefix = f"J{year}-"
        last = Charge.objects.filter(tax=TaxKind.JUMINZEI, fiscal_year=year, notice_no__startswith=prefix) \
            .aggregate(m=Max("notice_no"))["m"]
        last_a = Assessment.objects.filter(fiscal_year=year, notice_no__startswith=prefix) \
            .aggregate(m=Max("notice_no"))["m"]
        seq = max(int(n[len(prefix):]) for n in (last or f"{prefix}0", last_a or f"{prefix}0"))
        persons = [a.person_id for a in todo]
        replaced = Charge.objects.filter(tax=TaxKind.JUMINZEI, fiscal_year=year, person_id__in=persons,
                                         is_current=True).update(is_current=False)
        charges = []
        for a in todo:
            seq += 1
            a.notice_no, a.issued_at, a.issued_by = f"{prefix}{seq:06d}", now, who
            amounts = dict((int(n), amt) for n, amt in a.instalments)
            for (number, due), raw in zip(due_dates(year, a.collection, a.instalments), a.instalments, strict=True):
                charges.append(Charge(tax=TaxKind.JUMINZEI, fiscal_year=year, subject_kind=SubjectKind.PERSON,
                                      person_id=a.person_id, atena_number=a.atena_number, name=a.name[:200],
                                      notice_no=a.notice_no, instalment=number, collection=a.collection,
                                      amount=amounts[int(raw[0])], due_on=due, issued_by=who))
        Assessment.objects.bulk_update(todo, ["notice_no", "issued_at", "issued_by"], batch_size=5000)
        Charge.objects.bulk_create(charges, batch_size=5000)
        audit.record(town=town, actor=actor, action="juminzei.notices_issue", persons=persons,
                     purpose="納税通知書・税額決定通知書の発付", fiscal_year=year, notices=len(todo),
                     charges=len(charges), replaced=replaced)
    return IssueResult(year, len(todo), len(charges), replaced)


# --- 送付先 (from a confirmed 作業) -----------------------------------------------------------------------

def mail_address_change(*, actor, town, person_id: int, fiscal_years, address: str, katagaki: str = "") -> int:
    """The 送付先 of a person's Taxpayer rows of ``fiscal_years``; the number of rows changed."""
    _require(actor, town, permissions.can_record, "送付先を変更する権限がありません")
    address, katagaki = (address or "").strip(), (katagaki or "").strip()
    if not address or len(address) > 200 or "\x00" in address:
        raise ValidationError({"address": ["送付先住所が正しくありません（200文字以内）。"]})
    if len(katagaki) > 100 or "\x00" in katagaki:
        raise ValidationError({"katagaki": ["送付先方書が正しくありません（100文字以内）。"]})
    changed = Taxpayer.objects.filter(person_id=int(person_id), fiscal_year__in=list(fiscal_years)).update(
        mail_address=address, mail_katagaki=katagaki, mail_changed_at=timezone.now())
    audit.record(town=town, actor=actor, action="juminzei.mail_address_change", person_id=int(person_id),
                 purpose="送付先の変更（住所変更の作業）", fiscal_years=sorted(int(y) for y in fiscal_years), rows=changed)
    return changed
