"""Reads of the residents registry. Each leaves a read-audit record (who, which persons, why) and
applies 支援措置: a protected person is answered exactly like a missing one (ResidentNotFound)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from . import audit, crypto, permissions, protection
from .models import (
    ON_REGISTER,
    BlockedAttempt,
    CertificateIssuance,
    Change,
    ChangeStatus,
    Household,
    MeasureRequest,
    Person,
    PersonalNumber,
    PersonVersion,
    SupportMeasure,
)
from .protection import ResidentNotFound
from .search import fold_kana, fold_name, is_kana, parse_number
from .services import household_members

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
    rows = _infix_rows(qs) if partial and _trigram_usable(query) else list(qs)
    blocked = protection.blocked_person_ids(actor, [r.person_id for r in rows])
    if blocked:
        protection.record_blocked(town=town, actor=actor, person_ids=blocked, channel="search", purpose=purpose)
    rows = [r for r in rows if r.person_id not in blocked][:limit]
    audit.record(town=town, actor=actor, action="person.search", persons=[r.person_id for r in rows],
                 purpose=purpose, query=fold_name(query)[:50], results=len(rows))
    return rows


@dataclass
class PersonView:
    person: Person
    version: PersonVersion          # the state shown (current, or as of a date)
    history: list[PersonVersion]
    household: list[PersonVersion]  # household members in that state
    as_of: dt.date | None
    my_number_masked: str = ""
    pending: list[Change] = field(default_factory=list)


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


def person_get(*, actor, town, person_id, purpose: str = "住民照会", as_of: dt.date | None = None) -> PersonView:
    """個人照会 with full history; ``as_of`` shows the registry as it stood on that date."""
    _require(actor, town, permissions.can_read)
    try:
        person = Person.objects.get(pk=int(person_id))
    except (TypeError, ValueError, Person.DoesNotExist):
        raise ResidentNotFound() from None
    version = _version_as_of(person.pk, as_of)
    household = household_as_of(version.household_id, as_of) if version else []
    seen = protection.inspect(actor, {person.pk} | {m.person_id for m in household})
    if person.pk in seen.blocked:
        protection.record_blocked(town=town, actor=actor, person_ids=[person.pk], channel="inquiry", purpose=purpose)
        raise ResidentNotFound()
    if version is None:
        raise ResidentNotFound("指定した日付の時点では記録がありません。")
    # Rows of this (unblocked) person that show a protected address — e.g. from before they left
    # a protected household — are shown with the address items replaced (支援措置: 住所を秘匿).
    version = seen.redact(version)
    history = seen.redact_all(PersonVersion.objects.filter(person=person).select_related("change")
                              .order_by("history_no"))
    household = seen.redact_all(m for m in household if m.person_id not in seen.blocked)
    masked = ""
    number = PersonalNumber.objects.filter(person=person).first()
    if number:
        masked = crypto.mask(number.last4)
    pending = list(Change.objects.filter(status=ChangeStatus.PENDING, person_ids__contains=[person.pk]))
    audit.record(town=town, actor=actor, action="person.read", person_id=person.pk, purpose=purpose,
                 as_of=as_of.isoformat() if as_of else "", under_exception=person.pk in seen.excepted,
                 rows_redacted=sum(getattr(h, "address_hidden", False) for h in history))
    return PersonView(person, version, history, household, as_of, masked, pending)


def household_get(*, actor, town, household_id, purpose: str = "世帯照会",
                  as_of: dt.date | None = None) -> list[PersonVersion]:
    _require(actor, town, permissions.can_read)
    try:
        members = household_as_of(int(household_id), as_of)
    except (TypeError, ValueError):
        members = []
    if not members:
        raise ResidentNotFound()
    seen = protection.inspect(actor, [m.person_id for m in members])
    if seen.blocked:
        protection.record_blocked(town=town, actor=actor, person_ids=seen.blocked, channel="inquiry",
                                  purpose=purpose)
        raise ResidentNotFound()
    members = seen.redact_all(members)  # an as-of state may show a protected address
    audit.record(town=town, actor=actor, action="household.read", persons=[m.person_id for m in members],
                 purpose=purpose, household_id=int(household_id))
    return members


@dataclass
class QueueItem:
    change: Change
    address_hidden: bool
    can_decide: bool


def changes_pending(*, actor, town) -> list[QueueItem]:
    """審査待ち一覧 (approval queue). Entries touching a protected person are listed without address."""
    _require(actor, town, permissions.can_read)
    changes = list(Change.objects.filter(status=ChangeStatus.PENDING).order_by("entered_at"))
    ids = {pid for c in changes for pid in c.person_ids}
    seen = protection.inspect(actor, ids)
    hidden_people = seen.blocked
    may_approve = permissions.can_approve_changes(actor, town)  # once, not per row
    items = [QueueItem(c, bool(set(c.person_ids) & hidden_people) or seen.shows_hidden(c.payload),
                       may_approve and c.entered_by_id != actor.pk)
             for c in changes]
    audit.record(town=town, actor=actor, action="change.queue", persons=sorted(ids - hidden_people),
                 purpose="審査・決裁")
    return items


def change_get(*, actor, town, change_id) -> QueueItem:
    _require(actor, town, permissions.can_read)
    try:
        change = Change.objects.get(pk=int(change_id))
    except (TypeError, ValueError, Change.DoesNotExist):
        raise ResidentNotFound("該当する異動が見つかりません。") from None
    seen = protection.inspect(actor, change.person_ids)
    # Hidden when it touches a protected person, or its content names a protected address
    # (e.g. a 転入 into it entered before the measure, or an old 転居 of someone since departed).
    hidden = bool(seen.blocked) or seen.shows_hidden(change.payload)
    audit.record(town=town, actor=actor, action="change.read", persons=change.person_ids, purpose="異動照会",
                 change_id=change.pk)
    return QueueItem(change, hidden, permissions.can_approve_change(actor, town, change))


EXPORT_COLUMNS: tuple[str, ...] = ("宛名番号", "世帯番号", "氏名", "氏名カナ", "生年月日", "性別", "続柄", "住所", "方書", "行政区")
# 住民種別, 旧氏 and the 外国人住民 items (blank where they do not apply); dates in ISO 8601.
EXPORT_COLUMNS += ("住民種別", "旧氏", "旧氏カナ", "氏名（アルファベット表記）", "通称", "通称カナ", "国籍・地域",
                   "30条の45規定区分", "在留資格", "在留期間", "在留期間の満了日")


def _resident_kind_cells(v: PersonVersion) -> list[str]:
    from .foreign import Article30_45

    return [v.get_resident_kind_display(), v.former_family_name, v.former_family_name_kana, v.alphabet_name,
            v.alias_name, v.alias_name_kana, v.nationality,
            Article30_45(v.article_30_45).label if v.article_30_45 else "", v.residence_status, v.period_of_stay,
            v.stay_expires_on.isoformat() if v.stay_expires_on else ""]


def residents_export(*, actor, town, purpose: str, district: str = "") -> list[list[str]]:
    """住民一覧の出力 (CSV). Protected persons (and their households) are never written out."""
    _require(actor, town, permissions.can_read)
    if not (purpose or "").strip():
        from django.core.exceptions import ValidationError

        raise ValidationError({"purpose": ["出力の目的を入力してください。"]})
    qs = PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER).select_related(
        "person", "household").order_by("household_id", "person_id")
    if district:
        qs = qs.filter(district=district)
    rows = list(qs)
    blocked = protection.blocked_person_ids(actor, [r.person_id for r in rows])
    if blocked:
        protection.record_blocked(town=town, actor=actor, person_ids=blocked, channel="export", purpose=purpose)
    out = []
    for v in rows:
        if v.person_id in blocked:
            continue
        out.append([v.person.atena_number, v.household.number, v.full_name, v.full_name_kana,
                    v.birth_date.isoformat(), "男" if v.sex == "1" else "女", v.relationship, v.address,
                    v.katagaki, v.district, *_resident_kind_cells(v)])
    audit.record(town=town, actor=actor, action="residents.export", purpose=purpose,
                 persons=[r.person_id for r in rows if r.person_id not in blocked], district=district)
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

def measures_list(*, actor, town) -> list[SupportMeasure]:
    _require(actor, town, permissions.can_manage_measures)
    measures = list(SupportMeasure.objects.prefetch_related("aggressors", "requests").order_by("-created_at"))
    audit.record(town=town, actor=actor, action="support_measure.list", persons=[m.person_id for m in measures],
                 purpose="支援措置管理")
    return measures


def measure_requests_pending(*, actor, town) -> list[MeasureRequest]:
    _require(actor, town, permissions.can_manage_measures)
    return list(MeasureRequest.objects.filter(status=ChangeStatus.PENDING).select_related("measure"))


def blocked_attempts(*, actor, town, unacknowledged_only: bool = True) -> list[BlockedAttempt]:
    _require(actor, town, permissions.can_supervise)
    qs = BlockedAttempt.objects.order_by("-created_at")
    if unacknowledged_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    rows = list(qs[:200])
    audit.record(town=town, actor=actor, action="blocked_attempt.list", purpose="支援措置の警告確認",
                 persons=sorted({a.person_id for a in rows}))
    return rows


def measure_alerts(*, actor, town, today: dt.date | None = None) -> list[SupportMeasure]:
    """Measures in their last month or past their end date and not yet ended (標準仕様 period alerts)."""
    _require(actor, town, permissions.can_manage_measures)
    today = today or timezone.localdate()
    return list(SupportMeasure.objects.filter(status="active", ends_on__lte=today + dt.timedelta(days=31)))


def issuances_list(*, actor, town, limit: int = 100) -> list[CertificateIssuance]:
    """交付履歴 (it names requesters and purposes, so reading it is audited too)."""
    _require(actor, town, permissions.can_read)
    rows = list(CertificateIssuance.objects.all()[:limit])
    audit.record(town=town, actor=actor, action="issuance.list", purpose="交付履歴の確認",
                 persons=sorted({p for r in rows for p in r.person_ids}))
    return rows


def audit_entries(*, actor, town, person_id: int | None = None, limit: int = 200):
    """監査ログの閲覧 (auditor, section chief): latest entries and the chain check."""
    from kyodo.tenantlog.models import AuditEntry

    _require(actor, town, permissions.can_read_audit)
    qs = AuditEntry.objects.filter(chain=audit.chain_name(town)).order_by("-seq")
    if person_id:
        qs = qs.filter(Q(target_id=str(person_id)) | Q(detail__person_ids__contains=[person_id]))
    rows = list(qs[:limit])
    report = audit.verify(town)
    audit.record(town=town, actor=actor, action="audit.read", purpose="監査", person_id=person_id)
    return rows, report


def residents_statistics(town) -> dict[str, int]:
    """Console figures for the consortium (counts only; no person is identified or audited)."""
    from .models import MeasureStatus

    return {
        "住民数": PersonVersion.objects.filter(is_current=True, status__in=ON_REGISTER).count(),
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
