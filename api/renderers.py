import csv
import io

from rest_framework.renderers import BaseRenderer

# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class AttendeeCSVRenderer(BaseRenderer):
    """The attendee list as CSV (``?format=csv`` or ``Accept: text/csv``): a sign-in sheet."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    columns = (
        ("full_name", "Name"),
        ("job_title", "Job title"),
        ("organisation", "Organisation"),
        ("status", "Status"),
        ("waitlist_position", "Waitlist position"),
        ("attendance", "Attendance"),
        ("access_needs", "Access needs"),
    )

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([label for _, label in self.columns])
        for row in data:
            writer.writerow([_cell(row.get(name)) for name, _ in self.columns])
        return out.getvalue().encode(self.charset)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class TrainingRecordCSVRenderer(AttendeeCSVRenderer):
    """``me/training-record/?format=csv``: the same columns as the website's download."""

    columns = (
        ("booking", "Booking"),
        ("event_title", "Course"),
        ("starts_at", "Starts"),
        ("hours", "Hours"),
        ("certificate_url", "Certificate"),
        ("refresher_due", "Refresher due"),
    )

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        rows = [{**row, "event_title": row["event"]["title"]} for row in data]
        return super().render(rows, accepted_media_type, renderer_context)


class PDFRenderer(BaseRenderer):
    """Lets a client ask for ``application/pdf`` (the certificate); errors are JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data
