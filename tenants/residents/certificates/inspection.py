"""Drawing 住民基本台帳の一部の写し（閲覧用, 標準仕様 20.3.1） with reportlab: A4 portrait, a table of
氏名・出生の年月日・男女の別・住所, the request's particulars on every page (fonts as certificates)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .fonts import japanese_font
from .render import draw_runs, wrap_text

TITLE = "住民基本台帳の一部の写し（閲覧用）"
# Column x offsets from the left margin and widths: 氏名, 出生の年月日, 男女の別, 住所.
_COLUMNS = ((0, 40 * mm), (42 * mm, 34 * mm), (78 * mm, 12 * mm), (92 * mm, 78 * mm))


def render_inspection(*, header: list[tuple[str, str]], columns: tuple[str, ...], rows: list[list[str]],
                      footer: str) -> bytes:
    font = japanese_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(TITLE)
    width, height = A4
    left, right, bottom = 20 * mm, width - 20 * mm, 20 * mm
    line_h = 5.5 * mm
    page = 0

    def page_top() -> float:
        nonlocal page
        page += 1
        pdf.setFont(font, 16)
        pdf.drawCentredString(width / 2, height - 22 * mm, TITLE)
        pdf.setFont(font, 8)
        pdf.drawRightString(right, height - 12 * mm, f"{page}頁")
        y = height - 32 * mm
        pdf.setFont(font, 9)
        for label, value in header:
            for runs in wrap_text(f"{label}: {value}", 9, right - left):
                draw_runs(pdf, left, y, runs, 9)
                y -= line_h
        y -= 1 * mm
        for (x, _), name in zip(_COLUMNS, columns, strict=True):
            pdf.drawString(left + x, y, name)
        pdf.setLineWidth(0.5)
        pdf.line(left, y - 1.5 * mm, right, y - 1.5 * mm)
        return y - line_h - 1 * mm

    y = page_top()
    pdf.setFont(font, 9)
    for row in rows:
        cells = [wrap_text(value, 9, w) for (_, w), value in zip(_COLUMNS, row, strict=True)]
        lines = max(len(c) for c in cells)
        if y - lines * line_h < bottom:
            pdf.showPage()
            y = page_top()
            pdf.setFont(font, 9)
        for (x, _), cell in zip(_COLUMNS, cells, strict=True):
            for i, runs in enumerate(cell):
                draw_runs(pdf, left + x, y - i * line_h, runs, 9)
        y -= lines * line_h
    if y < bottom + line_h:
        pdf.showPage()
        y = page_top()
    for i, runs in enumerate(wrap_text(footer, 9, right - left)):
        draw_runs(pdf, left, y - 2 * mm - i * line_h, runs, 9)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
