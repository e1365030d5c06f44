"""The PDFs of 個人住民税: 納税通知書 (普通徴収, with the 期別 table) and 税額決定通知書 (特別徴収, 納税義務者用,
12 months), both with the calculation step by step. Drawn with reportlab and the residents registry's
Japanese font (tenants/residents/certificates/fonts.py). Under a 支援措置 no address is printed: the notice
is handed at the counter (docs/tax.md)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from tenants.residents.certificates.fonts import japanese_font
from tenants.residents.dates import to_wareki
from tenants.tax.common import fiscal_year_label

WIDTH, HEIGHT = A4
LEFT, RIGHT = 18 * mm, WIDTH - 18 * mm
COUNTER = "（支援措置の対象のため住所は印字しません。窓口でお渡しします。）"


@dataclass(frozen=True)
class NoticeData:
    town_name: str
    fiscal_year: int
    notice_no: str
    collection: str  # ordinary / special
    atena_number: str
    name: str
    address: str  # the 送付先, "" under a 支援措置
    payer_name: str
    amounts: list[tuple[str, int]]  # (項目, 金額) of the calculation
    instalments: list[tuple[str, str, int]]  # (期別 / 月, 納期限, 金額)
    total: int
    explanation: list[str]
    issued_on: str


def levy_name(town_name: str) -> str:
    return "町民税・県民税" if town_name.endswith(("町", "村")) else "市民税・県民税"


def title_of(data: NoticeData) -> str:
    kind = "納税通知書" if data.collection == "ordinary" else "特別徴収税額決定通知書（納税義務者用）"
    return f"{fiscal_year_label(data.fiscal_year)} {levy_name(data.town_name)} {kind}"


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def render_notice(data: NoticeData) -> bytes:
    font = japanese_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    title = title_of(data)
    pdf.setTitle(title)
    y = HEIGHT - 14 * mm

    def page_head() -> float:
        pdf.setFont(font, 8)
        pdf.drawRightString(RIGHT, HEIGHT - 10 * mm, f"通知書番号 {data.notice_no}")
        return HEIGHT - 14 * mm

    def line(text: str, size: float = 10, x: float = LEFT, gap: float = 6 * mm) -> None:
        nonlocal y
        if y < 20 * mm:
            pdf.showPage()
            y = page_head() - 6 * mm
        pdf.setFont(font, size)
        pdf.drawString(x, y, text)
        y -= gap

    y = page_head()
    line(data.address or COUNTER, 10)
    line(f"{data.name}　様", 14, gap=7 * mm)
    line(f"宛名番号 {data.atena_number}", 9, gap=10 * mm)
    pdf.setFont(font, 15)
    pdf.drawCentredString(WIDTH / 2, y, title)
    y -= 10 * mm
    intro = ("あなたの今年度の税額を次のとおり決定しましたので通知します。" if data.collection == "ordinary" else
             f"あなたの今年度の税額を次のとおり決定し、給与から差し引いて納入するよう特別徴収義務者（{data.payer_name}）に"
             "通知しました。")
    for part in (intro[i:i + 46] for i in range(0, len(intro), 46)):
        line(part, 10)
    y -= 2 * mm
    line("■ 税額の計算", 11, gap=7 * mm)
    for label, amount in data.amounts:
        pdf.setFont(font, 10)
        pdf.drawString(LEFT + 4 * mm, y, label)
        pdf.drawRightString(LEFT + 110 * mm, y, _yen(amount))
        y -= 5.5 * mm
    pdf.setFont(font, 11)
    pdf.drawString(LEFT + 4 * mm, y, "年税額")
    pdf.drawRightString(LEFT + 110 * mm, y, _yen(data.total))
    y -= 9 * mm
    line("■ 期別の税額（納期限）" if data.collection == "ordinary" else "■ 月別の特別徴収税額", 11, gap=7 * mm)
    heads = ("期別", "納期限", "税額") if data.collection == "ordinary" else ("徴収月", "納入期限", "税額")
    pdf.setFont(font, 9)
    for x, head in zip((LEFT + 4 * mm, LEFT + 40 * mm, LEFT + 110 * mm), heads, strict=True):
        (pdf.drawRightString if head == "税額" else pdf.drawString)(x, y, head)
    y -= 5.5 * mm
    for label, due, amount in data.instalments:
        pdf.setFont(font, 10)
        pdf.drawString(LEFT + 4 * mm, y, label)
        pdf.drawString(LEFT + 40 * mm, y, due)
        pdf.drawRightString(LEFT + 110 * mm, y, _yen(amount))
        y -= 5.5 * mm
    y -= 4 * mm
    line("■ 計算の内訳", 11, gap=7 * mm)
    for text in data.explanation:
        for part in (text[i:i + 60] for i in range(0, len(text), 60)):
            line(part, 8.5, x=LEFT + 4 * mm, gap=4.8 * mm)
    y -= 6 * mm
    line(f"{data.issued_on}　{data.town_name}長", 10)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def notice_data(*, town_name: str, assessment, taxpayer, charges, hidden: bool, explanation: list[str]) -> NoticeData:
    a = assessment
    amounts = [("総所得金額（合計所得金額）", a.total_income), ("所得控除の合計", a.deductions),
               ("課税総所得金額", a.taxable_income), ("所得割（市町村民税）", a.city_income_levy),
               ("所得割（県民税）", a.prefecture_income_levy), ("均等割（市町村民税）", a.city_per_capita),
               ("均等割（県民税）", a.prefecture_per_capita), ("森林環境税（国税）", a.forest_environment_tax)]
    rows = []
    for c in charges:
        if a.collection == "ordinary":
            label = f"第{c.instalment}期"
        else:
            month = c.instalment if c.instalment <= 12 else c.instalment - 12
            label = f"{month}月分"
        rows.append((label, to_wareki(c.due_on), c.amount))
    address = "" if hidden else f"{taxpayer.mail_address}　{taxpayer.mail_katagaki}".strip()
    issued = to_wareki(a.issued_at.date()) if a.issued_at else ""
    return NoticeData(town_name=town_name, fiscal_year=a.fiscal_year, notice_no=a.notice_no, collection=a.collection,
                      atena_number=a.atena_number, name=a.name, address=address, payer_name=a.payer_name,
                      amounts=amounts, instalments=rows, total=a.total, explanation=list(explanation),
                      issued_on=issued)
