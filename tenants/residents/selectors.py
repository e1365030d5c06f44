"""Reads of the residents registry. Each leaves a read-audit record (who, which persons, why) and
applies the 抑止 engine: a person under a 照会 alert (e.g. 支援措置) is shown only once the member
of staff has seen the warning and stated a purpose (``alert_purpose``; each such view is flagged
to supervisors), a 照会 error refuses; a protected address is hidden everywhere else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from kyodo.core import csvfile
from kyodo.core.input import ASCII_ID

from . import audit, crypto, permissions, protection, suppression
from .foreign import birth_date_display
from .models import (
    ON_REGISTER,
    BlockedAttempt,
    CertificateIssuance,
    Change,
    ChangeStatus,
    Household,
    InspectionRequest,
    MeasureRequest,
    Person,
    PersonalNumber,
    PersonVersion,
    Process,
    SupportMeasure,
    Suppression,
    SuppressionLift,
)
from .protection import ResidentNotFound
from .search import fold_kana, fold_name, is_kana, parse_number
from .services import household_members, parse_id
from .services.measures import extension_opens

SEARCH_LIMIT = 50


def _require(actor, town, check) -> None:
    audit.assert_in_town(town)
    if actor is None or not check(actor, town):
        raise PermissionDenied("権限がありません。")


def search_filter(query: str, *, partial: bool = False) -> Q | None:
    """Name/kana search on the folded keys: a prefix (前方一致, btree-indexed) of the full kana /
    given kana, or of the full name / given name; with ``partial`` (部分一致) the folded query may
    appear anywhere in the full key (which contains the given one)."""
    words = [w for w in (query or "").replace("\u3000", " ").split(" ") if w]
    if not words:
        return None
    folded = fold_name("".join(words))
    if not folded:
        return None
    lookup = "contains" if partial else "startswith"
    if is_kana(fold_kana("".join(words))):
        key = fold_kana("".join(words))
        cond = Q(**{f"kana_full__{lookup}": key})
        if len(words) == 1 and not partial:
            cond |= Q(kana_given__startswith=key)
        return cond | alias_alphabet_filter(query, partial=partial, kana=key)
    cond = Q(**{f"name_full__{lookup}": folded})
    if len(words) == 1 and not partial:
        cond |= Q(name_given__startswith=folded)
    return cond | alias_alphabet_filter(query, partial=partial)


def alias_alphabet_filter(query: str, *, partial: bool, kana: str | None = None) -> Q:
    """外国人住民 (標準仕様 1.1.2): the 通称 (or its カナ, for a kana query) and the alphabet name, on
    their own folded keys (alphabet: case, spaces and punctuation ignored, so 'smith john' finds
    SMITH JOHN). Prefix like the other keys; anywhere in the key with ``partial``."""
    from .foreign import fold_alphabet, is_alphabet_query

    lookup = "contains" if partial else "startswith"
    if kana is not None:
        return Q(**{f"alias_kana_full__{lookup}": kana})
    cond = Q(**{f"alias_full__{lookup}": fold_name(query)})
    if is_alphabet_query(query):
        cond |= Q(**{f"alpha_full__{lookup}": fold_alphabet(query)})
    return cond


def persons_search(*, actor, town, query: str, purpose: str = "住民検索", include_removed: bool = False,
                   limit: int = SEARCH_LIMIT, partial: bool = False) -> list[PersonVersion]:
    """住民検索 by name or kana (tolerant: see docs/residents.md), or by 宛名番号 / 世帯番号 (the
    household's members) / 住民票コード when the query is a number. Protected persons are left out
    (and the attempt flagged), exactly as if they did not match. A malformed number (wrong check
    digit, wrong length, digits other than 0-9/０-９) raises ValidationError with the reason."""
    _require(actor, town, permissions.can_read)
    cond = number_filter(query)
    if cond is None:
        cond = search_filter(query, partial=partial)
    if cond is None:
        return []
    qs = PersonVersion.objects.filter(cond, is_current=True)
    if not include_removed:
        qs = qs.filter(status__in=ON_REGISTER)
    qs = qs.select_related("person", "household").order_by("kana_full", "person_id")[: limit + 10]
    rows = (_infix_rows(qs) if partial and _trigram_usable(query) else list(qs))[:limit]
    # Protected and otherwise blocked persons are listed (staff must be able to serve them) with a
    # mark and without a protected address; opening one goes through the warning.
    checked = suppression.check(Process.INQUIRY, [r.person_id for r in rows], actor=actor)
    shown = []
    for row in rows:
        row = checked.protection.redact(row)
        row.suppressions = checked.messages([row.person_id])
        row.protected = row.person_id in checked.protection.covered
        shown.append(row)
    audit.record(town=town, actor=actor, action="person.search", persons=[r.person_id for r in shown],
                 purpose=purpose, query=fold_name(query)[:50], results=len(shown))
    return shown


@dataclass
class PersonView:
    person: Person
    version: PersonVersion          # the state shown (current, or as of a date)
    history: list[PersonVersion]
    household: list[PersonVersion]  # household members in that state
    as_of: dt.date | None
    my_number_masked: str = ""
    pending: list[Change] = field(default_factory=list)
    suppressions: list[str] = field(default_factory=list)  # the 照会 blocks shown in the warning banner
    protected: bool = False                                # covered by a 支援措置


def _version_as_of(person_id: int, as_of: dt.date | None) -> PersonVersion | None:
    qs = PersonVersion.objects.filter(person_id=person_id)
    if as_of is not None:
        qs = qs.filter(valid_from__lte=as_of)
    return qs.order_by("-history_no").first()


def household_as_of(household_id: int, as_of: dt.date | None) -> list[PersonVersion]:
    """Members of a household in the state of ``as_of`` (current state when None), head first."""
    if as_of is None:
        return household_members(household_id)
    candidates = PersonVersion.objects.filter(household_id=household_id, valid_from__lte=as_of) \
        .values_list("person_id", flat=True).distinct()
    members = []
    for pid in candidates:
        version = _version_as_of(pid, as_of)
        if version and version.household_id == household_id and version.status in ON_REGISTER:
            members.append(version)
    return sorted(members, key=lambda v: (not v.is_head, v.person_id))


def person_get(*, actor, town, person_id, purpose: str = "住民照会", as_of: dt.date | None = None,
               alert_purpose: suppression.Purpose = "") -> PersonView:
    """個人照会 with full history; ``as_of`` shows the registry as it stood on that date. Under a 照会
    alert, ``alert_purpose`` (the purpose stated behind the warning) is required."""
    _require(actor, town, permissions.can_read)
    try:
        person = Person.objects.get(pk=int(person_id))
    except (TypeError, ValueError, Person.DoesNotExist):
        raise ResidentNotFound() from None
    version = _version_as_of(person.pk, as_of)
    household = household_as_of(version.household_id, as_of) if version else []
    checked = suppression.check(Process.INQUIRY, {person.pk} | {m.person_id for m in household}, actor=actor)
    suppression.enforce(suppression.only(checked, [person.pk]), town=town, actor=actor, channel="inquiry",
                        purpose=purpose, alert_purpose=alert_purpose)
    if version is None:
        raise ResidentNotFound("指定した日付の時点では記録がありません。")
    # Behind the warning the person's own protected address is shown; any other protected address
    # (e.g. in rows from before they left a protected household) stays hidden.
    seen = checked.shown([person.pk])
    version = seen.redact(version)
    history = seen.redact_all(PersonVersion.objects.filter(person=person).select_related("change")
                              .order_by("history_no"))
    household = seen.redact_all(m for m in household if m.person_id not in checked.errors)
    masked = ""
    number = PersonalNumber.objects.filter(person=person).first()
    if number:
        masked = crypto.mask(number.last4)
    pending = list(Change.objects.filter(status=ChangeStatus.PENDING, person_ids__contains=[person.pk]))
    under_alert = person.pk in checked.alerts
    audit.record(town=town, actor=actor, action="person.read", person_id=person.pk, purpose=purpose,
                 as_of=as_of.isoformat() if as_of else "", under_alert=under_alert,
                 rows_redacted=sum(getattr(h, "address_hidden", False) for h in history))
    return PersonView(person, version, history, household, as_of, masked, pending,
                      checked.messages([person.pk]), person.pk in checked.protection.covered)


def household_get(*, actor, town, household_id, purpose: str = "世帯照会",
                  as_of: dt.date | None = None, alert_purpose: suppression.Purpose = "") -> list[PersonVersion]:
    _require(actor, town, permissions.can_read)
    try:
        members = household_as_of(int(household_id), as_of)
    except (TypeError, ValueError):
        members = []
    if not members:
        raise ResidentNotFound()
    ids = [m.person_id for m in members]
    checked = suppression.check(Process.INQUIRY, ids, actor=actor)
    suppression.enforce(checked, town=town, actor=actor, channel="inquiry", purpose=purpose,
                        alert_purpose=alert_purpose)
    members = checked.shown(ids).redact_all(members)  # an as-of state may show another protected address
    audit.record(town=town, actor=actor, action="household.read", persons=ids, purpose=purpose,
                 household_id=int(household_id), under_alert=bool(checked.alerts))
    return members


@dataclass
class QueueItem:
    change: Change
    address_hidden: bool
    can_decide: bool


def changes_pending(*, actor, town, kind: str = "") -> list[QueueItem]:
    """審査待ち一覧 (approval queue), of one 異動 ``kind`` or all. Entries touching a protected person
    are listed without address."""
    _require(actor, town, permissions.can_read)
    pending = Change.objects.filter(status=ChangeStatus.PENDING)
    if kind:
        pending = pending.filter(kind=kind)
    changes = list(pending.order_by("entered_at"))
    ids = {pid for c in changes for pid in c.person_ids}
    seen = protection.inspect(ids)
    hidden_people = seen.blocked
    may_approve = permissions.can_approve_changes(actor, town)  # once, not per row
    items = [QueueItem(c, bool(set(c.person_ids) & hidden_people) or seen.shows_hidden(c.payload),
                       may_approve and c.entered_by_id != actor.pk)
             for c in changes]
    audit.record(town=town, actor=actor, action="change.queue", persons=sorted(ids - hidden_people),
                 purpose="審査・決裁")
    return items


def change_get(*, actor, town, change_id, alert_purpose: suppression.Purpose = "") -> QueueItem:
    """One 異動 as entered; one touching a person under a 照会 alert is shown behind the warning."""
    _require(actor, town, permissions.can_read)
    try:
        change = Change.objects.get(pk=int(change_id))
    except (TypeError, ValueError, Change.DoesNotExist):
        raise ResidentNotFound("該当する異動が見つかりません。") from None
    checked = suppression.check(Process.INQUIRY, change.person_ids, actor=actor)
    suppression.enforce(checked, town=town, actor=actor, channel="inquiry", purpose="異動照会",
                        alert_purpose=alert_purpose)
    # Still hidden when its content names another protected address (e.g. a 転入 into it entered
    # before the measure, or an old 転居 of someone since departed).
    hidden = checked.shown(change.person_ids).shows_hidden(change.payload)
    audit.record(town=town, actor=actor, action="change.read", persons=change.person_ids, purpose="異動照会",
                 change_id=change.pk, under_alert=bool(checked.alerts))
    return QueueItem(change, hidden, permissions.can_approve_change(actor, town, change))


# 生年月日 is ISO (for a 不詳日 its earliest possible day); 生年月日（記載） is what the register
# states (「昭和10年月日不詳」, or the date in 和暦) and 生年月日の精度 says which (標準仕様 1.1.8).
EXPORT_COLUMNS: tuple[str, ...] = ("宛名番号", "世帯番号", "氏名", "氏名カナ", "生年月日", "性別", "続柄", "住所", "方書",
                                   "行政区", "生年月日（記載）", "生年月日の精度")
# 住民種別, 旧氏 and the 外国人住民 items (blank where they do not apply); dates in ISO 8601.
EXPORT_COLUMNS += ("住民種別", "旧氏", "旧氏カナ", "氏名（アルファベット表記）", "通称", "通称カナ", "国籍・地域",
                   "30条の45規定区分", "在留資格", "在留期間", "在留期間の満了日")


def _resident_kind_cells(v: PersonVersion) -> list[str]:
    from .foreign import Article30_45

    return [v.get_resident_kind_display(), v.former_family_name, v.former_family_name_kana, v.alphabet_name,
            v.alias_name, v.alias_name_kana, v.nationality,
            Article30_45(v.article_30_45).label if v.article_30_45 else "", v.residence_status, v.period_of_stay,
            v.stay_expires_on.isoformat() if v.stay_expires_on else ""]


def export_record(row) -> str:
    """How an error names a row of the 住民一覧 (its 宛名番号)."""
    return f"宛名番号 {row[0]}"


def residents_export(*, actor, town, purpose: str, district: str = "", encoding: str | None = None) -> list[list[str]]:
    """住民一覧の出力 (CSV). Protected persons (and their households) are never written out. With
    ``encoding`` (kyodo.core.csvfile), every cell is checked first: a character it cannot hold raises
    ``csvfile.Unencodable`` naming the 宛名番号 and the character, recorded as a failed export (no
    person is recorded as exported, since no file is made)."""
    _require(actor, town, permissions.can_export)
    if not (purpose or "").strip():
        from django.core.exceptions import ValidationError

        raise ValidationError({"purpose": ["出力の目的を入力してください。"]})
    qs = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER).select_related(
        "person", "household").order_by("household_id", "person_id")
    if district:
        qs = qs.filter(district=district)
    rows = list(qs)
    blocked = protection.protected_person_ids(r.person_id for r in rows)
    if blocked:
        protection.record_attempt(town=town, actor=actor, person_ids=blocked, channel="export", purpose=purpose)
    out = []
    for v in rows:
        if v.person_id in blocked:
            continue
        out.append([v.person.atena_number, v.household.number, v.full_name, v.full_name_kana,
                    v.birth_date.isoformat(), "男" if v.sex == "1" else "女", v.relationship, v.address,
                    v.katagaki, v.district, birth_date_display(v), v.birth_date_precision,
                    *_resident_kind_cells(v)])
    if encoding is not None:
        try:
            csvfile.check(EXPORT_COLUMNS, out, encoding=encoding, record_of=export_record)
        except csvfile.Unencodable as exc:
            audit.record(town=town, actor=actor, action="residents.export", purpose=purpose, outcome="failed",
                         district=district, encoding=encoding, reason="unencodable", record=exc.record,
                         column=exc.column, character=exc.codepoints)
            raise
    audit.record(town=town, actor=actor, action="residents.export", purpose=purpose,
                 persons=[r.person_id for r in rows if r.person_id not in blocked], district=district,
                 **({"encoding": encoding} if encoding else {}))
    return out


# --- 住民種別, 旧氏 and the 外国人住民 items (標準仕様 1.1.1/1.1.2) --------------------------------------

def resident_kind_context(*, view: PersonView) -> dict:
    """What the person page shows of these items, for a PersonView that ``person_get`` already
    allowed and audited: 生年月日 (西暦 for 外国人住民, 和暦 for 日本人), the 外国人住民 items and the
    通称履歴 (each 記載・削除 with its date and 市区町村)."""
    from . import foreign
    from .models import AliasEntry

    v = view.version
    return {
        "birth_date_text": foreign.birth_date_display(v),
        "is_foreign": foreign.is_foreign(v),
        "foreign_items": foreign.foreign_items(v) + foreign.stay_items(v),
        "alias_history": list(AliasEntry.objects.filter(person_id=view.person.pk)),
    }


# --- 支援措置 and supervision -----------------------------------------------------------------------

@dataclass
class MeasureRow:
    """One 支援措置 as its managers see it (names, never addresses)."""

    measure: SupportMeasure
    applicant: PersonVersion | None                  # 申出者's current record
    subjects: list[tuple[PersonVersion, str]]         # 併せて支援を求める者 and their relation
    period_alert: str                                 # "" or why the period needs attention
    can_extend: bool


def measure_period(measure: SupportMeasure, today: dt.date) -> tuple[str, bool]:
    """(alert, may be extended) for an active measure: the alert shows in the last month and after
    the end date; extension is allowed from one month before the end (標準仕様 1.6)."""
    if measure.status != "active":
        return "", False
    opens = extension_opens(measure.ends_on)
    if today > measure.ends_on:
        return "終了予定日を過ぎています（延長または終了の手続きが必要です。自動では解除されません）", True
    if today >= opens:
        return "期間終了まで1か月以内です（延長できます）", True
    return "", False


def measures_list(*, actor, town, today: dt.date | None = None) -> list[MeasureRow]:
    _require(actor, town, permissions.can_manage_measures)
    today = today or timezone.localdate()
    measures = list(SupportMeasure.objects.prefetch_related("aggressors", "requests", "subjects")
                    .order_by("-created_at"))
    ids = {m.person_id for m in measures} | {s.person_id for m in measures for s in m.subjects.all()}
    current = {v.person_id: v for v in PersonVersion.objects.filter(person_id__in=ids, is_current=True)
               .select_related("person")}
    rows = []
    for m in measures:
        alert, can_extend = measure_period(m, today)
        subjects = [(current[s.person_id], s.relation) for s in m.subjects.all() if s.person_id in current]
        rows.append(MeasureRow(m, current.get(m.person_id), subjects, alert, can_extend))
    audit.record(town=town, actor=actor, action="support_measure.list", persons=sorted(ids),
                 purpose="支援措置管理")
    return rows


def measure_requests_pending(*, actor, town) -> list[MeasureRequest]:
    _require(actor, town, permissions.can_manage_measures)
    return list(MeasureRequest.objects.filter(status=ChangeStatus.PENDING).select_related("measure"))


def person_id_by_atena(atena: str) -> int | None:
    """The person with this 宛名番号 (for forms that name persons by it), or None."""
    text = str(atena or "").strip()
    if not ASCII_ID.fullmatch(text):
        return None
    return Person.objects.filter(atena_number=text[:12]).values_list("pk", flat=True).first()


def person_by_atena(*, actor, town, atena: str, purpose: str = "支援措置の登録（宛名番号の確認）"):
    """The current record of the person with this 宛名番号, for the 支援措置 form's inline check (its
    managers only; audited as a read), or None when no person has it."""
    _require(actor, town, permissions.can_manage_measures)
    person_id = person_id_by_atena(atena)
    version = (PersonVersion.objects.filter(person_id=person_id, is_current=True).first()
               if person_id is not None else None)
    if version is not None:
        audit.record(town=town, actor=actor, action="person.read", person_id=person_id, purpose=purpose)
    return version


def person_suppressions(*, actor, town, person_id: int) -> list[Suppression]:
    """The 抑止 set on this person or their current household (not those of a 支援措置), in force."""
    _require(actor, town, permissions.can_manage_measures)
    household = PersonVersion.objects.filter(person_id=person_id, is_current=True).values("household_id")
    return list(Suppression.objects.filter(Q(person_id=person_id) | Q(household_id__in=household),
                                           ended_at__isnull=True).order_by("starts_on", "pk"))


def lifts_pending(*, actor, town) -> list[SuppressionLift]:
    """一時解除の申請 waiting for the 支援措置責任者, each with ``shown`` (宛名番号 and 氏名)."""
    _require(actor, town, permissions.can_release_suppression)
    rows = list(SuppressionLift.objects.filter(status=ChangeStatus.PENDING).order_by("requested_at"))
    shown = persons_shown(r.person_id for r in rows)
    for r in rows:
        r.shown = shown.get(r.person_id)  # type: ignore[attr-defined]  # for the page: 宛名番号 and 氏名
    audit.record(town=town, actor=actor, action="suppression_lift.list", persons=sorted({r.person_id for r in rows}),
                 purpose="一時解除の審査")
    return rows


@dataclass(frozen=True)
class PersonShown:
    """How a page names a person to staff: 宛名番号 and the current record (for 氏名), never the
    internal id."""

    atena_number: str
    version: PersonVersion | None


def persons_shown(person_ids) -> dict[int, PersonShown]:
    """宛名番号 and current record of each of these persons (two queries, whatever their number)."""
    ids = {int(p) for p in person_ids}
    atenas = dict(Person.objects.filter(pk__in=ids).values_list("pk", "atena_number"))
    versions = {v.person_id: v for v in PersonVersion.objects.filter(person_id__in=ids, is_current=True)}
    return {pid: PersonShown(atenas[pid], versions.get(pid)) for pid in atenas}


def blocked_attempts(*, actor, town, unacknowledged_only: bool = True) -> list[BlockedAttempt]:
    """警告: the blocked attempts, newest first, each with ``shown`` (宛名番号 and 氏名 of its person)."""
    _require(actor, town, permissions.can_supervise)
    qs = BlockedAttempt.objects.order_by("-created_at")
    if unacknowledged_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    rows = list(qs[:200])
    shown = persons_shown(a.person_id for a in rows)
    for a in rows:
        a.shown = shown.get(a.person_id)  # type: ignore[attr-defined]  # for the page: 宛名番号 and 氏名
    audit.record(town=town, actor=actor, action="blocked_attempt.list", purpose="支援措置の警告確認",
                 persons=sorted({a.person_id for a in rows}))
    return rows


def measure_alerts(*, actor, town, today: dt.date | None = None) -> list[SupportMeasure]:
    """Active measures in their last month or past their end date (標準仕様 1.6 period alerts)."""
    _require(actor, town, permissions.can_manage_measures)
    today = today or timezone.localdate()
    candidates = SupportMeasure.objects.filter(status="active", ends_on__lte=today + dt.timedelta(days=31))
    return [m for m in candidates if today >= extension_opens(m.ends_on)]


# 交付履歴 as a CSV file: the page's columns; the time in local time, 西暦 (for sorting in a spreadsheet).
ISSUANCE_COLUMNS: tuple[str, ...] = ("交付番号", "交付年月日時", "結果", "交付場所", "交付対象者", "証明書種別", "様式",
                                     "枚数（通）", "頁数", "発行番号", "端末", "プリンタ", "ユーザ", "請求者", "関係",
                                     "使用目的", "不交付・処分の理由", "処分した交付")


def issuance_cells(r: CertificateIssuance) -> list[str]:
    from kyodo.core import display

    layout = {"household": "世帯連記式", "": ""}.get(r.layout, "個人票")
    return [str(r.pk), f"{timezone.localtime(r.issued_at):%Y/%m/%d %H:%M:%S}", r.get_outcome_display(), r.place,
            "、".join(r.subject_names), r.get_kind_display(), layout, str(r.copies), str(r.pages),
            " ".join(r.serials), r.terminal, r.printer, display.staff_name(r.issued_by_username), r.requester_name,
            r.requester_relation, r.purpose, r.reason, str(r.refers_to_id or "")]


def issuances_list(*, actor, town, limit: int = 100) -> list[CertificateIssuance]:
    """交付履歴 (it names requesters and purposes, so reading it is audited too). A 不交付 because of
    a 支援措置 would tell who is protected: only supervisors see those rows."""
    _require(actor, town, permissions.can_read)
    qs = CertificateIssuance.objects.all()
    if not permissions.can_supervise(actor, town):
        qs = qs.exclude(reason_code="support_measure")
    rows = list(qs[:limit])
    audit.record(town=town, actor=actor, action="issuance.list", purpose="交付履歴の確認",
                 persons=sorted({p for r in rows for p in r.person_ids}))
    return rows


def overflow_list(*, actor, town, limit: int = 200) -> list[CertificateIssuance]:
    """文字超過リスト (標準仕様 10.7): certificates issued with text that did not fit its box. The
    text may be an address (方書): certificates of persons protected since are left out."""
    _require(actor, town, permissions.can_supervise)
    rows = list(CertificateIssuance.objects.exclude(overflow=[])[:limit])
    hidden = protection.protected_person_ids({p for r in rows for p in r.person_ids})
    rows = [r for r in rows if not hidden.intersection(r.person_ids)]
    audit.record(town=town, actor=actor, action="issuance.overflow_list", purpose="文字超過の確認",
                 persons=sorted({p for r in rows for p in r.person_ids}))
    return rows


def audit_entries(*, actor, town, atena: str = "", action: str = "", page: int = 1, per_page: int = 50):
    """監査ログの閲覧 (auditor, section chief): one page of the entries, newest first, of one person
    (by 宛名番号; an unknown one finds nothing) and/or one action, with the chain check. Each entry
    carries ``persons``: the 宛名番号 of the persons it names."""
    from django.core.paginator import Paginator

    from kyodo.tenantlog.models import AuditEntry

    _require(actor, town, permissions.can_read_audit)
    qs = AuditEntry.objects.filter(chain=audit.chain_name(town)).order_by("-seq")
    person_id = person_id_by_atena(atena) if atena else None
    if atena:
        qs = qs.filter(Q(target_type="person", target_id=str(person_id)) | Q(detail__person_ids__contains=[person_id])
                       ) if person_id is not None else qs.none()
    if action:
        qs = qs.filter(action=action)
    entries = Paginator(qs, per_page).get_page(page)
    rows = list(entries.object_list)
    ids = {int(e.target_id) for e in rows if e.target_type == "person" and ASCII_ID.fullmatch(e.target_id)}
    ids |= {int(p) for e in rows for p in (e.detail or {}).get("person_ids", []) if isinstance(p, int)}
    shown = persons_shown(ids)
    for e in rows:
        named = [int(e.target_id)] if e.target_type == "person" and ASCII_ID.fullmatch(e.target_id) else []
        named += [p for p in (e.detail or {}).get("person_ids", []) if isinstance(p, int) and p not in named]
        e.persons = [shown[p].atena_number if p in shown else "（不明）" for p in named]
    report = audit.verify(town)
    audit.record(town=town, actor=actor, action="audit.read", purpose="監査", person_id=person_id)
    return entries, rows, report


def residents_statistics(town) -> dict[str, int]:
    """Console figures for the consortium (counts only; no person is identified or audited)."""
    from .models import MeasureStatus

    on_register = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER)
    return {
        "住民数": on_register.count(),
        "世帯数": on_register.values("household_id").distinct().count(),
        "審査待ち異動": Change.objects.filter(status=ChangeStatus.PENDING).count(),
        "支援措置": SupportMeasure.objects.filter(status=MeasureStatus.ACTIVE).count(),
    }


def change_approval_blocker(*, change) -> str | None:
    """Why a pending 異動 cannot be approved yet, as its kind sees the registry now (e.g. the
    世帯主 leaves two or more members behind: 世帯主変更 first). None when nothing blocks it."""
    from . import kinds

    if change.status != ChangeStatus.PENDING:
        return None
    spec = kinds.spec_for(change.kind)
    return spec.approval_blocker(dict(change.payload)) if spec.approval_blocker else None


# --- search by number ----------------------------------------------------------------------------

def number_filter(query: str) -> Q | None:
    """The search condition for a query that is a number, or None when it is not one (a name).
    宛名番号 finds that person, 世帯番号 the household's current members, 住民票コード (11 digits)
    that person. 宛名番号 and 世帯番号 are both 10 digits with the modulus-11 check digit (標準仕様
    1.1.13), so 10 digits without a label (「宛名」「世帯」) find both; the page shows both numbers on
    every row. Raises ValidationError for a malformed number (see search.parse_number)."""
    parsed = parse_number(query)
    if parsed is None:
        return None
    kind, digits = parsed
    if kind == "resident_code":
        return Q(person_id__in=list(Person.objects.filter(resident_code=digits).values_list("pk", flat=True)))
    cond = Q(pk__in=[])
    if kind in ("atena", "atena_or_household"):
        cond |= Q(person_id__in=list(Person.objects.filter(atena_number=digits).values_list("pk", flat=True)))
    if kind in ("household", "atena_or_household"):
        cond |= Q(household_id__in=list(Household.objects.filter(number=digits).values_list("pk", flat=True)))
    return cond


def _trigram_usable(query: str) -> bool:
    """部分一致 can use the trigram indexes when the folded query has 3+ characters and this town has
    them (migration 0006 builds them only where pg_trgm is installed)."""
    from django.db import connection

    if len(fold_name(query)) < 3:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('residents_kana_full_trgm') IS NOT NULL")
        return bool(cursor.fetchone()[0])


def _infix_rows(qs) -> list[PersonVersion]:
    """Run a 部分一致 query costing random page reads as on cached/SSD storage (random_page_cost
    1.1, for this one statement). With the default (4, a spinning disk) PostgreSQL prefers to scan
    every current row (about 50 ms at 100,000 persons) over the trigram index (3-7 ms), since its
    estimate for ``LIKE '%…%'`` on kana is several times too high."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('random_page_cost')")
        previous = cursor.fetchone()[0]
        if float(previous) <= 1.1:  # the server is already tuned so
            return list(qs)
        cursor.execute("SELECT set_config('random_page_cost', '1.1', true)")
        rows = list(qs)
        cursor.execute("SELECT set_config('random_page_cost', %s, true)", [previous])
    return rows


# --- 再転入 and 取消: what their pages look up --------------------------------------------------------

def former_residents_find(*, actor, town, resident_code: str = "", name: str = "", birth_date="",
                          purpose: str = "再転入の照合") -> list[PersonVersion]:
    """再転入の照合 from the 転入届 page: former residents (no longer on the register: 転出, 死亡,
    職権消除, 取消) by 住民票コード, or by 氏名 (or カナ) and 生年月日 together. Protected persons are
    left out exactly like non-matches (and the attempt flagged). A malformed code or date is a
    ValidationError on ``resident_code`` / ``birth_date``."""
    from django.core.exceptions import ValidationError

    from .dates import parse_date
    from .numbers import validate_resident_code

    _require(actor, town, permissions.can_enter_change)
    qs = PersonVersion.objects.filter(is_current=True).exclude(status__in=ON_REGISTER)
    if str(resident_code or "").strip():
        try:
            code = validate_resident_code(str(resident_code))
        except ValidationError as exc:
            raise ValidationError({"resident_code": exc.messages}) from None
        qs = qs.filter(person__resident_code=code)
    elif str(name or "").strip():
        try:
            born = parse_date(birth_date, label="生年月日")
        except ValidationError as exc:
            raise ValidationError({"birth_date": exc.messages}) from None
        cond = search_filter(str(name)[:100])
        if cond is None:
            return []
        qs = qs.filter(cond, birth_date=born)
    else:
        return []
    rows = list(qs.select_related("person", "household").order_by("kana_full", "person_id")[:SEARCH_LIMIT])
    # The match pre-fills the 転入届 from the 除票; a protected former resident is served from
    # their own page instead (behind the warning), so they are not matched here.
    blocked = protection.protected_person_ids(r.person_id for r in rows)
    if blocked:
        protection.record_attempt(town=town, actor=actor, person_ids=blocked, channel="search", purpose=purpose)
    rows = [r for r in rows if r.person_id not in blocked]
    audit.record(town=town, actor=actor, action="person.search", persons=[r.person_id for r in rows],
                 purpose=purpose, results=len(rows), former_residents=True)
    return rows


@dataclass
class LatestChange:
    """A person's latest applied change, as the 取消 page shows it."""

    view: PersonView
    change: Change
    person_ids: list[int]  # every person it gave rows (all of them are restored by a 取消)


def latest_change_get(*, actor, town, person_id, alert_purpose: suppression.Purpose = "") -> LatestChange:
    """The change of the person's current history row (the only one a 取消 may cancel). Every
    person it touched passes the 照会 check (behind the warning for a protected one)."""
    view = person_get(actor=actor, town=town, person_id=person_id, purpose="異動の取消し", alert_purpose=alert_purpose)
    change = view.version.change
    person_ids = sorted(set(PersonVersion.objects.filter(change=change).values_list("person_id", flat=True)))
    checked = suppression.check(Process.INQUIRY, set(person_ids) - {view.person.pk}, actor=actor)
    suppression.enforce(checked, town=town, actor=actor, channel="inquiry", purpose="異動の取消し",
                        alert_purpose=alert_purpose)
    return LatestChange(view, change, person_ids)


def history_marks(history) -> tuple[set[int], dict[int, int]]:
    """How the person page marks history rows: the ids of changes a later row cancelled (their rows
    are shown struck through as 「取消」), and per corrected 履歴番号 the row that corrected it."""
    cancelled = {h.cancels_change_id for h in history if h.cancels_change_id}
    corrected = {h.corrects_history_no: h.history_no for h in history if h.corrects_history_no}
    return cancelled, corrected


# --- 閲覧 (住民基本台帳の一部の写し) ----------------------------------------------------------------

INSPECTION_COLUMNS = ("氏名", "出生の年月日", "男女の別", "住所")


@dataclass(frozen=True)
class InspectionRow:
    """One resident in an extract: only the four items 住基法11条・11条の2 allow."""

    person_id: int
    name: str
    birth: str
    sex: str
    address: str

    def cells(self) -> list[str]:
        return [self.name, self.birth, self.sex, self.address]


@dataclass(frozen=True)
class InspectionExtract:
    request: InspectionRequest
    rows: list[InspectionRow]


def inspection_requests_list(*, actor, town, limit: int = 200) -> list[InspectionRequest]:
    """閲覧申出の一覧, pending first (it names requesters, so reading it is audited)."""
    _require(actor, town, permissions.can_read)
    rows = sorted(InspectionRequest.objects.all()[:limit], key=lambda r: r.status != ChangeStatus.PENDING)
    audit.record(town=town, actor=actor, action="inspection.list", purpose="閲覧申出の確認",
                 requests=[r.pk for r in rows])
    return rows


def inspection_request_get(*, actor, town, request_id) -> InspectionRequest:
    _require(actor, town, permissions.can_read)
    pk = parse_id(request_id)
    request = InspectionRequest.objects.filter(pk=pk).first() if pk is not None else None
    if request is None:
        raise ResidentNotFound("該当する閲覧申出が見つかりません。")
    audit.record(town=town, actor=actor, action="inspection.read", purpose="閲覧申出の確認", request_id=request.pk)
    return request


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 2月29日 in a common year
        return day.replace(year=day.year - years, day=28)


def _in_town_area(address: str, prefix_key: str, town_key: str) -> bool:
    """The 町名 is matched from the start of the address, or from just after the town's own name
    (「武雄町」 finds 「佐賀県武雄市武雄町…」), with address folding (全角/半角, 旧字体)."""
    key = protection.address_key(address)
    if key.startswith(prefix_key):
        return True
    at = key.find(town_key) if town_key else -1
    return at >= 0 and key[at + len(town_key):].startswith(prefix_key)


def inspection_extract(*, actor, town, request_id, output: str) -> InspectionExtract:
    """住民基本台帳の一部の写し（閲覧用, 標準仕様 20.3.1） of an approved request: 氏名, 出生の年月日,
    男女の別 and 住所 (with 方書) of the residents on the register in the 町名/行政区 and age range,
    sorted by address. Persons protected by a 支援措置 — and everyone at a protected address — are
    always left out (no exception applies outside the portal). Each production is audited with the
    persons it lists."""
    _require(actor, town, permissions.can_read)
    pk = parse_id(request_id)
    request = InspectionRequest.objects.filter(pk=pk).first() if pk is not None else None
    if request is None or request.status != ChangeStatus.APPROVED:
        raise ResidentNotFound("該当する決裁済みの閲覧申出が見つかりません。")
    qs = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER)
    if request.district:
        qs = qs.filter(district=request.district)
    if request.age_min is not None:
        qs = qs.filter(birth_date__lte=_years_before(request.age_on, request.age_min))
    if request.age_max is not None:
        qs = qs.filter(birth_date__gt=_years_before(request.age_on, request.age_max + 1))
    versions = list(qs.order_by("address", "katagaki", "household_id", "person_id"))
    if request.address_prefix:
        prefix_key = protection.address_key(request.address_prefix)
        town_key = protection.address_key(town.name)
        versions = [v for v in versions if _in_town_area(v.address, prefix_key, town_key)]
    left_out = protection.protected_person_ids([v.person_id for v in versions])
    hidden = protection.outside_redaction().hidden
    # A row at a protected address is dropped too (it is already left out above; a second guard).
    versions = [v for v in versions if v.person_id not in left_out and protection.version_address(v) not in hidden]
    versions.sort(key=lambda v: (protection.address_key(v.address), protection.address_key(v.katagaki),
                                 v.household_id, not v.is_head, v.person_id))
    rows = [InspectionRow(v.person_id, v.full_name, birth_date_display(v), {"1": "男", "2": "女"}.get(v.sex, ""),
                          f"{v.address} {v.katagaki}".strip()) for v in versions]
    audit.record(town=town, actor=actor, action="inspection.extract", persons=[r.person_id for r in rows],
                 purpose=request.purpose[:200], request_id=request.pk, output=output, rows=len(rows))
    return InspectionExtract(request, rows)
