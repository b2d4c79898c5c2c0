"""The services behind the coordinators' Manage pages: booking on someone's behalf, passing a
place to a colleague, excusing a late cancellation, messaging a list, previewing a change."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from booking import errors, services
from booking.models import Booking
from booking.queries import waitlist_position
from common.errors import InvalidValue, NotAllowed
from events.models import Session
from notifications.kinds import Kind
from notifications.models import Notification
from tests.factories import SessionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


@pytest.fixture
def full_session(session):
    """Next week's session (capacity 2): two confirmed, two waiting."""
    people = [UserFactory(full_name=f"Person {n}") for n in range(4)]
    for person in people:
        services.book_session(session, person=person)
    return session


def kinds_sent_to(person) -> list[str]:
    return list(
        Notification.objects.filter(user=person).order_by("pk").values_list("kind", flat=True)
    )


def test_book_for_person_books_and_tells_them(
    session, coordinator, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_for_person(session, person=person, by=coordinator)

    assert (booking.status, booking.source) == ("confirmed", "admin")
    assert kinds_sent_to(person) == [Kind.BOOKING_CONFIRMED]
    assert AuditEvent.objects.filter(action="booking.made_for", actor=coordinator).count() == 1


def test_book_for_person_refuses_a_practitioner(session, person):
    with pytest.raises(NotAllowed):
        services.book_for_person(session, person=UserFactory(), by=person)
    assert Booking.objects.count() == 0


def test_book_for_person_on_an_unpublished_programme(session, coordinator, person):
    session.event.programme.published = False
    session.event.programme.save()

    booking = services.book_for_person(session, person=person, by=coordinator)

    assert booking.status == "confirmed"


def test_transfer_keeps_the_waitlist_position_and_tells_both(
    full_session, coordinator, django_capture_on_commit_callbacks
):
    first_waiting, second_waiting = Booking.objects.filter(session=full_session).waitlist_order()
    colleague = UserFactory(full_name="Col League")

    with django_capture_on_commit_callbacks(execute=True):
        new = services.transfer_booking(first_waiting, to_person=colleague, by=coordinator)

    first_waiting.refresh_from_db()
    assert (new.status, waitlist_position(new)) == ("waitlisted", 1)
    assert waitlist_position(second_waiting) == 2
    assert (first_waiting.status, first_waiting.late_cancellation) == ("cancelled", False)
    assert kinds_sent_to(colleague) == [Kind.BOOKING_WAITLISTED]
    assert kinds_sent_to(first_waiting.person)[-1] == Kind.BOOKING_CANCELLED
    cancelled_mail = [m for m in mail.outbox if first_waiting.person.email in str(m.to)][-1]
    assert "passed to Col League" in cancelled_mail.body


def test_transfer_of_a_confirmed_place_promotes_nobody(
    full_session, coordinator, django_capture_on_commit_callbacks
):
    place = Booking.objects.filter(session=full_session).confirmed().first()
    colleague = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        new = services.transfer_booking(place, to_person=colleague, by=coordinator)

    assert new.status == "confirmed"
    assert Booking.objects.filter(session=full_session).confirmed().count() == 2
    assert Booking.objects.filter(session=full_session).waitlisted().count() == 2
    assert kinds_sent_to(colleague) == [Kind.BOOKING_CONFIRMED]
    cancel = [m for m in mail.outbox if place.person.email in str(m.to)][-1]
    assert "METHOD:CANCEL" in cancel.message().as_string()


def test_transfer_to_someone_already_booked_is_refused(full_session, coordinator):
    place, other = Booking.objects.filter(session=full_session).confirmed()

    with pytest.raises(errors.AlreadyBooked):
        services.transfer_booking(place, to_person=other.person, by=coordinator)
    place.refresh_from_db()
    assert place.status == "confirmed"


def test_transfer_to_the_same_person_is_refused(full_session, coordinator):
    place = Booking.objects.filter(session=full_session).confirmed().first()
    with pytest.raises(errors.SamePerson):
        services.transfer_booking(place, to_person=place.person, by=coordinator)


def test_transfer_by_a_practitioner_is_refused(full_session):
    place = Booking.objects.filter(session=full_session).confirmed().first()
    with pytest.raises(NotAllowed):
        services.transfer_booking(place, to_person=UserFactory(), by=place.person)


def test_excuse_late_cancellation(session, coordinator, person):
    booking = services.book_session(session, person=person)
    services.cancel_booking(booking, by=person, now=session.starts_at - timedelta(hours=2))
    booking.refresh_from_db()
    assert booking.late_cancellation is True

    services.excuse_late_cancellation(booking, by=coordinator)

    booking.refresh_from_db()
    assert booking.late_cancellation is False
    assert AuditEvent.objects.filter(action="booking.late_cancellation_excused").count() == 1
    with pytest.raises(errors.NotLateCancellation):
        services.excuse_late_cancellation(booking, by=coordinator)


def test_cancel_on_behalf_tells_the_reason(
    session, coordinator, person, django_capture_on_commit_callbacks
):
    booking = services.book_session(session, person=person)

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking, by=coordinator, reason="The course is for managers.")

    message = [m for m in mail.outbox if person.email in str(m.to)][-1]
    assert "The training team has cancelled your place" in message.body
    assert "The course is for managers." in message.body


@pytest.mark.parametrize(("audience", "expected"), [("confirmed", 2), ("waitlist", 2), ("both", 4)])
def test_message_people_by_audience(
    full_session, coordinator, audience, expected, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.message_people(
            full_session,
            subject="Parking",
            body="Use the side gate.",
            audience=audience,
            by=coordinator,
        )

    assert sent == expected
    assert sum("Parking" in m.subject for m in mail.outbox) == expected


def test_message_people_refuses_an_unknown_audience(full_session, coordinator):
    with pytest.raises(InvalidValue):
        services.message_people(
            full_session, subject="x", body="y", audience="everyone", by=coordinator
        )


def test_preview_session_change_renders_but_changes_and_sends_nothing(
    full_session, coordinator, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    before = Notification.objects.count()
    new_start = full_session.starts_at + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        preview = services.preview_session_change(
            full_session,
            by=coordinator,
            starts_at=new_start,
            ends_at=full_session.ends_at + timedelta(days=1),
        )

    assert len(preview.messages) == 4
    assert sorted(preview.changes) == ["ends_at", "starts_at"]
    confirmed = [m for b, m in preview.messages if b.status == "confirmed"]
    waiting = [m for b, m in preview.messages if b.status == "waitlisted"]
    assert all(m.calendar_method == "REQUEST" and "SEQUENCE:1" in m.calendar for m in confirmed)
    assert all(m.calendar == "" for m in waiting)
    day = f"{timezone.localtime(new_start):%A %-d %B %Y}"
    assert all(day in m.body_text for _, m in preview.messages)
    session = Session.objects.get(pk=full_session.pk)
    assert (session.starts_at, session.sequence) == (full_session.starts_at, 0)
    assert Notification.objects.count() == before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="session.changed").exists()


def test_preview_raises_what_the_change_would(full_session, coordinator):
    with pytest.raises(errors.CapacityBelowConfirmed):
        services.preview_session_change(full_session, by=coordinator, capacity=1)


def test_an_offered_place_cannot_be_passed_on(coordinator):
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER, offer_hours=24)
    holder = services.book_session(session, person=UserFactory())
    waiting = services.book_session(session, person=UserFactory())
    services.cancel_booking(holder, by=holder.person)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.OFFERED

    with pytest.raises(errors.NotTransferable):
        services.transfer_booking(waiting, to_person=UserFactory(), by=coordinator)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.OFFERED
