"""The PDF of a 資格確認書 / 資格情報のお知らせ, drawn by the residents registry's certificate renderer
(Japanese fonts, IVS, 発行番号 on each page, 文字超過 reported). No address is printed (see docs/nhi.md)."""

from __future__ import annotations

from tenants.residents.certificates.render import Document, Field, Rendered, render
from tenants.residents.dates import to_wareki

from ..models import CardIssuance, CardKind

TITLES = {CardKind.CERTIFICATE: "国民健康保険被保険者資格確認書",
          CardKind.NOTICE: "国民健康保険 資格情報のお知らせ"}
TEXTS = {
    CardKind.CERTIFICATE: "上記の者は、国民健康保険の被保険者であることを確認する。"
                          "医療機関等の窓口で提示してください。",
    CardKind.NOTICE: "あなたの国民健康保険の資格情報をお知らせします。医療機関等ではマイナ保険証で受診してください"
                     "（この書面のみでは受診できません）。",
}


def printed_items(*, name: str, kana: str, birth, sex: str, symbol: str, number: str, acquired_on, valid_until,
                  copay: str, copay_from, insurer: str, issued_on) -> list[tuple[str, str]]:
    """The items of the card, in the order printed (reference §5: the old card's items)."""
    items = [("氏名", name), ("フリガナ", kana), ("生年月日", to_wareki(birth)), ("性別", sex),
             ("被保険者記号・番号", f"記号 {symbol}　番号 {number}"), ("資格取得年月日", to_wareki(acquired_on)),
             ("有効期限", to_wareki(valid_until)), ("一部負担金の割合", copay)]
    if copay_from:
        items.append(("発効期日", to_wareki(copay_from)))
    items += [("保険者名称", insurer), ("交付年月日", to_wareki(issued_on))]
    return items


def render_card(kind: str, items: list[tuple[str, str]], serial: str, insurer: str) -> Rendered:
    blocks = [[Field(label, value) for label, value in items]]
    doc = Document(title=TITLES[CardKind(kind)], header=[], blocks=blocks, certification=TEXTS[CardKind(kind)],
                   issuer=f"保険者　{insurer}", issued_on=dict(items)["交付年月日"])
    return render(doc, [serial])


def render_issuance(row: CardIssuance, items: list[tuple[str, str]], insurer: str) -> Rendered:
    return render_card(row.kind, items, row.serial, insurer)
