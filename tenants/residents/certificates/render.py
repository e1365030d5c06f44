"""Drawing the certificates with reportlab (A4 portrait, one block per person, 認証文 on the last page)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ..search import strip_variation_selectors
from .fonts import japanese_font


@dataclass
class Document:
    title: str
    serial: str
    header: list[tuple[str, str]]
    blocks: list[list[tuple[str, str]]]
    certification: str
    issuer: str
    issued_on: str


def _safe(text: str) -> str:
    # The bundled fonts carry no IVS glyphs: draw the base character (stored data keeps the sequence).
    return strip_variation_selectors(str(text or ""))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    return lines + [line] if line or not lines else lines


def render(doc: Document) -> tuple[bytes, int]:
    font = japanese_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(doc.title)
    width, height = A4
    left, right, bottom = 20 * mm, width - 20 * mm, 25 * mm
    label_w = 42 * mm

    def page_top() -> float:
        pdf.setFont(font, 18)
        pdf.drawCentredString(width / 2, height - 25 * mm, doc.title)
        pdf.setFont(font, 8)
        pdf.drawRightString(right, height - 14 * mm, f"発行番号 {_safe(doc.serial)}")
        return height - 38 * mm

    y = page_top()
    pdf.setFont(font, 10)
    for label, value in doc.header:
        pdf.drawString(left, y, _safe(label))
        for line in _wrap(_safe(value), font, 10, right - left - label_w):
            pdf.drawString(left + label_w, y, line)
            y -= 6 * mm
    y -= 2 * mm
    for block in doc.blocks:
        needed = sum(len(_wrap(_safe(v), font, 10, right - left - label_w)) for _, v in block) * 6 * mm + 8 * mm
        if y - needed < bottom + 30 * mm:
            pdf.showPage()
            y = page_top()
        pdf.setLineWidth(0.5)
        pdf.line(left, y + 4 * mm, right, y + 4 * mm)
        pdf.setFont(font, 10)
        for label, value in block:
            pdf.drawString(left, y, _safe(label))
            for line in _wrap(_safe(value), font, 10, right - left - label_w):
                pdf.drawString(left + label_w, y, line)
                y -= 6 * mm
        y -= 3 * mm
    if y < bottom + 35 * mm:
        pdf.showPage()
        y = page_top()
    pdf.line(left, y + 4 * mm, right, y + 4 * mm)
    pdf.setFont(font, 10)
    y -= 4 * mm
    for line in _wrap(_safe(doc.certification), font, 10, right - left):
        pdf.drawString(left, y, line)
        y -= 6 * mm
    y -= 4 * mm
    pdf.drawString(left, y, _safe(doc.issued_on))
    pdf.setFont(font, 14)
    pdf.drawRightString(right, y - 10 * mm, _safe(doc.issuer))
    pages = pdf.getPageNumber()
    pdf.showPage()
    pdf.save()
    return buffer.getvalue(), pages
