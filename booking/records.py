"""A practitioner's training record as a file: CSV for a spreadsheet, PDF for an employer.

Both are built from ``booking.queries.training_record`` rows, as the page and the API are.
"""

import csv
import io

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from booking.queries import TrainingRecordRow
from common.pdf_fonts import pdf_fonts

CSV_COLUMNS = ("Course", "Date", "Start", "End", "Hours", "Certificate", "Refresher due")
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _certificate_state(row: TrainingRecordRow) -> str:
    return "Available" if row.certificate_available else "After your evaluation"


def training_record_csv(rows: list[TrainingRecordRow]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        starts = timezone.localtime(row.session.starts_at)
        ends = timezone.localtime(row.session.ends_at)
        writer.writerow(
            [
                _cell(row.session.event.title),
                f"{starts:%Y-%m-%d}",
                f"{starts:%H:%M}",
                f"{ends:%H:%M}",
                f"{row.hours}",
                _certificate_state(row),
                row.refresher_due.isoformat() if row.refresher_due else "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def training_record_pdf(rows: list[TrainingRecordRow], *, person) -> bytes:
    """An A4 list of the sessions attended, their hours and refresher dates, with a total."""
    width, height = A4
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(f"Training record: {person.full_name or person.email}")
    canvas.setAuthor(settings.PARTNERSHIP_NAME)
    regular, bold = pdf_fonts()
    left, top = 18 * mm, height - 20 * mm
    canvas.setFont(regular, 10)
    canvas.drawString(left, top, settings.PARTNERSHIP_NAME)
    canvas.setFont(bold, 18)
    canvas.drawString(left, top - 10 * mm, "Training record")
    canvas.setFont(regular, 11)
    who = ", ".join(
        part
        for part in (
            person.full_name or person.email,
            person.job_title,
            person.organisation.name if person.organisation_id else "",
        )
        if part
    )
    canvas.drawString(left, top - 17 * mm, who[:110])
    total = sum(row.hours for row in rows)
    canvas.drawString(
        left,
        top - 23 * mm,
        f"{len(rows)} session{'s' if len(rows) != 1 else ''} attended, {total} hours in all. "
        f"Printed {timezone.localdate():%-d %B %Y}.",
    )
    columns = [
        (left, "Date"),
        (left + 25 * mm, "Course"),
        (left + 118 * mm, "Hours"),
        (left + 135 * mm, "Refresher due"),
    ]
    y = top - 34 * mm

    def header(y):
        canvas.setFont(bold, 10)
        for x, label in columns:
            canvas.drawString(x, y, label)
        canvas.setStrokeColor(colors.HexColor("#b1b4b6"))
        canvas.line(left, y - 2 * mm, width - left, y - 2 * mm)
        return y - 7 * mm

    y = header(y)
    canvas.setFont(regular, 10)
    for row in rows:
        if y < 20 * mm:
            canvas.showPage()
            y = header(height - 20 * mm)
            canvas.setFont(regular, 10)
        starts = timezone.localtime(row.session.starts_at)
        title = row.session.event.title
        while canvas.stringWidth(title, regular, 10) > 90 * mm:
            title = title[:-2] + "…"
        values = [
            f"{starts:%-d %b %Y}",
            title,
            f"{row.hours}",
            f"{row.refresher_due:%-d %b %Y}" if row.refresher_due else "Not needed",
        ]
        for (x, _), value in zip(columns, values, strict=True):
            canvas.drawString(x, y, value)
        y -= 6 * mm
    if not rows:
        canvas.drawString(left, y, "No sessions attended yet.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
