from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from backoffice.registers import register_rows
from booking.models import Booking
from tests.factories import (
    OrganisationFactory,
    SessionFactory,
    UserFactory,
    book_three_days_before,
    mark_at_the_end,
)

pytestmark = pytest.mark.django_db


def _people(*names):
    return [UserFactory(full_name=name) for name in names]


def test_register_rows_sorted_by_surname_with_confirmed_people_only(past_session):
    morgan, clarke, waiting = _people("Alex Morgan", "Emily Clarke", "Wendy Waiting")
    for person in (morgan, clarke, waiting):
        book_three_days_before(past_session, person)

    rows = register_rows(past_session)

    assert [row.sort_name for row in rows] == ["Clarke, Emily", "Morgan, Alex"]


def test_register_shows_people_details_and_access_needs(client, trainer, past_session):
    person = UserFactory(
        full_name="Grace Lin",
        job_title="Health Visitor",
        organisation=OrganisationFactory(name="Example NHS Trust", sector="health"),
    )
    book_three_days_before(past_session, person, access_needs="Hearing loop, please")
    client.force_login(trainer)

    page = client.get(reverse("staff:register", args=[past_session.pk])).content.decode()

    for text in ("Lin, Grace", "Health Visitor", "Example NHS Trust (Health)", "Hearing loop"):
        assert text in page


def test_register_shows_the_waitlist_only_as_a_count(client, trainer, past_session):
    first, second, waiting = _people("Ann First", "Bob Second", "Wendy Waiting")
    for person in (first, second, waiting):
        book_three_days_before(past_session, person)
    client.force_login(trainer)

    response = client.get(reverse("staff:register", args=[past_session.pk]))

    page = response.content.decode()
    assert "Waiting" not in page
    assert waiting.email not in page
    assert "1 person waiting" in page
    assert "2 of 2 places" in page


def test_mark_attendance_records_who_and_when(client, trainer, past_session, attendee):
    booking = book_three_days_before(past_session, attendee)
    client.force_login(trainer)
    url = reverse("staff:mark_attendance", args=[past_session.pk, booking.pk])

    with time_machine.travel(past_session.ends_at, tick=False):
        response = client.post(url, {"attendance": "attended"})

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("staff:register", args=[past_session.pk]) + f"#booking-{booking.pk}"
    )
    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.ATTENDED
    assert booking.attendance_marked_by == trainer
    assert booking.attendance_marked_at == past_session.ends_at
    page = client.get(response["Location"]).content.decode()
    assert "Attended by Terry Trainer, 12 Jul 2021, 14:30" in page


def test_mark_attendance_before_the_day_shows_the_rules_message(client, trainer, attendee):
    session = SessionFactory()  # next week
    session.trainers.add(trainer)
    booking = book_three_days_before(session, attendee)
    client.force_login(trainer)

    response = client.post(
        reverse("staff:mark_attendance", args=[session.pk, booking.pk]),
        {"attendance": "attended"},
        follow=True,
    )

    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.UNMARKED
    assert "Attendance can be marked from the day of the session." in response.content.decode()


def test_mark_attendance_refuses_an_unknown_value(client, trainer, past_session, attendee):
    booking = book_three_days_before(past_session, attendee)
    client.force_login(trainer)

    response = client.post(
        reverse("staff:mark_attendance", args=[past_session.pk, booking.pk]),
        {"attendance": "maybe"},
        follow=True,
    )

    booking.refresh_from_db()
    assert booking.attendance == Booking.Attendance.UNMARKED
    assert "Choose attended or absent." in response.content.decode()


def test_mark_attendance_of_a_booking_from_another_session_is_404(client, trainer, past_session):
    other = book_three_days_before(
        SessionFactory(starts_at=past_session.starts_at, ends_at=past_session.ends_at),
        UserFactory(),
    )
    client.force_login(trainer)

    response = client.post(
        reverse("staff:mark_attendance", args=[past_session.pk, other.pk]),
        {"attendance": "attended"},
    )

    assert response.status_code == 404


def test_mark_remaining_absent_after_the_session(client, trainer, past_session):
    here, missing = _people("Ann Here", "Max Missing")
    here_booking, missing_booking = (
        book_three_days_before(past_session, here),
        book_three_days_before(past_session, missing),
    )
    mark_at_the_end(here_booking, Booking.Attendance.ATTENDED, by=trainer)
    client.force_login(trainer)

    response = client.post(
        reverse("staff:mark_remaining_absent", args=[past_session.pk]), follow=True
    )

    here_booking.refresh_from_db()
    missing_booking.refresh_from_db()
    assert (here_booking.attendance, missing_booking.attendance) == ("attended", "absent")
    assert missing_booking.attendance_marked_by == trainer
    assert "1 person marked absent." in response.content.decode()


def test_mark_remaining_absent_is_offered_only_after_the_end(client, trainer, past_session):
    book_three_days_before(past_session, UserFactory())
    client.force_login(trainer)
    url = reverse("staff:register", args=[past_session.pk])

    with time_machine.travel(past_session.starts_at + timedelta(minutes=5), tick=False):
        during = client.get(url).content.decode()
    after = client.get(url).content.decode()

    assert "Mark all remaining absent" not in during
    assert "Mark all remaining absent" in after


@pytest.mark.parametrize("attendees", [1, 3])
def test_register_query_count_is_constant(
    client, trainer, past_session, attendees, django_assert_num_queries
):
    past_session.capacity = 5
    past_session.save()
    for person in _people(*[f"Pat Person{n}" for n in range(attendees)]):
        mark_at_the_end(
            book_three_days_before(past_session, person), Booking.Attendance.ATTENDED, by=trainer
        )
    client.force_login(trainer)
    url = reverse("staff:register", args=[past_session.pk])

    # sign-in session, user, coordinator check, session with counts, register rows, trainers,
    # trainer check (menu)
    with django_assert_num_queries(7):
        client.get(url)


@pytest.mark.parametrize("sessions", [1, 3])
def test_my_sessions_query_count_is_constant(client, trainer, sessions, django_assert_num_queries):
    for _ in range(sessions):
        session = SessionFactory()
        session.trainers.add(trainer)
        book_three_days_before(session, UserFactory())
    client.force_login(trainer)

    # sign-in session, user, the sessions with their counts, trainer and coordinator checks (menu)
    with django_assert_num_queries(5):
        client.get(reverse("staff:my_sessions"))


def test_marking_is_in_the_audit_trail(trainer, past_session, attendee):
    booking = mark_at_the_end(
        book_three_days_before(past_session, attendee), Booking.Attendance.ABSENT, by=trainer
    )

    event = AuditEvent.objects.get(action="booking.attendance_marked")

    assert (event.actor, event.target_id, event.data) == (
        trainer,
        str(booking.pk),
        {"attendance": "absent"},
    )


def test_my_sessions_offers_the_private_trainer_feed(client, trainer, past_session):
    client.force_login(trainer)

    page = client.get(reverse("staff:my_sessions")).content.decode()

    assert f"http://testserver/calendar/trainer/{trainer.feed_token}.ics" in page


@pytest.mark.parametrize(
    ("delivery", "shown"), [("online", True), ("hybrid", True), ("in_person", False)]
)
def test_register_gives_its_trainer_the_joining_link_of_an_online_session(
    client, trainer, delivery, shown
):
    session = SessionFactory(delivery=delivery, join_url="https://meet.example.org/register")
    session.trainers.add(trainer)
    client.force_login(trainer)

    page = client.get(reverse("staff:register", args=[session.pk])).content.decode()

    assert ("https://meet.example.org/register" in page) is shown
