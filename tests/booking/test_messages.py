"""What a booking change tells people: the messages booking.messages writes to the outbox, and
what queueing them costs."""

import pytest
from django.core import mail

from booking.messages import queue_messages_for, queue_session_messages
from booking.services import book_session, cancel_booking, update_session
from events.models import Session
from notifications.kinds import Kind
from notifications.models import Notification
from tests.conftest import BOOKED_ON
from tests.factories import CoordinatorFactory, SessionFactory, UserFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def test_booking_changed_queues_one_message_in_six_queries(
    tasks_stored, week_session, django_assert_num_queries
):
    booking = book_session(week_session, person=UserFactory(), now=BOOKED_ON)

    # booking with session, event, venue and person; themes; dedupe check;
    # savepoint, insert, release.
    with django_assert_num_queries(6):
        queue_messages_for([booking.pk], kind=Kind.BOOKING_CONFIRMED)

    notification = Notification.objects.get()
    assert (notification.kind, notification.status, notification.calendar_method) == (
        "booking_confirmed",
        "queued",
        "REQUEST",
    )


@pytest.mark.parametrize(("people", "queries"), [(1, 6), (3, 12)])
def test_session_changed_costs_three_queries_per_person(
    tasks_stored, people, queries, django_assert_num_queries
):
    session = SessionFactory(starts_at=local(2021, 7, 12, 12), ends_at=local(2021, 7, 12, 14))
    for _ in range(people):
        book_session(session, person=UserFactory(), now=BOOKED_ON)
    changes = {"starts_at": ("Monday 12 July 2021, 12:00", "Monday 12 July 2021, 13:00")}

    with django_assert_num_queries(queries):
        queue_session_messages(session.pk, kind=Kind.SESSION_CHANGED, changes=changes)

    assert Notification.objects.filter(kind="session_changed").count() == people


def test_cancellation_by_a_coordinator_says_so_and_notes_a_late_cancellation(
    book_and_send, week_session, django_capture_on_commit_callbacks
):
    booking = book_and_send(week_session)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking, by=CoordinatorFactory(), now=local(2021, 7, 11, 12))

    message = Notification.objects.get(kind="booking_cancelled")
    assert "The training team has cancelled your place" in message.body_text
    assert "recorded as a late cancellation" in message.body_text
    assert message.calendar_method == "CANCEL"
    assert len(mail.outbox) == 2


def test_hybrid_session_names_the_venue_and_online(book_and_send):
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14),
        delivery=Session.Delivery.HYBRID,
        join_url="https://meet.example.org/hybrid",
    )

    book_and_send(session)

    message = Notification.objects.get()
    assert "Where: County Hall, Aykley Heads, Durham, DH1 5UL (or online)" in message.body_text
    assert "Joining link: https://meet.example.org/hybrid" in message.body_text


def test_online_session_without_a_link_yet_promises_one(book_and_send):
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14),
        delivery=Session.Delivery.ONLINE,
        venue=None,
    )

    book_and_send(session)

    message = Notification.objects.get()
    assert "Where: Online" in message.body_text
    assert "We will email you the joining link before the session." in message.body_text


def test_delivery_change_is_described_in_words(
    book_and_send, week_session, django_capture_on_commit_callbacks
):
    book_and_send(week_session)

    with django_capture_on_commit_callbacks(execute=True):
        update_session(
            week_session,
            by=CoordinatorFactory(),
            delivery=Session.Delivery.ONLINE,
            join_url="https://meet.example.org/moved-online",
        )

    message = Notification.objects.get(kind="session_changed")
    assert "How it runs: was In person, now Online" in message.body_text
    assert "Joining link: now https://meet.example.org/moved-online" not in message.body_text
    assert "Joining link: https://meet.example.org/moved-online" in message.body_text


def test_an_in_person_session_never_emails_a_stray_joining_link(book_and_send):
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14),
        delivery=Session.Delivery.IN_PERSON,
        join_url="https://meet.example.org/left-over",
    )

    book_and_send(session)

    message = Notification.objects.get()
    assert message.status == "sent"
    assert "meet.example.org" not in message.body_text
    assert "meet.example.org" not in message.body_html
    assert "meet.example.org" not in message.calendar
