import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import AuditEvent
from backoffice.exports import COLUMNS
from booking.models import Booking
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    book_three_days_before,
    mark_at_the_end,
)

pytestmark = pytest.mark.django_db

EXPECTED_ROWS = [
    [
        "Clarke, Emily",
        "Designated Safeguarding Lead",
        "Northfield Primary School",
        "Education",
        "",
        "Not marked",
        "",
        "",
    ],
    [
        "Morgan, Alex",
        "Social Worker",
        "Example Council",
        "Children's social care",
        "Step-free access",
        "Attended",
        "Terry Trainer",
        "2021-07-12 14:30",
    ],
]


@pytest.fixture
def register(past_session, trainer, attendee):
    clarke = UserFactory(
        full_name="Emily Clarke",
        job_title="Designated Safeguarding Lead",
        organisation=OrganisationFactory(name="Northfield Primary School", sector="education"),
    )
    booking = book_three_days_before(past_session, attendee, access_needs="Step-free access")
    mark_at_the_end(booking, Booking.Attendance.ATTENDED, by=trainer)
    book_three_days_before(past_session, clarke)
    return past_session


def _download(client, user, name, session):
    client.force_login(user)
    return client.get(reverse(name, args=[session.pk]))


def test_csv_export_has_the_register_rows(client, trainer, register):
    response = _download(client, trainer, "staff:register_csv", register)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="register-voice-of-the-child-2021-07-12.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [list(COLUMNS), *EXPECTED_ROWS]


def test_xlsx_export_has_the_same_columns_and_rows_as_csv(client, trainer, register):
    response = _download(client, trainer, "staff:register_xlsx", register)

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert sheet.title == "Register"
    assert rows == [list(COLUMNS), *EXPECTED_ROWS]


def test_sign_in_sheet_lists_people_with_a_signature_column_and_no_access_needs(
    client, trainer, register
):
    response = _download(client, trainer, "staff:sign_in_sheet", register)

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1
    assert "Sign-in sheet: Voice of the Child" in text
    assert "Monday 12 July 2021, 12:00 to 14:30 (UK time)" in text
    assert "Trainer: Terry Trainer" in text
    assert "Signature" in text
    assert text.index("Clarke, Emily") < text.index("Morgan, Alex")
    assert "Northfield Primary School" in text
    assert "Step-free" not in text


def test_sign_in_sheet_repeats_its_header_on_every_page(client, trainer, past_session):
    past_session.capacity = 40
    past_session.save()
    for n in range(40):
        book_three_days_before(past_session, UserFactory(full_name=f"Pat Person{n:02}"))

    response = _download(client, trainer, "staff:sign_in_sheet", past_session)

    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 4
    assert all("Signature" in page.extract_text() for page in pages)
    assert "Page 4" in pages[3].extract_text()


@pytest.mark.parametrize(
    ("name", "file_format"),
    [
        ("staff:register_csv", "csv"),
        ("staff:register_xlsx", "xlsx"),
        ("staff:sign_in_sheet", "pdf"),
    ],
)
def test_every_export_is_recorded(client, coordinator, register, name, file_format):
    _download(client, coordinator, name, register)

    event = AuditEvent.objects.get(action="register.exported")
    assert (event.actor, event.target_type, event.target_id, event.data) == (
        coordinator,
        "events.session",
        str(register.pk),
        {"format": file_format, "rows": 2},
    )


def test_exports_keep_typed_in_formulas_as_text(client, trainer, past_session):
    book_three_days_before(past_session, UserFactory(full_name="=1+2", job_title="+44 Officer"))

    csv_response = _download(client, trainer, "staff:register_csv", past_session)
    xlsx_response = _download(client, trainer, "staff:register_xlsx", past_session)

    csv_row = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))[1]
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert csv_row[:2] == ["'=1+2", "'+44 Officer"]
    assert sheet["B2"].value == "'+44 Officer"
    assert sheet["B2"].data_type == "s"


@pytest.mark.parametrize("attendees", [1, 3])
def test_export_query_count_is_constant(
    client, trainer, past_session, attendees, django_assert_num_queries
):
    past_session.capacity = 5
    past_session.save()
    for _ in range(attendees):
        book_three_days_before(past_session, UserFactory())
    client.force_login(trainer)
    url = reverse("staff:register_csv", args=[past_session.pk])

    # sign-in session, user, coordinator check, session, register rows, audit insert
    with django_assert_num_queries(6):
        client.get(url)
