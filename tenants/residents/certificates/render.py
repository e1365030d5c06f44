"""Drawing the certificates with reportlab, A4 portrait, in the two layouts towns keep (標準仕様 20.1.x):
個人票 (one person per sheet) and 世帯連記式 (up to four persons per sheet, 住所・世帯主 once at the
top). Each page carries the copy's 発行番号 with 頁/総頁; 「以下余白」 follows the last entry and the
認証文, date, 市区町村長 and 公印 space are on the last page only. Text too long for its box is shrunk
down to MIN_SIZE; past that it is wrapped and reported (文字超過, 標準仕様 5.x / 10.7).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from . import fonts
from .fonts import japanese_font

INDIVIDUAL = "individual"  # 個人票
HOUSEHOLD = "household"  # 世帯連記式
PER_SHEET = {INDIVIDUAL: 1, HOUSEHOLD: 4}
MIN_SIZE = 6.0
WIDTH, HEIGHT = A4
LEFT, RIGHT, BOTTOM = 18 * mm, WIDTH - 18 * mm, 18 * mm
TOP = HEIGHT - 36 * mm
CLOSING = 62 * mm  # 以下余白, 認証文, date, issuer and the seal space


@dataclass
class Field:
    """One printed item: ``lines`` is the height of its box; ``half`` puts two such items on one
    row in the 世帯連記式 layout."""

    label: str
    value: str
    lines: int = 1
    half: bool = False


@dataclass
class Document:
    title: str
    header: list[Field]
    blocks: list[list[Field]]
    certification: str
    issuer: str
    issued_on: str
    layout: str = INDIVIDUAL
    seal_image: str | None = None


@dataclass
class Overflow:
    """文字超過: an item that did not fit its box even at MIN_SIZE."""

    item: str
    text: str

    def as_dict(self) -> dict:
        return {"item": self.item, "text": self.text}


@dataclass
class Rendered:
    pdf: bytes
    pages_per_copy: int
    overflow: list[Overflow] = field(default_factory=list)
    missing_glyphs: list[str] = field(default_factory=list)


@dataclass
class _Style:
    size: float
    row: float
    label_w: float


STYLES = {INDIVIDUAL: _Style(10.5, 7.5 * mm, 44 * mm), HOUSEHOLD: _Style(9, 5.6 * mm, 30 * mm)}


@dataclass
class _Cell:
    """A field measured for its box: the size chosen and the wrapped lines of (font, text) runs."""

    field: Field
    size: float
    lines: list[list[fonts.Run]]
    x: float
    width: float

    def height(self, style: _Style) -> float:
        nominal = self.field.lines * style.row
        return max(nominal, len(self.lines) * self.size * 1.45 + (style.row - style.size * 1.45))


def _wrap(shaped: fonts.Shaped, size: float, width: float) -> list[list[fonts.Run]]:
    lines: list[list[fonts.Run]] = [[]]
    used = 0.0
    for run in shaped.runs:
        for char in run.text:
            w = fonts.width([fonts.Run(run.font, char)], size)
            if used + w > width and lines[-1]:
                lines.append([])
                used = 0.0
            line = lines[-1]
            if line and line[-1].font == run.font:
                line[-1].text += char
            else:
                line.append(fonts.Run(run.font, char))
            used += w
    return lines


def wrap_text(text: str, size: float, width: float) -> list[list[fonts.Run]]:
    """``text`` shaped into font runs (IVS variants included) and wrapped to ``width``: for other
    documents drawn like the certificates (the 閲覧 extract)."""
    return _wrap(fonts.shape(text), size, width)


class _Measure:
    def __init__(self, style: _Style):
        self.style = style
        self.overflow: list[Overflow] = []
        self.missing: list[str] = []

    def cell(self, item: Field, x: float, width: float) -> _Cell:
        """Shrink to fit the box (down to MIN_SIZE); past that, wrap and report 文字超過."""
        shaped = fonts.shape(str(item.value or ""))
        self.missing += [m for m in shaped.missing if m not in self.missing]
        value_w = width - self.style.label_w
        size = self.style.size
        while True:
            lines = _wrap(shaped, size, value_w)
            if len(lines) <= item.lines:
                return _Cell(item, size, lines, x, width)
            if size <= MIN_SIZE:
                self.overflow.append(Overflow(item.label, shaped.plain))
                return _Cell(item, size, lines, x, width)
            size = max(MIN_SIZE, size - 0.5)

    def rows(self, items: list[Field], layout: str) -> list[list[_Cell]]:
        full = RIGHT - LEFT
        rows: list[list[_Cell]] = []
        pending: list[Field] = []

        def flush() -> None:
            if pending:
                rows.append([self.cell(pending[0], LEFT, full / 2 if len(pending) == 2 else full)]
                            + ([self.cell(pending[1], LEFT + full / 2, full / 2)] if len(pending) == 2 else []))
                pending.clear()

        for item in items:
            if layout == HOUSEHOLD and item.half:
                pending.append(item)
                if len(pending) == 2:
                    flush()
            else:
                flush()
                rows.append([self.cell(item, LEFT, full)])
        flush()
        return rows


def _rows_height(rows: list[list[_Cell]], style: _Style) -> float:
    return sum(max(c.height(style) for c in row) for row in rows)


def _paginate(header_h: float, blocks: list[list[list[_Cell]]], layout: str, style: _Style) -> list[list[int]]:
    """Pages as lists of block indices: PER_SHEET blocks at most, the closing on the last page."""
    pages: list[list[int]] = [[]]
    available = TOP - BOTTOM - header_h
    used = 0.0
    for index, rows in enumerate(blocks):
        need = _rows_height(rows, style) + 3 * mm
        if pages[-1] and (len(pages[-1]) >= PER_SHEET[layout] or used + need > available):
            pages.append([])
            used = 0.0
        pages[-1].append(index)
        used += need
    if used + CLOSING > available:
        pages.append([])
    return pages


def draw_runs(pdf, x: float, y: float, runs: list[fonts.Run], size: float) -> None:
    for run in runs:
        pdf.setFont(run.font, size)
        pdf.drawString(x, y, run.text)
        x += fonts.width([run], size)


def _draw_rows(pdf, rows: list[list[_Cell]], y: float, style: _Style, body: str) -> float:
    for row in rows:
        row_h = max(c.height(style) for c in row)
        for cell in row:
            pdf.setFont(body, style.size * 0.9)
            pdf.drawString(cell.x + 1 * mm, y - style.row + 2 * mm, cell.field.label)
            line_y = y - style.row + 2 * mm
            for line in cell.lines:
                draw_runs(pdf, cell.x + style.label_w, line_y, line, cell.size)
                line_y -= cell.size * 1.45
            pdf.setLineWidth(0.3)
            pdf.rect(cell.x, y - row_h, cell.width, row_h)
            pdf.line(cell.x + style.label_w - 1.5 * mm, y, cell.x + style.label_w - 1.5 * mm, y - row_h)
        y -= row_h
    return y


def render(doc: Document, serials: list[str]) -> Rendered:
    """One PDF holding every copy (one 発行番号 each, in order); the pages of each copy are numbered
    頁/総頁 within that copy."""
    body = japanese_font()
    style = STYLES[doc.layout]
    measure = _Measure(style)
    header = measure.rows(doc.header, INDIVIDUAL)
    blocks = [measure.rows(b, doc.layout) for b in doc.blocks]
    header_h = _rows_height(header, style) + 4 * mm
    plan = _paginate(header_h, blocks, doc.layout, style)
    total = len(plan)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(doc.title)
    for serial in serials:
        for number, page in enumerate(plan, start=1):
            pdf.setFont(body, 8)
            pdf.drawRightString(RIGHT, HEIGHT - 12 * mm, f"発行番号 {serial} {number}/{total}")
            pdf.setFont(body, 18)
            pdf.drawCentredString(WIDTH / 2, HEIGHT - 24 * mm, doc.title)
            y = _draw_rows(pdf, header, TOP, style, body) - 4 * mm
            for index in page:
                y = _draw_rows(pdf, blocks[index], y, style, body) - 3 * mm
            if number == total:
                _closing(pdf, doc, y, body)
            pdf.showPage()
    pdf.save()
    return Rendered(buffer.getvalue(), total, measure.overflow, measure.missing)


def _closing(pdf, doc: Document, y: float, body: str) -> None:
    pdf.setFont(body, 10)
    pdf.drawRightString(RIGHT, y - 2 * mm, "以下余白")
    y -= 12 * mm
    text = fonts.Shaped([fonts.Run(body, doc.certification)], [])
    for line in _wrap(text, 10.5, RIGHT - LEFT):
        draw_runs(pdf, LEFT, y, line, 10.5)
        y -= 6 * mm
    y -= 4 * mm
    pdf.setFont(body, 10.5)
    pdf.drawString(LEFT, y, doc.issued_on)
    seal = 24 * mm
    seal_x, seal_y = RIGHT - seal, y - 8 * mm - seal / 2
    pdf.setFont(body, 14)
    pdf.drawRightString(seal_x - 4 * mm, y - 10 * mm, doc.issuer)
    # The 公印 space is always kept: the seal image goes there when configured, else it is left
    # for a seal stamped by hand.
    if doc.seal_image and os.path.exists(doc.seal_image):
        pdf.drawImage(doc.seal_image, seal_x, seal_y, seal, seal, mask="auto", preserveAspectRatio=True)
