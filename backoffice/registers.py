"""The attendance register of a session: who holds a confirmed place, sorted by surname.

The register page and every export (CSV, Excel, the printed sign-in sheet) read the same rows
from here, so they can never disagree about who is on the list.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import Sector
from booking.models import Booking
from events.models import Session


@dataclass(frozen=True)
class RegisterRow:
    booking_id: int
    name: str
    sort_name: str
    job_title: str
    organisation: str
    sector: str
    access_needs: str
    attendance: str
    attendance_label: str
    marked_by: str
    marked_at: datetime | None


def register_rows(session: Session) -> list[RegisterRow]:
    """Return the confirmed attendees of the session, surname first (one query)."""
    bookings = (
        Booking.objects.confirmed()
        .filter(session=session)
        .select_related("person__organisation", "attendance_marked_by")
    )
    rows = [_row(booking) for booking in bookings]
    # Surnames are the last word of the full name, which SQL cannot sort by portably.
    return sorted(rows, key=lambda row: (row.sort_name.casefold(), row.booking_id))


def _row(booking: Booking) -> RegisterRow:
    person = booking.person
    organisation = person.organisation
    marked_by = booking.attendance_marked_by
    return RegisterRow(
        booking_id=booking.pk,
        name=person.full_name or person.email,
        sort_name=person.sort_name or person.email,
        job_title=person.job_title,
        organisation=organisation.name if organisation else "",
        sector=Sector(organisation.sector).label if organisation else "",
        access_needs=booking.access_needs,
        attendance=booking.attendance,
        attendance_label=Booking.Attendance(booking.attendance).label,
        marked_by=str(marked_by) if marked_by else "",
        marked_at=timezone.localtime(booking.attendance_marked_at)
        if booking.attendance_marked_at
        else None,
    )
