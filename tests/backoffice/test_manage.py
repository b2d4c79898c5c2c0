"""The coordinators' Manage pages: plain forms that call the services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from booking import services
from booking.models import Booking
from events.models import Event, Programme, Session, Theme, Venue
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

# The session page, whatever the number of bookings: the sign-in session, the user, the
# coordinator check, the session with its counts, its trainers, the confirmed list, the waitlist,
# the offered places, the cancelled list, the history, which late cancellations were excused,
# and the navigation's trainer check.
QUERIES = 12


def date_fields(name: str, moment) -> dict:
    moment = timezone.localtime(moment)
    return {
        f"{name}_day": str(moment.day),
        f"{name}_month": str(moment.month),
        f"{name}_year": str(moment.year),
        f"{name}_time": f"{moment:%H:%M}",
    }


def session_data(session: Session, **overrides) -> dict:
    data = {
        "event": session.event_id,
        **date_fields("starts_at", session.starts_at),
        **date_fields("ends_at", session.ends_at),
        "delivery": session.delivery,
        "venue": session.venue_id or "",
        "join_url": session.join_url,
        "capacity": session.capacity,
        "waitlist_enabled": "on" if session.waitlist_enabled else "",
        "notes": session.notes,
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def busy_session(session):
    """Next week's session (capacity 2): Ann and Ben confirmed, Cat and Dan waiting."""
    for name in ("Ann Able", "Ben Baker", "Cat Cole", "Dan Dale"):
        services.book_session(session, person=UserFactory(full_name=name))
    return session


def url(name, *args):
    return reverse(f"manage:{name}", args=args)


def test_manage_pages_are_404_for_practitioners_and_trainers(client, person, trainer, session):
    for user in (person, trainer):
        client.force_login(user)
        for path in (url("home"), url("session", session.pk), url("programmes")):
            assert client.get(path).status_code == 404


def test_manage_pages_need_signing_in(client, session):
    response = client.get(url("session", session.pk))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_manage_pages_are_not_cached(manager, session):
    response = manager.get(url("session", session.pk))
    assert "no-store" in response["Cache-Control"]


def test_navigation_links_to_manage_for_coordinators_only(client, coordinator, person):
    client.force_login(coordinator)
    assert f'href="{url("home")}"' in client.get("/").content.decode()
    client.force_login(person)
    assert f'href="{url("home")}"' not in client.get("/").content.decode()


def test_session_page_lists_confirmed_waitlist_and_cancelled(manager, busy_session):
    late = Booking.objects.get(person__full_name="Ben Baker")
    services.cancel_booking(late, by=late.person, now=busy_session.starts_at - timedelta(hours=1))

    page = manager.get(url("session", busy_session.pk)).content.decode()

    assert page.index("Confirmed (2)") < page.index("Ann Able") < page.index("Cat Cole")
    assert "Waitlist (1)" in page
    assert "Dan Dale" in page
    assert "Cancelled (1)" in page
    assert "Late" in page
    assert "Book someone in" in page


def test_create_session_with_date_inputs(manager, coordinator):
    event = EventFactory()
    starts = local(2031, 3, 30, 12)  # the day the clocks go forward
    data = {
        "event": event.pk,
        **date_fields("starts_at", starts),
        **date_fields("ends_at", starts + timedelta(hours=2)),
        "delivery": "in_person",
        "capacity": "12",
        "waitlist_enabled": "on",
    }

    response = manager.post(url("session_create"), data)

    session = Session.objects.get(event=event)
    assert response.status_code == 302
    assert response["Location"] == url("session", session.pk)
    assert (session.starts_at, session.capacity) == (starts, 12)
    assert AuditEvent.objects.filter(action="session.created", actor=coordinator).exists()


def test_create_session_reports_date_errors(manager):
    data = {
        "event": EventFactory().pk,
        "starts_at_day": "31",
        "starts_at_month": "2",
        "starts_at_year": "2031",
        "starts_at_time": "12:00",
        "ends_at_day": "1",
        "ends_at_year": "2031",
        "ends_at_time": "14:00",
        "delivery": "in_person",
        "capacity": "10",
    }

    response = manager.post(url("session_create"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Starts must be a real date" in page
    assert "Ends must include a month" in page
    assert 'href="#id_starts_at-day"' in page
    assert Session.objects.count() == 0


def test_move_shows_a_preview_then_sends(manager, busy_session, django_capture_on_commit_callbacks):
    later = busy_session.starts_at + timedelta(days=2)
    data = session_data(
        busy_session,
        **date_fields("starts_at", later),
        **date_fields("ends_at", later + timedelta(hours=2)),
    )

    preview = manager.post(url("session_edit", busy_session.pk), data)

    page = preview.content.decode()
    assert "Check what people will be told" in page
    assert "Ann Able" in page
    assert "Dan Dale" in page
    assert "Version (SEQUENCE)" in page
    assert Session.objects.get(pk=busy_session.pk).starts_at == busy_session.starts_at
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url("session_edit", busy_session.pk), {**data, "confirm": "yes"})

    assert response.status_code == 302
    moved = Session.objects.get(pk=busy_session.pk)
    assert (moved.starts_at, moved.sequence) == (later, 1)
    assert sum(m.subject.startswith("Session changed") for m in mail.outbox) == 4


def test_edit_without_attendees_to_tell_saves_at_once(manager, session):
    response = manager.post(
        url("session_edit", session.pk), session_data(session, notes="Bring lunch")
    )

    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).notes == "Bring lunch"


def test_capacity_rise_promotes_the_waitlist(
    manager, busy_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            url("session_capacity", busy_session.pk), {"capacity": "3"}, follow=True
        )

    assert "1 person was given a place from the waitlist" in response.content.decode()
    assert Booking.objects.get(person__full_name="Cat Cole").status == "confirmed"
    assert any(m.subject.startswith("You have a place") for m in mail.outbox)


def test_capacity_cut_below_confirmed_is_refused_with_the_reason(manager, busy_session):
    response = manager.post(url("session_capacity", busy_session.pk), {"capacity": "1"})

    assert response.status_code == 200
    assert "2 places are confirmed; capacity cannot go below that." in response.content.decode()
    assert Session.objects.get(pk=busy_session.pk).capacity == 2


def test_cancel_session_with_a_reason(manager, busy_session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(url("session_cancel", busy_session.pk), {"reason": "The trainer is ill."})

    session = Session.objects.get(pk=busy_session.pk)
    assert (session.status, session.cancellation_reason) == ("cancelled", "The trainer is ill.")
    assert sum("The trainer is ill." in m.body for m in mail.outbox) == 4


def test_cancel_session_needs_a_reason(manager, busy_session):
    response = manager.post(url("session_cancel", busy_session.pk), {"reason": ""})
    assert "Enter why the session is cancelled" in response.content.decode()
    assert Session.objects.get(pk=busy_session.pk).status == "scheduled"


def test_duplicate_session(manager, session):
    starts = session.starts_at + timedelta(weeks=2)
    data = {
        **date_fields("starts_at", starts),
        **date_fields("ends_at", starts + timedelta(hours=1)),
    }

    response = manager.post(url("session_duplicate", session.pk), data)

    copy = Session.objects.exclude(pk=session.pk).get()
    assert response["Location"] == url("session", copy.pk)
    assert (copy.event_id, copy.starts_at) == (session.event_id, starts)


def test_book_someone_new_in(manager, session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            url("book_someone_in", session.pk),
            {"email": "new.person@example.org", "full_name": "Nia Newcomer"},
        )

    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.org")
    assert person.full_name == "Nia Newcomer"
    assert Booking.objects.get(person=person).status == "confirmed"
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Booking confirmed"]


def test_book_someone_in_when_full_joins_the_waitlist(manager, busy_session):
    response = manager.post(
        url("book_someone_in", busy_session.pk), {"email": "eve@example.org"}, follow=True
    )
    assert "place 3 on the waitlist" in response.content.decode()


def test_book_someone_already_booked_is_refused(manager, busy_session):
    ann = User.objects.get(full_name="Ann Able")
    response = manager.post(url("book_someone_in", busy_session.pk), {"email": ann.email})
    assert response.status_code == 200
    assert "already have a place" in response.content.decode()


def test_find_people_by_name(manager, busy_session):
    page = manager.get(url("book_someone_in", busy_session.pk), {"q": "cat"}).content.decode()
    assert "Cat Cole" in page
    assert "Ann Able" not in page


def test_transfer_a_place(manager, busy_session):
    ann = Booking.objects.get(person__full_name="Ann Able")
    response = manager.post(
        url("booking_transfer", ann.pk), {"email": "fay@example.org", "full_name": "Fay Fox"}
    )

    assert response.status_code == 302
    assert Booking.objects.get(person__email="fay@example.org").status == "confirmed"
    ann.refresh_from_db()
    assert ann.status == "cancelled"


def test_cancel_a_place_on_someones_behalf(manager, busy_session):
    ann = Booking.objects.get(person__full_name="Ann Able")
    manager.post(url("booking_cancel", ann.pk), {"reason": "Booked twice."})

    ann.refresh_from_db()
    assert (ann.status, ann.cancelled_by.is_coordinator) == ("cancelled", True)
    assert Booking.objects.get(person__full_name="Cat Cole").status == "confirmed"


def test_excuse_a_late_cancellation(manager, busy_session):
    ben = Booking.objects.get(person__full_name="Ben Baker")
    services.cancel_booking(ben, by=ben.person, now=busy_session.starts_at - timedelta(hours=1))

    response = manager.post(url("booking_excuse", ben.pk), follow=True)

    ben.refresh_from_db()
    assert ben.late_cancellation is False
    assert "Excused" in response.content.decode()


def test_message_the_waitlist(manager, busy_session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(
            url("session_message", busy_session.pk),
            {"audience": "waitlist", "subject": "Good news", "body": "More places soon."},
        )
    assert len([m for m in mail.outbox if m.subject.startswith("Good news")]) == 2


def test_assign_an_external_trainer(manager, session):
    response = manager.post(
        url("session_trainers", session.pk),
        {"email": "ext@example.com", "full_name": "Ezra External", "external": "on"},
        follow=True,
    )

    trainer = User.objects.get(email="ext@example.com")
    assert trainer.external_trainer is True
    assert trainer in session.trainers.all()
    assert "External" in response.content.decode()


def test_remove_a_trainer(manager, session, trainer):
    manager.post(url("session_trainers", session.pk), {"remove": trainer.pk})
    assert list(session.trainers.all()) == []


def test_programme_create_publish_and_duplicate(manager):
    manager.post(
        url("programme_create"),
        {
            "title": "Awareness Week 2031",
            "slug": "awareness-week-2031",
            "starts_on_day": "14",
            "starts_on_month": "7",
            "starts_on_year": "2031",
        },
    )
    programme = Programme.objects.get(slug="awareness-week-2031")
    assert programme.published is False
    manager.post(
        url("event_create"),
        {"programme": programme.pk, "title": "Voice of the child", "slug": "voice-2031"},
    )
    event = Event.objects.get(slug="voice-2031")
    SessionFactory(event=event, starts_at=local(2031, 7, 14, 12), ends_at=local(2031, 7, 14, 14))

    manager.post(url("programme_publish", programme.pk), {"published": "yes"})
    programme.refresh_from_db()
    assert programme.published is True

    manager.post(
        url("programme_duplicate", programme.pk),
        {
            "title": "Awareness Week 2032",
            "slug": "awareness-week-2032",
            "starts_on_day": "12",
            "starts_on_month": "7",
            "starts_on_year": "2032",
        },
    )
    copy = Programme.objects.get(slug="awareness-week-2032")
    assert copy.published is False
    copied = Session.objects.get(event__programme=copy)
    assert copied.starts_at == local(2032, 7, 12, 12)
    assert copied.event.title == "Voice of the child"


def test_programme_duplicate_keeps_uk_time_across_clock_changes(coordinator):
    from events.services import duplicate_programme

    programme = ProgrammeFactory(starts_on=local(2031, 1, 6).date())
    event = EventFactory(programme=programme)
    SessionFactory(event=event, starts_at=local(2031, 1, 6, 9, 30), ends_at=local(2031, 1, 6, 12))

    copy = duplicate_programme(
        programme, starts_on=local(2031, 6, 2).date(), slug="summer", title="Summer", by=coordinator
    )

    session = Session.objects.get(event__programme=copy)
    assert (session.starts_at, session.ends_at) == (local(2031, 6, 2, 9, 30), local(2031, 6, 2, 12))


def test_add_and_change_a_venue(manager):
    manager.post(url("venue_create"), {"name": "Town Hall", "address": "Market Place\nDurham"})
    venue = Venue.objects.get(name="Town Hall")
    manager.post(
        url("venue_edit", venue.pk),
        {"name": "Town Hall", "address": "Market Place\nDurham", "postcode": "DH1 3NJ"},
    )
    venue.refresh_from_db()
    assert venue.address_line == "Town Hall, Market Place, Durham, DH1 3NJ"


def test_add_a_venue_needs_an_address(manager):
    response = manager.post(url("venue_create"), {"name": "Town Hall"})
    assert "Enter the address" in response.content.decode()
    assert not Venue.objects.exists()


@pytest.mark.parametrize("people", [1, 3])
def test_session_page_queries_do_not_grow_with_bookings(
    manager, session, people, django_assert_num_queries
):
    for _ in range(people):
        booking = services.book_session(session, person=UserFactory())
    services.cancel_booking(booking, by=booking.person)
    services.book_session(session, person=UserFactory())
    services.book_session(session, person=UserFactory())

    with django_assert_num_queries(QUERIES):
        manager.get(url("session", session.pk))


@pytest.mark.parametrize("capacity", ["abc", "0", "-3", "99999999999999999999", ""])
def test_bad_capacity_is_a_form_error(manager, session, capacity):
    response = manager.post(url("session_capacity", session.pk), {"capacity": capacity})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Session.objects.get(pk=session.pk).capacity == 2


def test_unknown_session_and_booking_are_404(manager):
    assert manager.get(url("session", 999999)).status_code == 404
    assert manager.get(url("booking_transfer", 999999)).status_code == 404
    assert manager.post(url("booking_excuse", 999999)).status_code == 404


def test_booking_into_a_cancelled_session_is_refused_on_the_form(manager, session, coordinator):
    services.cancel_session(session, by=coordinator, reason="Ill")
    response = manager.post(url("book_someone_in", session.pk), {"email": "a@example.org"})
    assert response.status_code == 200
    assert "This session has been cancelled." in response.content.decode()
    assert not Booking.objects.exists()


def test_excusing_a_cancellation_that_was_not_late(manager, busy_session):
    ann = Booking.objects.get(person__full_name="Ann Able")
    services.cancel_booking(ann, by=ann.person, now=busy_session.starts_at - timedelta(days=5))

    response = manager.post(url("booking_excuse", ann.pk), follow=True)

    assert "Only a late cancellation can be excused." in response.content.decode()


def test_a_cancelled_place_cannot_be_passed_on(manager, busy_session):
    ann = Booking.objects.get(person__full_name="Ann Able")
    services.cancel_booking(ann, by=ann.person)

    response = manager.post(
        url("booking_transfer", ann.pk), {"email": "b@example.org"}, follow=True
    )

    assert "can no longer be passed to someone else" in response.content.decode()
    assert not Booking.objects.filter(person__email="b@example.org").exists()


def test_excuse_needs_post(manager, busy_session):
    ann = Booking.objects.get(person__full_name="Ann Able")
    assert manager.get(url("booking_excuse", ann.pk)).status_code == 405


def test_duplicate_programme_with_a_slug_in_use(manager):
    programme = ProgrammeFactory(slug="taken", starts_on=local(2031, 7, 14).date())
    response = manager.post(
        url("programme_duplicate", programme.pk),
        {
            "title": "Again",
            "slug": "taken",
            "starts_on_day": "1",
            "starts_on_month": "1",
            "starts_on_year": "2032",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Programme.objects.count() == 1


def test_a_refused_booking_leaves_no_new_account(manager, session, coordinator):
    services.cancel_session(session, by=coordinator, reason="Ill")
    manager.post(url("book_someone_in", session.pk), {"email": "nobody.yet@example.org"})
    assert not User.objects.filter(email="nobody.yet@example.org").exists()


def test_add_and_change_a_theme(manager, coordinator):
    manager.post(url("theme_create"), {"title": "Cumulative harm", "slug": "cumulative-harm"})
    theme = Theme.objects.get(slug="cumulative-harm")
    manager.post(
        url("theme_edit", theme.pk), {"title": "Risk and cumulative harm", "slug": theme.slug}
    )
    theme.refresh_from_db()
    assert theme.title == "Risk and cumulative harm"
    assert AuditEvent.objects.filter(action="theme.changed", actor=coordinator).exists()


def test_a_theme_slug_in_use_is_refused_on_the_form(manager):
    Theme.objects.create(title="Voice", slug="voice")
    response = manager.post(url("theme_create"), {"title": "Voice again", "slug": "voice"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert Theme.objects.count() == 1


def test_session_page_lists_offered_places(manager, coordinator):
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER, offer_hours=24)
    holder = services.book_session(session, person=UserFactory(full_name="Hal Holder"))
    services.book_session(session, person=UserFactory(full_name="Ola Offered"))
    services.cancel_booking(holder, by=holder.person)

    page = manager.get(url("session", session.pk)).content.decode()

    assert "Offered places (1)" in page
    assert "Ola Offered" in page
