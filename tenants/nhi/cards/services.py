"""Every write of the 資格確認書 交付履歴: ``card_issue`` (新規・更新), ``card_reissue`` (再交付: 紛失・破損,
the previous one marked 再交付により無効) and ``card_return`` (返還, optionally 廃棄). Each is one
transaction with its audit record on the ``nhi:<code>`` chain; errors are ValidationError naming the field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kyodo.core.input import ASCII_ID
from tenants.residents.services import next_number

from .. import audit, permissions, residents_facts
from ..models import CardIssuance, CardKind, CardReason, Enrolment, InsuredNumber, ReissueCause
from . import document, rules

SEX = {"1": "男", "2": "女"}


class CardNotFound(Exception):
    """No such issuance in this town: the same answer as an unknown person."""


@dataclass
class Issued:
    issuance: CardIssuance
    pdf: bytes


def _who(actor) -> str:
    from kyodo.identity.principal import audit_actor_of

    who = audit_actor_of(actor)
    return (who.name if who else "system")[:150]


def _require(actor, town) -> None:
    audit.assert_in_town(town)
    if not permissions.can_issue_card(actor, town):
        raise PermissionDenied("資格確認書を交付する権限がありません")


def parse_issuance_id(value) -> int:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not ASCII_ID.fullmatch(text):
        raise ValidationError({"issuance_id": ["交付履歴の番号が正しくありません。"]})
    return int(text)


def insured_number_of(town, person_id: int) -> InsuredNumber:
    """被保険者記号・番号: assigned on first need (記号 = 団体コード's first five digits; 番号 = a per-town
    6-digit sequence and its check digit), then the person's for good."""
    found = InsuredNumber.objects.filter(person_id=person_id).first()
    if found is not None:
        return found
    body = f"{next_number('nhi.insured_number'):06d}"
    return InsuredNumber.objects.create(person_id=person_id, symbol=town.code[:5],
                                        number=body + rules.luhn_digit(body))


def _insured_row(person_id: int) -> Enrolment:
    row = Enrolment.objects.select_for_update().filter(person_id=person_id, is_current=True).first()
    if row is None or row.lost_on is not None:
        raise ValidationError({"person_id": ["国保の被保険者ではないため、資格確認書は交付できません（資格を取得していないか、喪失しています）。"]})
    return row


def _kind(value) -> str:
    if value not in CardKind.values:
        raise ValidationError({"kind": ["交付する書類（資格確認書・資格情報のお知らせ）を選択してください。"]})
    return str(value)


def _write(*, actor, town, person_id: int, kind: str, reason: str, cause: str = "", rate: str = "",
           replaces: CardIssuance | None = None) -> Issued:
    version = residents_facts.current(person_id)
    if version is None:
        raise ValidationError({"person_id": ["住民記録にない方です。"]})
    enrolment = _insured_row(person_id)
    today = timezone.localdate()
    if today >= rules.late_elderly_from(version.birth_date):
        raise ValidationError({"person_id": ["75歳以上の方は後期高齢者医療の被保険者です（国保の資格確認書は交付できません）。"]})
    terms = rules.terms(birth=version.birth_date, issued_on=today, renewal=reason == CardReason.RENEWAL, rate=rate)
    if terms.needs_rate and rate not in rules.RATES_70:
        raise ValidationError({"rate": ["70歳以上の方は一部負担金の割合（2割・3割）を選択してください。"]})
    number = insured_number_of(town, person_id)
    items = document.printed_items(
        name=version.full_name, kana=version.full_name_kana, birth=version.birth_date, sex=SEX.get(version.sex, ""),
        symbol=number.symbol, number=number.number, acquired_on=enrolment.acquired_on, valid_until=terms.valid_until,
        copay=terms.copay, copay_from=terms.copay_from, insurer=town.name, issued_on=today)
    row = CardIssuance(
        person_id=person_id, atena_number=residents_facts.atena_of(person_id), enrolment=enrolment, kind=kind,
        serial_year=today.year, serial_no=next_number(f"nhi.card.{today.year}"), symbol=number.symbol,
        number=number.number, valid_until=terms.valid_until, copay=terms.copay, copay_from=terms.copay_from,
        reason=reason, reissue_cause=cause, replaces=replaces, issued_on=today, issued_by=_who(actor),
        printed=[list(i) for i in items])
    rendered = document.render_issuance(row, items, town.name)
    row.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
    row.save()
    return Issued(row, rendered.pdf)


def _invalidate(previous: CardIssuance, why: str) -> None:
    previous.invalidated_at, previous.invalidated_reason = timezone.now(), why
    previous.save(update_fields=["invalidated_at", "invalidated_reason"])


def card_issue(*, actor, town, person_id: int, kind: str, reason: str = CardReason.NEW, rate: str = "") -> Issued:
    """交付 (新規 or 更新) to a currently insured person. ``kind`` is chosen at the counter: 資格情報のお知らせ
    for a マイナ保険証 holder, else 資格確認書 (the town does not hold that registration). 新規 is refused
    while one is in force; 更新 replaces the one in force (marked 更新により無効)."""
    _require(actor, town)
    kind = _kind(kind)
    if reason not in (CardReason.NEW, CardReason.RENEWAL):
        raise ValidationError({"reason": ["交付事由（新規・更新）を選択してください。"]})
    with transaction.atomic():
        # The 資格 row is locked first: two 新規 at once for one person wait for each other here.
        _insured_row(int(person_id))
        in_force = list(CardIssuance.objects.select_for_update().filter(
            person_id=int(person_id), invalidated_at__isnull=True, returned_at__isnull=True))
        if in_force and reason == CardReason.NEW:
            raise ValidationError({"reason": ["有効な資格確認書・お知らせが交付済みです（再交付または更新を選んでください）。"]})
        issued = _write(actor=actor, town=town, person_id=int(person_id), kind=kind, reason=reason, rate=rate,
                        replaces=in_force[0] if in_force else None)
        for previous in in_force:
            _invalidate(previous, "更新により無効")
        audit.record(town=town, actor=actor, action="card.issue", person_id=int(person_id), purpose="資格確認書の交付",
                     serial=issued.issuance.serial, kind=kind, reason=reason,
                     valid_until=issued.issuance.valid_until.isoformat(),
                     replaces=[p.serial for p in in_force])
    return issued


def card_reissue(*, actor, town, issuance_id, cause: str, rate: str = "") -> Issued:
    """再交付 (紛失・破損): a new document of the same kind; the previous one is marked 再交付により無効."""
    _require(actor, town)
    pk = parse_issuance_id(issuance_id)
    if cause not in ReissueCause.values:
        raise ValidationError({"cause": ["再交付の理由（紛失・破損）を選択してください。"]})
    with transaction.atomic():
        previous = CardIssuance.objects.select_for_update().filter(pk=pk).first()
        if previous is None:
            raise CardNotFound
        if not previous.is_in_force:
            raise ValidationError({"issuance_id": ["この資格確認書はすでに無効か返還済みです（再交付できません）。"]})
        issued = _write(actor=actor, town=town, person_id=previous.person_id, kind=previous.kind,
                        reason=CardReason.REISSUE, cause=cause, rate=rate or previous.copay, replaces=previous)
        _invalidate(previous, "再交付により無効")
        audit.record(town=town, actor=actor, action="card.reissue", person_id=previous.person_id,
                     purpose="資格確認書の再交付", serial=issued.issuance.serial, replaces=previous.serial, cause=cause)
    return issued


def card_return(*, actor, town, issuance_id, destroyed: bool = False) -> CardIssuance:
    """返還 (on 喪失, or an old one found after a 再交付): marks the row returned, and 廃棄 when destroyed."""
    _require(actor, town)
    pk = parse_issuance_id(issuance_id)
    with transaction.atomic():
        row = CardIssuance.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            raise CardNotFound
        if row.returned_at is not None:
            raise ValidationError({"issuance_id": ["この資格確認書は返還済みです。"]})
        row.returned_at, row.returned_by, row.destroyed = timezone.now(), _who(actor), bool(destroyed)
        row.save(update_fields=["returned_at", "returned_by", "destroyed"])
        audit.record(town=town, actor=actor, action="card.return", person_id=row.person_id, purpose="資格確認書の返還",
                     serial=row.serial, destroyed=bool(destroyed))
    return row
