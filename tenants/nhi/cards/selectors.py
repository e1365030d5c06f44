"""Reads of the 資格確認書 交付履歴; each leaves an audit record (it names a person)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from .. import audit, permissions
from ..models import CardIssuance
from . import document
from .services import CardNotFound, parse_issuance_id


def _require(actor, town) -> None:
    audit.assert_in_town(town)
    if not permissions.can_read(actor, town):
        raise PermissionDenied("国保の資格を照会する権限がありません")


def person_cards(*, actor, town, person_id: int, purpose: str = "交付履歴の照会") -> list[CardIssuance]:
    """The person's 交付履歴, newest first."""
    _require(actor, town)
    rows = list(CardIssuance.objects.filter(person_id=int(person_id)).order_by("-issued_at", "-pk"))
    audit.record(town=town, actor=actor, action="card.list", person_id=int(person_id), purpose=purpose)
    return rows


@dataclass
class CardPdf:
    issuance: CardIssuance
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"nhi-card-{self.issuance.serial}.pdf"


def card_pdf(*, actor, town, issuance_id) -> CardPdf:
    """The document as issued (its printed items and 発行番号 drawn again)."""
    _require(actor, town)
    row = CardIssuance.objects.filter(pk=parse_issuance_id(issuance_id)).first()
    if row is None:
        raise CardNotFound
    rendered = document.render_issuance(row, [tuple(i) for i in row.printed], town.name)
    audit.record(town=town, actor=actor, action="card.download", person_id=row.person_id, purpose="資格確認書の出力",
                 serial=row.serial)
    return CardPdf(row, rendered.pdf)
