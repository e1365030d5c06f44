"""Japanese fonts for PDFs: an embedded TrueType font when installed, else reportlab's CID font."""

from __future__ import annotations

import functools
import os

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

CANDIDATES = (
    ("IPAexGothic", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    ("IPAexGothic", "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"),
)
CID_FALLBACK = "HeiseiKakuGo-W5"


@functools.cache
def japanese_font() -> str:
    """Register and return the font name to draw with (KYODO_PDF_FONT overrides the path)."""
    override = os.environ.get("KYODO_PDF_FONT")
    candidates = ((("KyodoPDF", override),) if override else ()) + CANDIDATES
    for name, path in candidates:
        if path and os.path.exists(path):
            pdfmetrics.registerFont(TTFont(name, path))
            return name
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return CID_FALLBACK
