"""The services that produce a certificate (住民票の写し etc.) and write its 交付履歴 (標準仕様 1.3.8):
``certificate_issue`` (交付), ``certificate_refuse`` (不交付 with its reason) and
``certificate_destroy`` (処分 of a wrongly issued certificate, as a further row)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo.core.input import ASCII_ID

from .. import audit, crypto, events, foreign, permissions, protection, suppression
from ..dates import parse_date, to_wareki
from ..models import (
    AttemptKind,
    CertificateIssuance,
    CertificateKind,
    IssuanceOutcome,
    Person,
    PersonalNumber,
    PersonVersion,
    Process,
    ResidentStatus,
)
from ..protection import ResidentNotFound
from ..selectors import household_as_of, person_id_by_atena
from ..services import next_number, parse_id, require_permission
from ..services.measures import lifts_use
from . import REFUSAL_REASONS, REQUESTER_RELATIONS
from . import config as certificate_config
from .render import HOUSEHOLD, INDIVIDUAL, Document, Field, render

OPTIONS = ("include_relationship", "include_honseki", "include_resident_code", "include_my_number",
           "include_nationality", "include_stay_items")
LAYOUTS = {INDIVIDUAL: "個人票", HOUSEHOLD: "世帯連記式"}
MAX_COPIES = 20
# Items a 転出証明書 always carries, whatever was asked for (住基法施行令23条; for a 外国人住民 the
# 法30条の45 items with 国籍・地域).
MOVE_OUT_OPTIONS = ("include_relationship", "include_honseki", "include_resident_code", "include_nationality",
                    "include_stay_items")
REMOVED = (ResidentStatus.MOVED_OUT, ResidentStatus.DECEASED, ResidentStatus.REMOVED)
SUPPORT_MEASURE = "support_measure"
TITLES = {CertificateKind.COPY: "住民票の写し", CertificateKind.ITEMS: "住民票記載事項証明書",
          CertificateKind.MOVE_OUT: "転出証明書", CertificateKind.REMOVED_COPY: "住民票の除票の写し"}
TEXTS = {
    CertificateKind.COPY: "この写しは、住民票の原本と相違ないことを証明する。",
    CertificateKind.ITEMS: "上記の事項は、住民票の記載と相違ないことを証明する。",
    CertificateKind.MOVE_OUT: "上記の者は、転出することを証明する。",
    CertificateKind.REMOVED_COPY: "この写しは、住民票の除票の原本と相違ないことを証明する。",
}


@dataclass
class Issued:
    issuance: CertificateIssuance
    pdf: bytes
    overflow: list[dict] = field(default_factory=list)  # 文字超過: shown to the clerk, listed for the supervisor
    missing_glyphs: list[str] = field(default_factory=list)  # IVS sequences no installed font carries

    @property
    def needs_attention(self) -> bool:
        return bool(self.overflow or self.missing_glyphs)


def _sex(code: str) -> str:
    return {"1": "男", "2": "女"}.get(code, "")


def _request_errors(kind, requester_name, requester_relation, purpose) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in CertificateKind.values:
        errors["kind"] = ["証明書の種類を選択してください。"]
    if not (requester_name or "").strip():
        errors["requester_name"] = ["請求者の氏名を入力してください。"]
    if requester_relation not in REQUESTER_RELATIONS:
        errors["requester_relation"] = ["請求者と対象者の関係を選択してください。"]
    if not (purpose or "").strip():
        errors["purpose"] = ["使用目的を入力してください。"]
    return errors


def _ids(person_ids, errors: dict) -> list[int]:
    parsed = [parse_id(p) for p in person_ids or []]
    ids = sorted({p for p in parsed if p is not None}) if None not in parsed else []
    if not ids:
        errors["person_ids"] = ["対象者を選択してください。"]
    return ids


def _copies(value, errors: dict) -> int:
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    number = int(text) if ASCII_ID.fullmatch(text) else 0
    if not 1 <= number <= MAX_COPIES:
        errors["copies"] = [f"通数は1から{MAX_COPIES}までの数字で入力してください。"]
    return number


def _requester(requester_birth_date, requester_atena, errors: dict) -> tuple[dt.date | None, int | None]:
    """The requester's 生年月日 and resident id when given (to recognise a 加害者)."""
    birth = None
    if requester_birth_date not in (None, ""):
        try:
            birth = parse_date(requester_birth_date, label="請求者の生年月日")
        except ValidationError as exc:
            errors["requester_birth_date"] = exc.messages
    person = None
    text = str(requester_atena or "").strip()
    if text:
        person = person_id_by_atena(text)
        if person is None:
            errors["requester_atena"] = ["請求者の宛名番号に該当する住民がいません。"]
    return birth, person


def certificate_issue(*, actor, town, kind: str, person_ids: list, requester_name: str,
                      requester_relation: str, purpose: str, options: dict | None = None, copies=1,
                      layout: str = INDIVIDUAL, requester_birth_date=None, requester_atena: str = "") -> Issued:
    """交付: ``copies`` copies, each with its own 発行番号, in one PDF. 証明 blocks first (標準仕様
    1.6 / 3.1): a request by a 加害者 named in a measure covering anyone in scope is refused
    outright; a protected person's certificate is an error unless the 支援措置責任者 has released
    one issuance to this member of staff (then used up). Each refusal is a 不交付 row."""
    require_permission(actor, town, permissions.can_issue_certificate, "証明書の交付")
    options = {k: bool((options or {}).get(k)) for k in OPTIONS}
    errors = _request_errors(kind, requester_name, requester_relation, purpose)
    if options["include_my_number"] and requester_relation not in permissions.MY_NUMBER_REQUESTERS:
        errors["include_my_number"] = ["個人番号は本人または同一世帯員の請求に限り記載できます。"]
    if layout not in LAYOUTS:
        errors["layout"] = ["様式（個人票・世帯連記式）を選択してください。"]
    count = _copies(copies, errors)
    ids = _ids(person_ids, errors)
    requester_birth, requester_person = _requester(requester_birth_date, requester_atena, errors)
    if errors:
        raise ValidationError(errors)
    versions = {v.person_id: v for v in PersonVersion.objects.filter(person_id__in=ids, is_current=True)}
    if len(versions) != len(ids):
        raise ResidentNotFound()
    # Blocks first: nothing below may depend on, or reveal, a protected record.
    blocks = suppression.check(Process.CERTIFICATE, ids, actor=actor)
    measures = blocks.protection.measures_of(ids)
    if measures and protection.requested_by_aggressor(measures, name=requester_name, birth_date=requester_birth,
                                                      person_id=requester_person):
        protection.record_attempt(town=town, actor=actor, person_ids=blocks.protection.covered.keys() & set(ids),
                                  channel="certificate", purpose=purpose, kind=AttemptKind.AGGRESSOR)
        _record_refusal(town, actor, kind, ids, versions, requester_name, requester_relation, purpose,
                        SUPPORT_MEASURE, "支援措置（加害者からの請求）")
        raise ValidationError({"requester_name": [
            "請求者が支援措置の加害者として登録されている者と一致するため、この請求は受け付けられません（記録しました）。"]})
    try:
        suppression.enforce(blocks, town=town, actor=actor, channel="certificate", purpose=purpose,
                            alert_purpose=purpose)
    except suppression.Refused as refused:
        by_measure = bool(blocks.measures(refused.person_ids))
        _record_refusal(town, actor, kind, ids, versions, requester_name, requester_relation, purpose,
                        SUPPORT_MEASURE if by_measure else "suppression",
                        "支援措置" if by_measure else "；".join(refused.messages))
        raise
    today = timezone.localdate()
    households = {v.household_id for v in versions.values()}
    if len(households) != 1:
        raise ValidationError({"person_ids": ["同じ世帯の人を選択してください。"]})
    if kind == CertificateKind.MOVE_OUT:
        # 転出証明書 is issued once the 転出 is approved: before the 転出予定日 (転出予定) or after it.
        if any(v.status not in (ResidentStatus.MOVED_OUT, ResidentStatus.MOVING_OUT) for v in versions.values()):
            raise ValidationError({"kind": ["転出の決裁が済んでいない人がいます（転出証明書は転出の本登録後に交付します）。"]})
        shown = [versions[i] for i in ids]
        options.update({k: True for k in MOVE_OUT_OPTIONS})
    elif kind == CertificateKind.REMOVED_COPY:
        # 除票 (標準仕様 20.1.3): persons removed from the registry, always as 個人票.
        if any(v.status not in REMOVED for v in versions.values()):
            raise ValidationError({"kind": ["消除されていない人がいます（除票の写しは転出・死亡・職権消除の後に交付します）。"]})
        shown = [versions[i] for i in ids]
        layout = INDIVIDUAL
    else:
        members = {m.person_id: m for m in household_as_of(households.pop(), today)}
        if any(i not in members for i in ids):
            raise ValidationError({"person_ids": ["住民でない人が含まれています（除票の写しを選んでください）。"]})
        shown = [members[i] for i in ids]
    _refuse_if_it_would_print_a_protected_address(town, actor, shown, purpose, blocks.shown(ids))
    station = certificate_config.CONFIG.station(town.code)
    with transaction.atomic():
        serials = [f"{today:%Y%m%d} {town.name} {station.terminal} {station.printer} {next_number('certificate'):03d}"
                   for _ in range(count)]
        doc = _document(town, kind, shown, options, layout, today)
        rendered = render(doc, serials)
        overflow = [o.as_dict() for o in rendered.overflow]
        issuance = CertificateIssuance.objects.create(
            outcome=IssuanceOutcome.ISSUED, serial=serials[0], serials=serials, kind=kind, layout=layout,
            household_id=shown[0].household_id, person_ids=ids, subject_names=[v.full_name for v in shown],
            options=options, requester_name=requester_name.strip()[:200], requester_relation=requester_relation,
            purpose=purpose.strip()[:200], place=station.place, terminal=station.terminal, printer=station.printer,
            issued_by_id=actor.pk, issued_by_username=actor.username, copies=count, pages=rendered.pages_per_copy,
            sha256=hashlib.sha256(rendered.pdf).hexdigest(), overflow=overflow,
        )
        lifts_use(town=town, actor=actor, result=blocks, used_for=serials[0])
        audit.record(town=town, actor=actor, action="certificate.issue", persons=ids, purpose=purpose,
                     serial=serials[0], serials=serials, kind=kind, layout=layout, options=options,
                     requester_relation=requester_relation, copies=count, overflow=len(overflow))
        events.emit(events.CERTIFICATE_ISSUED, town=town, actor=actor, aggregate_type="certificate",
                    aggregate_id=issuance.pk, serial=serials[0], kind=kind,
                    person_ids=ids)
    return Issued(issuance, rendered.pdf, overflow, rendered.missing_glyphs)


def _record_refusal(town, actor, kind, ids, versions, requester_name, requester_relation, purpose,
                    reason_code: str, reason: str) -> CertificateIssuance:
    with transaction.atomic():
        row = CertificateIssuance.objects.create(
            outcome=IssuanceOutcome.REFUSED, kind=kind if kind in CertificateKind.values else CertificateKind.COPY,
            person_ids=ids, subject_names=[versions[i].full_name for i in ids if i in versions],
            options={}, requester_name=(requester_name or "").strip()[:200],
            requester_relation=requester_relation if requester_relation in REQUESTER_RELATIONS else "",
            purpose=(purpose or "").strip()[:200], place=certificate_config.CONFIG.station(town.code).place,
            terminal=certificate_config.CONFIG.station(town.code).terminal, issued_by_id=actor.pk,
            issued_by_username=actor.username, copies=0, pages=0, reason=reason[:300], reason_code=reason_code,
        )
        audit.record(town=town, actor=actor, action="certificate.refuse", persons=ids, purpose=purpose or "",
                     outcome="refused", kind=kind, reason_code=reason_code)
    return row


def certificate_refuse(*, actor, town, kind: str, person_ids: list, requester_name: str, requester_relation: str,
                       purpose: str, reason_code: str, reason: str = "") -> CertificateIssuance:
    """不交付: the clerk refuses a request (本人確認不可 and the like) and the refusal is recorded
    in the 交付履歴 with its reason. A protected person gets the same answer as a missing one."""
    require_permission(actor, town, permissions.can_issue_certificate, "証明書の交付")
    errors = _request_errors(kind, requester_name, requester_relation, purpose)
    if reason_code not in REFUSAL_REASONS:
        errors["reason_code"] = ["不交付の理由を選択してください。"]
    detail = (reason or "").strip()
    if "\x00" in detail or len(detail) > 250:
        errors["reason"] = ["不交付の理由（詳細）は250文字以内で入力してください。"]
    elif reason_code == "other" and not detail:
        errors["reason"] = ["「その他」の場合は理由を入力してください。"]
    ids = _ids(person_ids, errors)
    if errors:
        raise ValidationError(errors)
    versions = {v.person_id: v for v in PersonVersion.objects.filter(person_id__in=ids, is_current=True)}
    if len(versions) != len(ids):
        raise ResidentNotFound()
    text = REFUSAL_REASONS[reason_code] + (f"（{detail}）" if detail else "")
    return _record_refusal(town, actor, kind, ids, versions, requester_name, requester_relation, purpose,
                           reason_code, text)


def certificate_destroy(*, actor, town, issuance_id, reason: str) -> CertificateIssuance:
    """処分情報: a wrongly issued certificate was taken back and destroyed. Recorded as a new row that
    refers to the 交付, since the 交付 row itself is never changed (append-only 交付履歴)."""
    require_permission(actor, town, permissions.can_issue_certificate, "証明書の処分の記録")
    pk = parse_id(issuance_id)
    original = CertificateIssuance.objects.filter(pk=pk, outcome=IssuanceOutcome.ISSUED).first() if pk else None
    if original is None:
        raise ResidentNotFound("該当する交付履歴が見つかりません。")
    text = (reason or "").strip()
    if not text or "\x00" in text or len(text) > 300:
        raise ValidationError({"reason": ["処分の理由を300文字以内で入力してください。"]})
    with transaction.atomic():
        # The row lock orders two clerks recording the same 処分 (a lock is not an UPDATE: the guard allows it).
        CertificateIssuance.objects.select_for_update().get(pk=original.pk)
        if original.dispositions.exists():
            raise ValidationError({"issuance_id": ["この証明書の処分は記録済みです。"]})
        row = CertificateIssuance.objects.create(
            outcome=IssuanceOutcome.DESTROYED, serials=original.serials, kind=original.kind, layout=original.layout,
            household_id=original.household_id, person_ids=original.person_ids,
            subject_names=original.subject_names, options=original.options,
            requester_name=original.requester_name, requester_relation=original.requester_relation,
            purpose=original.purpose, place=original.place, terminal=original.terminal, printer=original.printer,
            issued_by_id=actor.pk, issued_by_username=actor.username, copies=original.copies, pages=original.pages,
            reason=text, reason_code="destroyed", refers_to=original,
        )
        audit.record(town=town, actor=actor, action="certificate.destroy", persons=original.person_ids,
                     purpose="誤交付の処分", serials=original.serials, refers_to=original.pk)
    return row


def _refuse_if_it_would_print_a_protected_address(town, actor, shown: list[PersonVersion], purpose: str,
                                                   seen: protection.Assessment) -> None:
    """支援措置 (標準仕様 1.6 / 3.1): a certificate is never printed with a protected address in any
    item it carries (住所・方書, 転入前住所, 転出先), whoever it is for; it is refused like a protected
    person (logged, flagged, the uniform message) rather than printed with a gap. Only the state
    printed counts: certificates carry no history rows, so a person who has left a protected
    address is served with their present one."""
    showing = [v.person_id for v in shown if seen.shows_hidden(v)]
    if showing:
        protection.record_attempt(town=town, actor=actor, person_ids=showing, channel="certificate",
                                  purpose=purpose)
        raise suppression.Refused(showing, ["支援措置により秘匿されている住所を記載することになるため、交付できません。"])


def _head_name(v: PersonVersion, kind: str) -> str:
    """世帯主: of the household as it is, or for a 除票 as it stood the day before the removal."""
    as_of = v.valid_from - dt.timedelta(days=1) if kind == CertificateKind.REMOVED_COPY else timezone.localdate()
    head = next((m for m in household_as_of(v.household_id, as_of) if m.is_head), None)
    if v.is_head or (head is None and kind == CertificateKind.REMOVED_COPY and v.relationship == "世帯主"):
        return v.full_name
    return head.full_name if head else "（世帯主なし）"


def _name_items(v: PersonVersion) -> list[tuple[str, str]]:
    """Printed with the 氏名: 旧氏 of a 日本人 when recorded (標準仕様 1.1.1); the alphabet name and
    the 通称 of a 外国人住民 (1.1.2)."""
    if foreign.is_foreign(v):
        return foreign.foreign_items(v)
    if v.former_family_name:
        return [("旧氏", f"{v.former_family_name}（{v.former_family_name_kana}）")]
    return []


def _stay_items(v: PersonVersion, options: dict) -> list[tuple[str, str]]:
    """国籍・地域 and the 30条の45 items of a 外国人住民, each group only on request (住基法12条5項:
    left out unless asked for, as 本籍 is for a 日本人)."""
    items = foreign.stay_items(v)
    nationality = [item for item in items if item[0] == "国籍・地域"]
    others = [item for item in items if item[0] != "国籍・地域"]
    return (nationality if options["include_nationality"] else []) + (others if options["include_stay_items"] else [])


def _document(town, kind: str, shown: list[PersonVersion], options: dict, layout: str, today) -> Document:
    blocks = []
    for v in shown:
        block = [Field("氏名", v.full_name), *(Field(label, value) for label, value in _name_items(v)),
                 Field("フリガナ", v.full_name_kana),
                 Field("生年月日", foreign.birth_date_display(v), half=True), Field("性別", _sex(v.sex), half=True)]
        if options["include_relationship"]:
            block.append(Field("続柄", v.relationship, half=True))
        if options["include_resident_code"]:
            block.append(Field("住民票コード", Person.objects.get(pk=v.person_id).resident_code, half=True))
        if options["include_honseki"] and (v.honseki or v.hittousha) and not foreign.is_foreign(v):
            block += [Field("本籍", v.honseki), Field("筆頭者", v.hittousha)]  # not items of a 外国人住民 record
        block += [Field(label, value) for label, value in _stay_items(v, options)]
        block += [Field("住民となった年月日", to_wareki(v.became_resident_on), half=True),
                  Field("住所を定めた年月日", to_wareki(v.address_set_on), half=True),
                  Field("届出年月日", to_wareki(v.notified_on), half=True)]
        if options["include_my_number"]:
            number = PersonalNumber.objects.filter(person_id=v.person_id).first()
            block.append(Field("個人番号", crypto.decrypt(bytes(number.ciphertext), context=town.code)
                               if number else "（記録なし）", half=True))
        if v.previous_address:
            block.append(Field("転入前住所", v.previous_address, lines=2))
        if kind == CertificateKind.MOVE_OUT:
            block += [Field("転出先", v.destination, lines=2), Field("転出予定日", to_wareki(v.valid_from))]
        if kind == CertificateKind.REMOVED_COPY:
            block += [Field("消除事由", ResidentStatus(v.status).label, half=True),
                      Field("消除日", to_wareki(v.valid_from), half=True)]
            if v.status == ResidentStatus.MOVED_OUT:
                block.append(Field("転出先", v.destination, lines=2))
        if layout == INDIVIDUAL:
            # 個人票: each person's sheet carries the address (and 世帯主, when asked for) itself.
            head = [Field("住所", v.address, lines=2), Field("方書", v.katagaki)]
            if options["include_relationship"]:
                head.append(Field("世帯主", _head_name(v, kind)))
            block = head + block
        blocks.append(block)
    header: list[Field] = []
    if layout == HOUSEHOLD:
        header = [Field("住所", shown[0].address, lines=2), Field("方書", shown[0].katagaki)]
        if options["include_relationship"]:
            header.append(Field("世帯主", _head_name(shown[0], kind)))
    seal = certificate_config.CONFIG.seal_image(town.code)
    return Document(title=TITLES[CertificateKind(kind)], header=header, blocks=blocks,
                    certification=TEXTS[CertificateKind(kind)], issuer=f"{town.name}長", issued_on=to_wareki(today),
                    layout=layout, seal_image=seal)
