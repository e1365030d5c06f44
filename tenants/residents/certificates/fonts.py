"""Japanese fonts for PDFs: an embedded TrueType body font when installed, else reportlab's CID font;
and 異体字 (IVS) drawn as the stored variant from whichever installed font carries the sequence.

IVS (Ideographic Variation Sequence: a base kanji + VS17–VS256, U+E0100–E01EF) are looked up in each
font's cmap format 14. reportlab maps text to glyphs by code point only, so a sequence whose glyph is
not the font's default for the base character is given a private code point (plane 15) bound to
that glyph, and the PDF's ToUnicode map gives the sequence back to anyone copying the text.
"""

from __future__ import annotations

import functools
import os
import struct
import threading
from dataclasses import dataclass, field

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

CANDIDATES = (
    ("IPAexGothic", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    ("IPAexGothic", "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"),
)
# Fonts consulted for variation sequences the body font lacks (Debian package fonts-ipamj-mincho:
# IPAmj明朝, the 文字情報基盤 font, about 58,000 MJ glyphs with the Moji_Joho IVS collection).
IVS_CANDIDATES = (
    ("IPAmjMincho", "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),
)
CID_FALLBACK = "HeiseiKakuGo-W5"
PRIVATE_START = 0xF0000  # Supplementary Private Use Area-A: never in a font's cmap here


def is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


@functools.cache
def japanese_font() -> str:
    """Register and return the body font name to draw with (KYODO_PDF_FONT overrides the path)."""
    override = os.environ.get("KYODO_PDF_FONT")
    candidates = ((("KyodoPDF", override),) if override else ()) + CANDIDATES
    for name, path in candidates:
        if path and os.path.exists(path):
            pdfmetrics.registerFont(TTFont(name, path))
            return name
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK


def variation_sequences(path: str) -> dict[tuple[int, int], int | None]:
    """The font's cmap format 14: (base, selector) → glyph id, or None when the sequence is a
    "default" one (drawn with the base character's own glyph)."""
    with open(path, "rb") as handle:
        data = handle.read()
    (tables,) = struct.unpack(">H", data[4:6])
    cmap = next((offset for tag, _, offset, _ in
                 (struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i]) for i in range(tables))
                 if tag == b"cmap"), None)
    found: dict[tuple[int, int], int | None] = {}
    if cmap is None:
        return found
    (subtables,) = struct.unpack(">H", data[cmap + 2:cmap + 4])
    for i in range(subtables):
        _, _, sub = struct.unpack(">HHI", data[cmap + 4 + 8 * i:cmap + 12 + 8 * i])
        base = cmap + sub
        if struct.unpack(">H", data[base:base + 2])[0] != 14:
            continue
        (records,) = struct.unpack(">I", data[base + 6:base + 10])
        for r in range(records):
            record = data[base + 10 + 11 * r:base + 21 + 11 * r]
            selector = int.from_bytes(record[:3], "big")
            default_at, mapped_at = struct.unpack(">II", record[3:11])
            if default_at:
                (count,) = struct.unpack(">I", data[base + default_at:base + default_at + 4])
                for k in range(count):
                    p = base + default_at + 4 + 4 * k
                    start, extra = int.from_bytes(data[p:p + 3], "big"), data[p + 3]
                    for code in range(start, start + extra + 1):
                        found[(code, selector)] = None
            if mapped_at:
                (count,) = struct.unpack(">I", data[base + mapped_at:base + mapped_at + 4])
                for k in range(count):
                    p = base + mapped_at + 4 + 5 * k
                    found[(int.from_bytes(data[p:p + 3], "big"), selector)] = struct.unpack(">H", data[p + 3:p + 5])[0]
        break  # one format 14 subtable per font
    return found


@dataclass
class _VariantFont:
    name: str
    path: str
    sequences: dict[tuple[int, int], int | None] = field(repr=False)


@functools.cache
def _variant_fonts() -> tuple[_VariantFont, ...]:
    """The body font (when TrueType) then the IVS fonts, each registered once per process."""
    fonts = []
    body = japanese_font()
    if body != CID_FALLBACK:
        face = pdfmetrics.getFont(body).face
        fonts.append(_VariantFont(body, face.filename, variation_sequences(face.filename)))
    override = os.environ.get("KYODO_PDF_IVS_FONT")
    for name, path in ((("KyodoIVS", override),) if override else ()) + IVS_CANDIDATES:
        if path and os.path.exists(path) and all(f.path != path for f in fonts):
            pdfmetrics.registerFont(TTFont(name, path))
            fonts.append(_VariantFont(name, path, variation_sequences(path)))
    return tuple(fonts)


# Private code point → the sequence it stands for (for ToUnicode), and (font, glyph) → code point.
_PRIVATE_TEXT: dict[int, str] = {}
_PRIVATE_CODES: dict[tuple[str, int], int] = {}
_PRIVATE_LOCK = threading.Lock()


def _private_code(font_name: str, glyph: int, sequence: str) -> int:
    key = (font_name, glyph)
    with _PRIVATE_LOCK:
        return _PRIVATE_CODES.get(key) or _bind(key, sequence)


def _bind(key: tuple[str, int], sequence: str) -> int:
    font_name, glyph = key
    if key not in _PRIVATE_CODES:
        face = pdfmetrics.getFont(font_name).face
        code = PRIVATE_START + len(_PRIVATE_CODES)
        face.charToGlyph[code] = glyph
        face.glyphToChar.setdefault(glyph, []).append(code)
        face.charWidths[code] = face._pdfScale(face.hmetrics[glyph][0])
        _PRIVATE_CODES[key] = code
        _PRIVATE_TEXT[code] = sequence
    return _PRIVATE_CODES[key]


def _to_unicode_cmap(fontname: str, subset) -> str:
    """reportlab's ToUnicode CMap, writing each code as UTF-16BE (so characters beyond the BMP and
    our private IVS code points copy out as the text they stand for)."""
    pairs = [f"<{i:02X}> <{_PRIVATE_TEXT.get(v, chr(v)).encode('utf-16-be').hex().upper()}>"
             for i, v in enumerate(subset)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar", *pairs,
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@dataclass
class Run:
    font: str
    text: str


@dataclass
class Shaped:
    """A value split into runs of one font each; ``missing`` names sequences no font carries
    (drawn as the base character and reported to the clerk)."""

    runs: list[Run]
    missing: list[str]

    @property
    def plain(self) -> str:
        return "".join(_PRIVATE_TEXT.get(ord(c), c) for r in self.runs for c in r.text)


def shape(text: str) -> Shaped:
    """Split ``text`` into font runs, mapping each variation sequence to a font that has it."""
    body = japanese_font()
    fonts = _variant_fonts()
    runs: list[Run] = []
    missing: list[str] = []

    def put(font: str, chars: str) -> None:
        if runs and runs[-1].font == font:
            runs[-1].text += chars
        else:
            runs.append(Run(font, chars))

    chars = list(text or "")
    i = 0
    while i < len(chars):
        char = chars[i]
        selector = chars[i + 1] if i + 1 < len(chars) and is_variation_selector(chars[i + 1]) else None
        if is_variation_selector(char):
            i += 1  # a stray selector: nothing to draw
            continue
        if selector is None:
            put(_font_for(char, body, fonts), char)
            i += 1
            continue
        key = (ord(char), ord(selector))
        holder = next((f for f in fonts if key in f.sequences), None)
        if holder is None:
            missing.append(char + selector)
            put(body, char)
        elif (glyph := holder.sequences[key]) is None:
            put(holder.name, char)
        else:
            put(holder.name, chr(_private_code(holder.name, glyph, char + selector)))
        i += 2
    return Shaped(runs, missing)


def _font_for(char: str, body: str, fonts: tuple[_VariantFont, ...]) -> str:
    """The body font, or an IVS font for a character the body font lacks (MJ characters outside
    JIS: IPAmj明朝 has them, IPAexGothic does not)."""
    if not fonts or ord(char) < 0x3400 or ord(char) in pdfmetrics.getFont(fonts[0].name).face.charToGlyph:
        return body
    holder = next((f for f in fonts[1:] if ord(char) in pdfmetrics.getFont(f.name).face.charToGlyph), None)
    return holder.name if holder else body


def width(shaped_runs: list[Run], size: float) -> float:
    return sum(pdfmetrics.stringWidth(r.text, r.font, size) for r in shaped_runs)
