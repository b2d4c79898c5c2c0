"""Register exports: CSV and Excel with the same columns, and a printable PDF sign-in sheet.

Each function takes the rows from ``backoffice.registers.register_rows`` and returns bytes; the
views that serve them record every export in the audit trail, because the files carry personal
data out of the system.
"""

import csv
import io
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backoffice.registers import RegisterRow
from common.pdf_fonts import pdf_fonts
from events.models import Session

COLUMNS = (
    "Name",
    "Job title",
    "Organisation",
    "Sector",
    "Access needs",
    "Attendance",
    "Marked by",
    "Marked at",
)
# Blank lines at the foot of the sign-in sheet for people who arrive without a booking.
SPARE_SIGN_IN_LINES = 3


def register_csv(rows: list[RegisterRow]) -> bytes:
    """Return the register as UTF-8 CSV with a byte-order mark, so Excel reads accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(_cells(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def register_xlsx(rows: list[RegisterRow], *, session: Session) -> bytes:
    """Return the register as an Excel workbook: one sheet, the CSV's columns, text cells only."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", (28, 28, 36, 24, 40, 12, 24, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    workbook.properties.title = f"Register: {_session_heading(session)}"
    workbook.properties.creator = settings.PARTNERSHIP_NAME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sign_in_sheet_pdf(rows: list[RegisterRow], *, session: Session, trainers: list[str]) -> bytes:
    """Return a printable A4 landscape sign-in sheet with a signature column.

    Access needs are left off on purpose: a sign-in sheet is passed round the room.
    """
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"Sign-in sheet: {_session_heading(session)}",
        author=settings.PARTNERSHIP_NAME,
    )
    regular, bold = pdf_fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = bold if style.name == "Title" else regular
    cell_style = styles["BodyText"]
    story = [
        Paragraph(escape(settings.PARTNERSHIP_NAME), styles["Normal"]),
        Paragraph(f"Sign-in sheet: {escape(session.event.title)}", styles["Title"]),
        Paragraph(
            f"{session.when_text}. {escape(session.location_text)}",
            styles["Normal"],
        ),
        Paragraph(f"Trainer: {escape(', '.join(trainers) or 'to be confirmed')}", styles["Normal"]),
        Spacer(1, 5 * mm),
    ]
    table_rows = [["No.", "Name", "Job title", "Organisation", "Signature"]]
    for number, row in enumerate(rows, start=1):
        table_rows.append(
            [
                str(number),
                Paragraph(escape(row.sort_name), cell_style),
                Paragraph(escape(row.job_title), cell_style),
                Paragraph(escape(row.organisation), cell_style),
                "",
            ]
        )
    for number in range(len(rows) + 1, len(rows) + 1 + SPARE_SIGN_IN_LINES):
        table_rows.append([str(number), "", "", "", ""])
    table = Table(
        table_rows,
        colWidths=[12 * mm, 60 * mm, 55 * mm, 70 * mm, 76 * mm],
        repeatRows=1,
        rowHeights=[8 * mm] + [13 * mm] * (len(table_rows) - 1),
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(table)
    document.build(story, onFirstPage=_page_footer, onLaterPages=_page_footer)
    return buffer.getvalue()


def _page_footer(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont(pdf_fonts()[0], 8)
    canvas.drawRightString(
        document.pagesize[0] - document.rightMargin, 7 * mm, f"Page {document.page}"
    )
    canvas.restoreState()


def _session_heading(session: Session) -> str:
    return f"{session.event.title}, {timezone.localtime(session.starts_at):%-d %B %Y %H:%M}"


def _cells(row: RegisterRow) -> list[str]:
    return [
        _as_text(value)
        for value in (
            row.sort_name,
            row.job_title,
            row.organisation,
            row.sector,
            row.access_needs,
            row.attendance_label,
            row.marked_by,
            f"{row.marked_at:%Y-%m-%d %H:%M}" if row.marked_at else "",
        )
    ]


def _as_text(value: str) -> str:
    """Keep a typed-in value from running as a spreadsheet formula (CSV/formula injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
