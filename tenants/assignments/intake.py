"""オンライン申請の受付 (intake): applications from the town's 申請管理 system (マイナポータル ぴったりサービス),
one by one through the API (``onlineApplicationSubmit``) or as a file (CSV or JSON), each becoming a task.

One record (the API's input and a JSON file's element; a CSV row flattens ``applicant`` and ``details``)::

    {"application_id": "PT-2026-000123", "kind": "relocation", "received_at": "2026-12-01T09:12:00+09:00",
     "applicant": {"atena_number": "000000012345", "name": "山田 太郎", "birth_date": "1980-04-01"},
     "details": {"effective_on": "2026-11-28", "address": "…", "katagaki": "", "district": "", "postal_code": "…"}}

``details`` by kind: 転入（予約） ``planned_on, address, katagaki, district, postal_code, previous_address,
persons[]`` (JSON only); 転居 ``effective_on, address, katagaki, district, postal_code``; 転出 ``planned_on,
destination``; 国保 資格取得・喪失 ``effective_on, reason``; 国保 再交付 ``cause``. The applicant must be on the town's
register with that 宛名番号 and 生年月日, except for a 転入（予約）.

Once only: a resent application (same 申請番号, same content) answers the task already made (``replayed``); the
same 申請番号 with other content is refused. A file is checked whole first and taken in whole or not at all;
every error names the record (its number and 申請番号) and the field. Where the back-office work is a residents
異動 (転入・転居・転出), the task keeps a 仮登録 draft (``prefill``) the counter turns into the 仮登録 in one step; for
国保 資格取得・喪失 the draft is the 作業 国保 proposes when the counter sends it (an ``assignments.nhi_requested``
event through the relay; for a 喪失 ``effective_on`` is the day of joining 社保 or 生保, the 喪失日 the day after)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo.identity.principal import audit_actor_of
from kyodo.tenantlog import audit as _audit

from . import attachments, permissions
from .models import STANDARD_MINUTES, Attachment, IntakeBatch, Task, TaskKind

APPLICATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
ATENA = re.compile(r"[0-9]{1,12}")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DUE_DAYS = 5  # 処理期限: received + 5 days (the town may shorten it per kind later)
MAX_RECORDS = 20_000
MAX_TEXT = 200
CSV_FIELDS = ("application_id", "kind", "received_at", "atena_number", "applicant_name", "birth_date",
              "effective_on", "planned_on", "address", "katagaki", "district", "postal_code", "previous_address",
              "destination", "reason", "cause")
DETAILS = {
    TaskKind.MOVE_IN_RESERVATION: ("planned_on", "address", "katagaki", "district", "postal_code",
                                   "previous_address", "persons"),
    TaskKind.RELOCATION: ("effective_on", "address", "katagaki", "district", "postal_code"),
    TaskKind.MOVE_OUT: ("planned_on", "destination"),
    TaskKind.NHI_ACQUIRE: ("effective_on", "reason"),
    TaskKind.NHI_LOSE: ("effective_on", "reason"),
    TaskKind.NHI_REISSUE: ("cause",),
}
REQUIRED = {
    TaskKind.MOVE_IN_RESERVATION: ("planned_on", "address", "persons"),
    TaskKind.RELOCATION: ("effective_on", "address"),
    TaskKind.MOVE_OUT: ("planned_on", "destination"),
    TaskKind.NHI_ACQUIRE: ("effective_on", "reason"),
    TaskKind.NHI_LOSE: ("effective_on", "reason"),
    TaskKind.NHI_REISSUE: ("cause",),
}
# 国保 資格取得・喪失: the reasons an online application may give (the values 国保 records them as)
NHI_REASONS = {
    TaskKind.NHI_ACQUIRE: {"left_employee_insurance": "社保離脱", "welfare_ended": "生保廃止", "other": "その他"},
    TaskKind.NHI_LOSE: {"joined_employee_insurance": "社保加入", "welfare_started": "生保開始", "other": "その他"},
}
PERSON_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
                 "relationship")


@dataclass
class RecordError:
    record: int  # 1-based
    application_id: str
    field: str
    message: str

    def __str__(self) -> str:
        who = f"（申請番号 {self.application_id}）" if self.application_id else ""
        return f"{self.record}件目{who} {self.field}: {self.message}"


class IntakeRefused(ValidationError):
    """A file (or one application) with errors: nothing was taken in; ``errors`` lists them all."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = errors
        super().__init__({e.field: [str(e)] for e in errors[:50]})


@dataclass
class Checked:
    application_id: str
    kind: str
    received_at: dt.datetime
    person_id: int | None
    applicant_name: str
    details: dict
    content_hash: str
    files: list = field(default_factory=list)  # attachments.check: decoded 添付ファイル


def _text(value, field: str, errors: list, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append((field, "文字列で指定してください。"))
        return ""
    if "\x00" in value or any(ord(c) < 32 and c not in "\t" for c in value):
        errors.append((field, "使用できない制御文字（NUL など）が含まれています。"))
        return ""
    if len(value) > limit:
        errors.append((field, f"{limit}文字以内で指定してください。"))
        return ""
    return value.strip()


def _day(value, field: str, errors: list) -> str:
    text = _text(value, field, errors, 10)
    if not text:
        return ""
    if not ISO_DAY.fullmatch(text):
        errors.append((field, "日付は YYYY-MM-DD（半角）で指定してください。"))
        return ""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        errors.append((field, "存在しない日付です。"))
        return ""
    return text


def _moment(value, field: str, errors: list) -> dt.datetime | None:
    text = _text(value, field, errors, 40)
    if not text:
        errors.append((field, "受付日時を指定してください。"))
        return None
    if not text.isascii():
        errors.append((field, "受付日時は半角（ISO 8601）で指定してください。"))
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        errors.append((field, "受付日時は ISO 8601（例 2026-12-01T09:12:00+09:00）で指定してください。"))
        return None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + dt.timedelta(minutes=10):
        errors.append((field, "未来の受付日時です。"))
        return None
    return moment


def _digest(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def check_record(record, *, residents: dict[str, tuple[int, str]]) -> tuple[Checked | None, list[tuple[str, str]]]:
    """Validate one record; ``residents``: 宛名番号 → (person id, 生年月日 ISO) of the town's register."""
    errors: list[tuple[str, str]] = []
    if not isinstance(record, dict):
        return None, [("record", "申請はオブジェクト（JSON の {…}）で指定してください。")]
    application_id = _text(record.get("application_id"), "application_id", errors, 60)
    if not application_id:
        if not any(f == "application_id" for f, _ in errors):
            errors.append(("application_id", "申請番号を指定してください。"))
    elif not APPLICATION_ID.fullmatch(application_id):
        errors.append(("application_id", "申請番号は半角英数字・記号（. _ -）60文字以内です。"))
    kind = record.get("kind")
    if kind not in TaskKind.values:
        errors.append(("kind", f"申請の種類が正しくありません（{', '.join(TaskKind.values)}）。"))
        kind = None
    received_at = _moment(record.get("received_at"), "received_at", errors)
    applicant = record.get("applicant") or {}
    if not isinstance(applicant, dict):
        errors.append(("applicant", "申請者はオブジェクトで指定してください。"))
        applicant = {}
    name = _text(applicant.get("name"), "applicant.name", errors, 100)
    person_id = None
    if kind is not None and kind != TaskKind.MOVE_IN_RESERVATION:
        atena = _text(applicant.get("atena_number"), "applicant.atena_number", errors, 12)
        birth = _day(applicant.get("birth_date"), "applicant.birth_date", errors)
        if not atena:
            errors.append(("applicant.atena_number", "宛名番号を指定してください。"))
        elif not ATENA.fullmatch(atena):
            errors.append(("applicant.atena_number", "宛名番号は半角数字で指定してください。"))
        else:
            found = residents.get(atena)
            if found is None or (birth and found[1] != birth):
                errors.append(("applicant", "申請者の宛名番号・生年月日が住民記録と一致しません。"))
            else:
                person_id = found[0]
    details_in = record.get("details") or {}
    if not isinstance(details_in, dict):
        errors.append(("details", "申請内容はオブジェクトで指定してください。"))
        details_in = {}
    details: dict = {}
    if kind is not None:
        allowed = DETAILS[TaskKind(kind)]
        for key in details_in:
            if key not in allowed:
                errors.append((f"details.{str(key)[:40]}", "この申請の種類にはない項目です。"))
        for key in allowed:
            if key == "persons":
                details[key] = _persons(details_in.get(key), errors)
            elif key in ("effective_on", "planned_on"):
                details[key] = _day(details_in.get(key), f"details.{key}", errors)
            else:
                details[key] = _text(details_in.get(key), f"details.{key}", errors)
        reasons = NHI_REASONS.get(TaskKind(kind))
        if reasons is not None and details.get("reason") and details["reason"] not in reasons:
            errors.append(("details.reason", f"理由は {', '.join(reasons)} のいずれかです。"))
        for key in REQUIRED[TaskKind(kind)]:
            if not details.get(key) and not any(f == f"details.{key}" for f, _ in errors):
                errors.append((f"details.{key}", "必須の項目です。"))
    files = attachments.check(record.get("attachments"), errors)
    if errors or kind is None or received_at is None:
        return None, errors
    return Checked(application_id, kind, received_at, person_id, name, details, _digest(record), files), []


def _persons(value, errors: list) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not value or len(value) > 20:
        errors.append(("details.persons", "転入する人を1〜20人のリストで指定してください。"))
        return []
    persons = []
    for i, p in enumerate(value):
        if not isinstance(p, dict):
            errors.append((f"details.persons[{i}]", "オブジェクトで指定してください。"))
            continue
        persons.append({k: _text(p.get(k), f"details.persons[{i}].{k}", errors, 60) for k in PERSON_FIELDS})
    return persons


def prefill_for(checked: Checked, household_id: int | None) -> dict:
    """The 仮登録 draft of the residents registry's change (tenants.residents: change_submit's ``data``)."""
    d = checked.details
    if checked.kind == TaskKind.RELOCATION and household_id is not None:
        return {"kind": "relocation", "effective_on": d["effective_on"], "data": {
            "household_id": household_id, **{k: d.get(k, "") for k in ("address", "katagaki", "district",
                                                                       "postal_code")}}}
    if checked.kind == TaskKind.MOVE_OUT and checked.person_id is not None:
        return {"kind": "move_out", "effective_on": d["planned_on"],
                "data": {"person_ids": [checked.person_id], "destination": d["destination"]}}
    if checked.kind in (TaskKind.NHI_ACQUIRE, TaskKind.NHI_LOSE) and checked.person_id is not None:
        # 国保's 作業 (取得・喪失), requested through the event relay when the counter has checked the applicant
        return {"kind": "nhi", "request": "acquire" if checked.kind == TaskKind.NHI_ACQUIRE else "lose",
                "effective_on": d["effective_on"], "reason": d["reason"], "person_ids": [checked.person_id],
                "household_id": household_id}
    if checked.kind == TaskKind.MOVE_IN_RESERVATION:
        return {"kind": "move_in", "effective_on": d["planned_on"], "data": {
            "household_mode": "new", **{k: d.get(k, "") for k in ("address", "katagaki", "district", "postal_code",
                                                                  "previous_address")},
            "persons": d["persons"]}}
    return {}


def _residents(atenas) -> dict[str, tuple[int, str]]:
    from tenants.residents.models import ON_REGISTER, Person, PersonVersion

    wanted = {a for a in atenas if isinstance(a, str) and ATENA.fullmatch(a)}
    ids = dict(Person.objects.filter(atena_number__in=wanted).values_list("pk", "atena_number"))
    births = dict(PersonVersion.objects.filter(person_id__in=ids, is_current=True, status__in=ON_REGISTER)
                  .values_list("person_id", "birth_date"))
    return {ids[pid]: (pid, birth.isoformat()) for pid, birth in births.items() if birth}


def _households(person_ids) -> dict[int, int]:
    from tenants.residents.models import PersonVersion

    return dict(PersonVersion.objects.filter(person_id__in=list(person_ids), is_current=True)
                .values_list("person_id", "household_id"))


def _keep_files(town, pairs, record: int, application_id: str) -> None:
    """Put the applications' 添付ファイル in the files store and record them (inside the caller's transaction);
    when there is no store to keep them in, the application is refused rather than taken without its files."""
    try:
        rows = attachments.store_all(town, pairs)
    except attachments.FilesUnavailable as exc:
        raise IntakeRefused([RecordError(record, application_id, "attachments", str(exc))]) from None
    Attachment.objects.bulk_create(rows)


def _require(actor, town) -> None:
    _audit.assert_in_town(town)
    if not permissions.can_receive(actor, town):
        raise PermissionDenied("オンライン申請を受け付ける権限がありません")


def _who(actor) -> str:
    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def _tasks_for(checked_list: list[Checked], source: str, batch=None) -> list[Task]:
    households = _households(c.person_id for c in checked_list if c.person_id)
    return [Task(application_id=c.application_id, kind=c.kind, minutes=STANDARD_MINUTES[TaskKind(c.kind)],
                 received_at=c.received_at, due_on=timezone.localtime(c.received_at).date() + dt.timedelta(days=DUE_DAYS),
                 summary=f"オンライン申請（{TaskKind(c.kind).label}）", person_id=c.person_id,
                 applicant_name=c.applicant_name, source=source, batch=batch, content_hash=c.content_hash,
                 prefill=prefill_for(c, households.get(c.person_id) if c.person_id else None))
            for c in checked_list]


def application_receive(*, actor, town, record) -> tuple[Task, bool]:
    """One application from the API: (its task, replayed)."""
    _require(actor, town)
    atena = (record.get("applicant") or {}).get("atena_number") if isinstance(record, dict) and isinstance(
        record.get("applicant"), dict) else None
    checked, errors = check_record(record, residents=_residents([atena] if atena else []))
    if checked is None:
        raise IntakeRefused([RecordError(1, str(record.get("application_id", ""))[:60] if isinstance(record, dict)
                                         else "", f, m) for f, m in errors])
    with transaction.atomic():
        existing = Task.objects.select_for_update().filter(application_id=checked.application_id).first()
        if existing is not None:
            if existing.content_hash != checked.content_hash:
                raise IntakeRefused([RecordError(1, checked.application_id, "application_id",
                                                 "この申請番号は別の内容で受付済みです。")])
            return existing, True
        task = _tasks_for([checked], "api")[0]
        task.save()
        _keep_files(town, [(task, checked.files)], 1, checked.application_id)
        _audit.record(application=permissions.APPLICATION, town=town, actor=actor, action="application.receive",
                      person_id=task.person_id, purpose="オンライン申請の受付", application_id=task.application_id,
                      kind=task.kind)
    return task, False


def parse_file(raw: bytes, filename: str) -> tuple[str, list]:
    """(form, records) of a delivered file: JSON (a list, or ``{"applications": [...]}``), XML (``_xml_records``)
    or CSV (UTF-8, with a header of CSV_FIELDS)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IntakeRefused([RecordError(0, "", "file", "UTF-8 のファイルではありません。")]) from None
    if "\x00" in text:
        raise IntakeRefused([RecordError(0, "", "file", "NUL 文字が含まれています。")])
    if filename.lower().endswith(".xml") or text.lstrip().startswith("<"):
        return "xml", _xml_records(text)
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IntakeRefused([RecordError(0, "", "file", f"JSON として読めません（{exc.lineno}行 {exc.colno}桁）。")]) from None
        records = data.get("applications") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise IntakeRefused([RecordError(0, "", "file", "申請のリストがありません。")])
        return "json", records
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [f for f in ("application_id", "kind", "received_at") if f not in (reader.fieldnames or [])]
    if missing:
        raise IntakeRefused([RecordError(0, "", "header", f"見出しに {', '.join(missing)} がありません。")])
    unknown = [f for f in reader.fieldnames or [] if f not in CSV_FIELDS]
    if unknown:
        raise IntakeRefused([RecordError(0, "", "header", f"知らない見出しです: {', '.join(unknown)[:200]}")])
    records = []
    for row in reader:
        if None in row:
            raise IntakeRefused([RecordError(reader.line_num - 1, row.get("application_id") or "", "row",
                                             "見出しより列が多い行です。")])
        details = {k: row[k] for k in ("effective_on", "planned_on", "address", "katagaki", "district",
                                        "postal_code", "previous_address", "destination", "reason", "cause")
                   if row.get(k)}
        records.append({"application_id": row.get("application_id"), "kind": row.get("kind"),
                        "received_at": row.get("received_at"),
                        "applicant": {"atena_number": row.get("atena_number") or None,
                                      "name": row.get("applicant_name") or None,
                                      "birth_date": row.get("birth_date") or None},
                        "details": details})
    return "csv", records


def _xml_records(text: str) -> list:
    """``<applications><application><application_id>…</application_id><kind>…</kind><received_at>…</received_at>
    <applicant><atena_number/>…</applicant><details>…<persons><person>…</person></persons></details>
    <attachments><attachment><filename/><content_type/><data/></attachment></attachments></application>``.
    Parsed with defusedxml: entity expansion, external entities and DTDs are refused."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise IntakeRefused([RecordError(0, "", "file", f"XML として読めません（{str(exc)[:80]}）。")]) from None
    if root.tag != "applications":
        raise IntakeRefused([RecordError(0, "", "file", "ルート要素は <applications> です。")])

    def leafs(element) -> dict:
        return {child.tag: (child.text or "").strip() for child in element if len(child) == 0}

    records: list = []
    for app in root:
        if app.tag != "application":
            raise IntakeRefused([RecordError(len(records) + 1, "", "file", f"<{app.tag[:30]}> は <application> ではありません。")])
        record: dict = leafs(app)
        applicant = app.find("applicant")
        if applicant is not None:
            record["applicant"] = {k: v or None for k, v in leafs(applicant).items()}
        details = app.find("details")
        if details is not None:
            record["details"] = {k: v for k, v in leafs(details).items() if v}
            persons = details.find("persons")
            if persons is not None:
                record["details"]["persons"] = [leafs(person) for person in persons]
        files = app.find("attachments")
        if files is not None:
            record["attachments"] = [leafs(f) for f in files]
        records.append(record)
    return records


def applications_import(*, actor, town, raw: bytes, filename: str) -> IntakeBatch:
    """A delivered file: every record checked first; then all become tasks in one transaction, or none."""
    _require(actor, town)
    form, records = parse_file(raw, filename)
    return applications_take(actor=actor, town=town, records=records, source="file", filename=filename,
                             form=form).batch


@dataclass
class Taken:
    batch: IntakeBatch
    tasks: list[Task]  # the new ones, in the records' order
    replayed: list[str]  # 申請番号 already taken in with the same content


MAX_BATCH_API = 500  # applications per API request (onlineApplicationsSubmit)


def applications_take(*, actor, town, records: list, source: str = "api", filename: str = "",
                      form: str = "api") -> Taken:
    """Many applications at once (a file, or the API's batch): all checked first with set-based lookups, then
    the new ones inserted in one transaction with one audit record — or nothing, with every error by record
    and field. A record already taken in with the same content is answered as replayed."""
    _require(actor, town)
    if len(records) > MAX_RECORDS:
        raise IntakeRefused([RecordError(0, "", "file", f"1回 {MAX_RECORDS:,} 件までです。")])
    atenas = [r.get("applicant", {}).get("atena_number") for r in records
              if isinstance(r, dict) and isinstance(r.get("applicant"), dict)]
    residents = _residents(atenas)
    errors: list[RecordError] = []
    checked: list[Checked] = []
    seen: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        one, problems = check_record(record, residents=residents)
        app_id = str(record.get("application_id", ""))[:60] if isinstance(record, dict) else ""
        errors += [RecordError(number, app_id, f, m) for f, m in problems]
        if one is not None:
            if one.application_id in seen:
                errors.append(RecordError(number, app_id, "application_id",
                                          f"{seen[one.application_id]}件目と同じ申請番号です。"))
            seen[one.application_id] = number
            checked.append(one)
    existing = dict(Task.objects.filter(application_id__in=list(seen)).values_list("application_id", "content_hash"))
    for one in checked:
        if one.application_id in existing and existing[one.application_id] != one.content_hash:
            errors.append(RecordError(seen[one.application_id], one.application_id, "application_id",
                                      "この申請番号は別の内容で受付済みです。"))
    if errors:
        raise IntakeRefused(sorted(errors, key=lambda e: e.record))
    fresh = [c for c in checked if c.application_id not in existing]  # resent ones are already tasks
    with transaction.atomic():
        batch = IntakeBatch.objects.create(filename=(filename or f"{source}:{_who(actor)}")[:200], form=form,
                                           count=len(fresh), received_by=_who(actor))
        tasks = Task.objects.bulk_create(_tasks_for(fresh, source, batch), batch_size=2000)
        _keep_files(town, [(t, c.files) for t, c in zip(tasks, fresh, strict=True)], 0, "")
        _audit.record(application=permissions.APPLICATION, town=town, actor=actor, action="application.import",
                      persons=sorted({c.person_id for c in fresh if c.person_id}),
                      purpose="オンライン申請の受付（一括）", batch=batch.pk, count=len(fresh),
                      resent=len(checked) - len(fresh))
    return Taken(batch, tasks, [c.application_id for c in checked if c.application_id in existing])
