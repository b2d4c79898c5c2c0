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
