"""certificate_issue: the one service that produces a certificate (住民票の写し etc.) and its 交付履歴."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import audit, crypto, events, foreign, permissions, protection
from ..dates import to_wareki
from ..models import (
    CertificateIssuance,
    CertificateKind,
    Person,
    PersonalNumber,
    PersonVersion,
    ResidentStatus,
)
from ..protection import ResidentNotFound
from ..selectors import household_as_of
from ..services import next_number, parse_id, require_permission
from . import REQUESTER_RELATIONS
from .render import Document, render

OPTIONS = ("include_relationship", "include_honseki", "include_resident_code", "include_my_number",
           "include_nationality", "include_stay_items")


@dataclass
class Issued:
    issuance: CertificateIssuance
    pdf: bytes


def _sex(code: str) -> str:
    return {"1": "男", "2": "女"}.get(code, "")


def certificate_issue(*, actor, town, kind: str, person_ids: list[int], requester_name: str,
                      requester_relation: str, purpose: str, options: dict | None = None) -> Issued:
    """交付: refused (like a missing record) if any person in scope is protected by 支援措置."""
    require_permission(actor, town, permissions.can_issue_certificate, "証明書の交付")
    options = {k: bool((options or {}).get(k)) for k in OPTIONS}
    errors: dict[str, list[str]] = {}
    if kind not in CertificateKind.values:
        errors["kind"] = ["証明書の種類を選択してください。"]
    if not (requester_name or "").strip():
        errors["requester_name"] = ["請求者の氏名を入力してください。"]
    if requester_relation not in REQUESTER_RELATIONS:
        errors["requester_relation"] = ["請求者と対象者の関係を選択してください。"]
    if not (purpose or "").strip():
        errors["purpose"] = ["使用目的を入力してください。"]
    if options["include_my_number"] and requester_relation not in permissions.MY_NUMBER_REQUESTERS:
        errors["include_my_number"] = ["個人番号は本人または同一世帯員の請求に限り記載できます。"]
    parsed = [parse_id(p) for p in person_ids or []]
    ids = sorted({p for p in parsed if p is not None}) if None not in parsed else []
    if not ids:
        errors["person_ids"] = ["対象者を選択してください。"]
    if errors:
        raise ValidationError(errors)
    versions = {v.person_id: v for v in PersonVersion.objects.filter(person_id__in=ids, is_current=True)}
    if len(versions) != len(ids):
        raise ResidentNotFound()
    # Support measures first: nothing below may depend on, or reveal, a protected record.
    protection.refuse_if_blocked(town=town, actor=actor, person_ids=ids, channel="certificate", purpose=purpose)
    today = timezone.localdate()
    households = {v.household_id for v in versions.values()}
    if len(households) != 1:
        raise ValidationError({"person_ids": ["同じ世帯の人を選択してください。"]})
    if kind == CertificateKind.MOVE_OUT:
        # 転出証明書 is issued once the 転出 is approved: before the 転出予定日 (転出予定) or after it.
        if any(v.status not in (ResidentStatus.MOVED_OUT, ResidentStatus.MOVING_OUT) for v in versions.values()):
            raise ValidationError({"kind": ["転出の決裁が済んでいない人がいます（転出証明書は転出の本登録後に交付します）。"]})
        shown = [versions[i] for i in ids]
    else:
        members = {m.person_id: m for m in household_as_of(households.pop(), today)}
        if any(i not in members for i in ids):
            raise ValidationError({"person_ids": ["住民でない人が含まれています（除票の写しは未対応です）。"]})
        shown = [members[i] for i in ids]
    _refuse_if_it_would_print_a_protected_address(town, actor, shown, purpose)
    with transaction.atomic():
        serial = f"{today:%Y%m%d} {town.name} 窓口 {next_number('certificate'):06d}"
        doc = _document(town, kind, shown, options, serial, today)
        pdf, pages = render(doc)
        issuance = CertificateIssuance.objects.create(
            serial=serial, kind=kind, household_id=shown[0].household_id, person_ids=ids, options=options,
            requester_name=requester_name.strip()[:200], requester_relation=requester_relation,
            purpose=purpose.strip()[:200], issued_by_id=actor.pk, issued_by_username=actor.username, pages=pages,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        audit.record(town=town, actor=actor, action="certificate.issue", persons=ids, purpose=purpose,
                     serial=serial, kind=kind, options=options, requester_relation=requester_relation)
        events.emit(events.CERTIFICATE_ISSUED, town=town, actor=actor, aggregate_type="certificate",
                    aggregate_id=issuance.pk, serial=serial, kind=kind,
                    person_ids=ids)
    return Issued(issuance, pdf)


def _refuse_if_it_would_print_a_protected_address(town, actor, shown: list[PersonVersion], purpose: str) -> None:
    """支援措置 (標準仕様 1.6 / 3.1): a certificate is never printed with a protected address in any
    item it carries (住所・方書, 転入前住所, 転出先), whoever it is for; it is refused like a protected
    person (logged, flagged, the uniform message) rather than printed with a gap. Only the state
    printed counts: certificates carry no history rows, so a person who has left a protected
    address is served with their present one."""
    seen = protection.inspect(actor, [])
    showing = [v.person_id for v in shown if seen.shows_hidden(v)]
    if showing:
        protection.record_blocked(town=town, actor=actor, person_ids=showing, channel="certificate",
                                  purpose=purpose)
        raise ResidentNotFound()


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


def _document(town, kind: str, shown: list[PersonVersion], options: dict, serial: str, today) -> Document:
    head = next((m for m in household_as_of(shown[0].household_id, today) if m.is_head), None)
    blocks = []
    for v in shown:
        block = [("氏名", v.full_name), *_name_items(v), ("フリガナ", v.full_name_kana),
                 ("生年月日", foreign.birth_date_display(v)), ("性別", _sex(v.sex))]
        if options["include_relationship"]:
            block.append(("続柄", v.relationship))
        if options["include_honseki"] and not foreign.is_foreign(v):  # not an item of a 外国人住民 record
            block += [("本籍", v.honseki), ("筆頭者", v.hittousha)]
        block += _stay_items(v, options)
        block += [("住民となった年月日", to_wareki(v.became_resident_on)),
                  ("住所を定めた年月日", to_wareki(v.address_set_on)), ("届出年月日", to_wareki(v.notified_on))]
        if v.previous_address:
            block.append(("転入前住所", v.previous_address))
        if options["include_resident_code"]:
            block.append(("住民票コード", Person.objects.get(pk=v.person_id).resident_code))
        if options["include_my_number"]:
            number = PersonalNumber.objects.filter(person_id=v.person_id).first()
            block.append(("個人番号", crypto.decrypt(bytes(number.ciphertext), context=town.code)
                          if number else "（記録なし）"))
        if kind == CertificateKind.MOVE_OUT:
            block += [("転出先", v.destination), ("転出予定日", to_wareki(v.valid_from))]
        blocks.append(block)
    address = f"{shown[0].address} {shown[0].katagaki}".strip()
    header = [("住所", address)]
    if options["include_relationship"] or kind == CertificateKind.COPY:
        header.append(("世帯主", head.full_name if head else "（世帯主なし）"))
    titles = {CertificateKind.COPY: "住民票の写し", CertificateKind.ITEMS: "住民票記載事項証明書",
              CertificateKind.MOVE_OUT: "転出証明書"}
    texts = {
        CertificateKind.COPY: "この写しは、住民票の原本と相違ないことを証明する。",
        CertificateKind.ITEMS: "上記の事項は、住民票の記載と相違ないことを証明する。",
        CertificateKind.MOVE_OUT: "上記の者は、転出することを証明する。",
    }
    return Document(title=titles[CertificateKind(kind)], serial=serial, header=header, blocks=blocks,
                    certification=texts[CertificateKind(kind)], issuer=f"{town.name}長", issued_on=to_wareki(today))
