"""Fonts for the PDFs (sign-in sheets, certificates) that can write every attendee's name.

reportlab's built-in Helvetica only covers Western European letters, so names such as
"Łukasz Wiśniewski" would print with gaps. A Unicode TrueType font is used when one is found:
the ``PDF_FONT_DIR`` setting (a folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf), else the
usual system location of DejaVu (the fonts-dejavu-core package on Debian and Ubuntu).
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SYSTEM_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
REGULAR_FILE, BOLD_FILE = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"


def pdf_fonts() -> tuple[str, str]:
    """Return the names of the regular and bold fonts to draw with."""
    configured = getattr(settings, "PDF_FONT_DIR", None)
    return _register(*([configured] if configured else []), *SYSTEM_FONT_DIRS)


@cache
def _register(*folders: str) -> tuple[str, str]:
    for folder in folders:
        regular, bold = Path(folder) / REGULAR_FILE, Path(folder) / BOLD_FILE
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("ConveneSans", str(regular)))
            pdfmetrics.registerFont(TTFont("ConveneSans-Bold", str(bold)))
            return "ConveneSans", "ConveneSans-Bold"
    return "Helvetica", "Helvetica-Bold"
