"""The 固定資産税 納税通知書 and its 課税明細書 (地方税法 第364条 第3項), A4 portrait, drawn with reportlab in the
certificates' Japanese font. Page 1: the 納税義務者, the year's figures per kind and the 期別 amounts with their
納期限; then the 課税明細書, one line per parcel (所在・地番, 地目, 地積, 評価額, 課税標準額, 税相当額), continued
on as many pages as needed. No address is printed (the 送付先 is the mailing system's, and a protected
address must never reach a document here)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from tenants.residents.certificates.fonts import japanese_font
from tenants.residents.dates import to_wareki
from tenants.tax.common import fiscal_year_label

WIDTH, HEIGHT = A4
LEFT, RIGHT = 15 * mm, WIDTH - 15 * mm
ROW = 6.2 * mm
COLUMNS = (("所在・地番／家屋番号", 0), ("地目・種類", 62), ("地積・床面積㎡", 80), ("評価額", 104),
           ("課税標準額", 130), ("税相当額", 156))  # mm from the left margin; the table is 180mm wide


def _yen(n: int) -> str:
    return f"{n:,}円"


def render_notice(detail, town_name: str) -> bytes:
    """``detail``: a selectors.AssessmentDetail of an issued (or not yet issued) assessment."""
    a = detail.assessment
    font = japanese_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    title = f"{fiscal_year_label(a.fiscal_year)} 固定資産税 納税通知書"
    pdf.setTitle(title)
    pages = 1 + max(1, -(-len(detail.lines) // 30))
    page = 1

    def head(text: str) -> None:
        pdf.setFont(font, 8)
        pdf.drawRightString(RIGHT, HEIGHT - 10 * mm, f"通知書番号 {a.notice_no or '（未発付）'}　{page}/{pages}")
        pdf.setFont(font, 16)
        pdf.drawCentredString(WIDTH / 2, HEIGHT - 22 * mm, text)

    head(title)
    y = HEIGHT - 36 * mm
    pdf.setFont(font, 11)
    who = a.name + ("　様" if a.person_id else "　御中")
    pdf.drawString(LEFT, y, f"納税義務者　{who}")
    y -= ROW
    if a.co_owners > 1:
        pdf.setFont(font, 9)
        pdf.drawString(LEFT, y, f"共有者 {a.co_owners}名の代表者としてお送りします（共有者は連帯して納税する義務があります）。")
        y -= ROW
    pdf.setFont(font, 9)
    pdf.drawString(LEFT, y, f"宛名番号 {a.atena_number or '—'}　法人番号 {a.corporate_number or '—'}　税率 {a.rate}")
    y -= ROW * 1.5
    rows: list[tuple[str, ...]] = [("区分", "課税標準額", "税額"),
            ("土地", _yen(a.land_base), "免税点未満" if a.land_exempt else _yen(a.land_tax)),
            ("家屋", _yen(a.building_base), "免税点未満" if a.building_exempt else _yen(a.building_tax)),
            ("減額税額（新築住宅）", "", _yen(a.reduction)),
            ("年税額（100円未満切捨）", "", _yen(a.total))]
    y = _table(pdf, font, rows, y, (0, 70, 125))
    y -= ROW
    pdf.setFont(font, 11)
    pdf.drawString(LEFT, y, "納期と各期の税額")
    y -= ROW
    rows = [("期別", "納期限", "税額"), *[(f"第{c.instalment}期", to_wareki(c.due_on), _yen(c.amount))
                                          for c in detail.charges]]
    if not detail.charges:
        rows.append(("—", "納税通知書の発付前です", ""))
    y = _table(pdf, font, rows, y, (0, 40, 125))
    y -= ROW
    pdf.setFont(font, 9)
    pdf.drawString(LEFT, y, "課税標準額が免税点（土地 30万円、家屋 20万円）未満の区分には課税されません（地方税法第351条）。")
    pdf.setFont(font, 11)
    pdf.drawRightString(RIGHT, 25 * mm, f"{town_name}長")
    pdf.showPage()
    lines = detail.lines
    for start in range(0, max(len(lines), 1), 30):
        page += 1
        head(f"{fiscal_year_label(a.fiscal_year)} 固定資産税 課税明細書")
        y = HEIGHT - 34 * mm
        pdf.setFont(font, 9)
        pdf.drawString(LEFT, y, f"納税義務者　{a.name}")
        y -= ROW
        rows = [tuple(c[0] for c in COLUMNS)]
        for line in lines[start:start + 30]:
            p = line["parcel"]
            rows.append((f"{p.location} {p.number}", line["category"], f"{p.area:,.2f}", _yen(p.value),
                         _yen(line["base"]), _yen(line["tax"] - line["reduction"])))
        _table(pdf, font, rows, y, tuple(c[1] for c in COLUMNS), size=8)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _table(pdf, font: str, rows, y: float, offsets, *, size: float = 10) -> float:
    xs = [LEFT + o * mm for o in offsets] + [RIGHT]
    for i, row in enumerate(rows):
        pdf.setFont(font, size)
        for j, cell in enumerate(row):
            text = str(cell)
            while text and pdf.stringWidth(text, font, size) > xs[j + 1] - xs[j] - 2 * mm:
                text = text[:-1]
            if j == 0 or i == 0:
                pdf.drawString(xs[j] + 1 * mm, y - ROW + 2 * mm, text)
            else:
                pdf.drawRightString(xs[j + 1] - 1 * mm, y - ROW + 2 * mm, text)
        pdf.setLineWidth(0.3)
        pdf.rect(LEFT, y - ROW, RIGHT - LEFT, ROW)
        y -= ROW
    return y
