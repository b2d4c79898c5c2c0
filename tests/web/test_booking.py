from datetime import timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import Booking
from events.models import Session
from tests.factories import SessionFactory, UserFactory, book_three_days_before, mark_at_the_end


def test_book_a_place_confirms_and_shows_the_booking(signed_in, person, session):
    response = signed_in.post(f"/sessions/{session.pk}/book/", {"access_needs": " Hearing loop "})

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bookings/{booking.pk}/"
    assert (booking.person, booking.status, booking.source, booking.access_needs) == (
        person,
        Booking.Status.CONFIRMED,
        Booking.Source.WEB,
        "Hearing loop",
    )
    page = signed_in.get(response["Location"])
    assert "Your place is booked" in page.text


def test_booking_twice_keeps_one_booking_and_shows_it(signed_in, session):
    first = signed_in.post(f"/sessions/{session.pk}/book/", {})
    second = signed_in.post(f"/sessions/{session.pk}/book/", {})

    assert Booking.objects.count() == 1
    assert second["Location"] == first["Location"]
    page = signed_in.get(second["Location"])
    assert "You already have a booking for this session" in page.text


def test_full_session_offers_the_waitlist_and_gives_a_position(signed_in, session):
    for _ in range(2):
        services.book_session(session, person=UserFactory())
    services.book_session(session, person=UserFactory())

    page = signed_in.get(f"/sessions/{session.pk}/")
    response = signed_in.post(f"/sessions/{session.pk}/book/", {})

    assert "Join the waitlist" in page.text
    assert "1 person on the waitlist" in page.text
    booking = Booking.objects.get(pk=response["Location"].split("/")[2])
    assert booking.status == Booking.Status.WAITLISTED
    assert (
        "You are number <strong>2</strong> on the waitlist"
        in signed_in.get(response["Location"]).text
    )


def test_booking_a_closed_session_shows_the_error_summary(signed_in, session):
    Session.objects.filter(pk=session.pk).update(
        booking_closes_at=timezone.now() - timedelta(minutes=1)
    )

    response = signed_in.post(f"/sessions/{session.pk}/book/", {})

    assert response.status_code == 409
    assert "There is a problem" in response.text
    assert "Booking is not open for this session." in response.text
    assert response.text.count("<title>Error: ") == 1
    assert Booking.objects.count() == 0


def test_anonymous_booking_goes_to_sign_in_and_back(client, session):
    response = client.post(f"/sessions/{session.pk}/book/", {})

    assert response["Location"] == f"/sign-in/?next=%2Fsessions%2F{session.pk}%2F"
    assert Booking.objects.count() == 0


def test_booking_before_giving_details_asks_for_them(client, session):
    newcomer = UserFactory(full_name="", job_title="", organisation=None)
    client.force_login(newcomer)

    response = client.post(f"/sessions/{session.pk}/book/", {})

    assert response["Location"] == f"/account/details/?next=%2Fsessions%2F{session.pk}%2F"
    assert Booking.objects.count() == 0


def test_cancel_asks_first_then_promotes_the_waitlist(signed_in, person, session):
    mine = services.book_session(session, person=person)
    services.book_session(session, person=UserFactory())
    waiting = services.book_session(session, person=UserFactory())

    confirm = signed_in.get(f"/bookings/{mine.pk}/cancel/")
    assert confirm.status_code == 200
    assert "Are you sure you want to cancel your place?" in confirm.text
    mine.refresh_from_db()
    assert mine.status == Booking.Status.CONFIRMED

    response = signed_in.post(f"/bookings/{mine.pk}/cancel/")
    again = signed_in.post(f"/bookings/{mine.pk}/cancel/")

    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert response["Location"] == "/bookings/"
    assert again["Location"] == f"/bookings/{mine.pk}/"
    assert (mine.status, mine.cancelled_by) == (Booking.Status.CANCELLED, person)
    assert waiting.status == Booking.Status.CONFIRMED


def test_cancel_after_the_start_is_refused_kindly(signed_in, person, session):
    booking = services.book_session(session, person=person)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )

    response = signed_in.post(f"/bookings/{booking.pk}/cancel/")

    assert response.status_code == 409
    assert "The session has started, so it can no longer be cancelled." in response.text


def test_someone_elses_booking_is_not_found(signed_in, session):
    other = services.book_session(session, person=UserFactory())

    assert signed_in.get(f"/bookings/{other.pk}/").status_code == 404
    assert signed_in.post(f"/bookings/{other.pk}/cancel/").status_code == 404
    other.refresh_from_db()
    assert other.status == Booking.Status.CONFIRMED


def test_joining_link_only_for_the_confirmed_attendee(signed_in, person):
    online = SessionFactory(
        delivery=Session.Delivery.ONLINE,
        venue=None,
        capacity=1,
        join_url="https://meet.example.org/secret-room",
    )
    booking = services.book_session(online, person=person)
    waiting = services.book_session(online, person=UserFactory())

    assert "secret-room" in signed_in.get(f"/bookings/{booking.pk}/").text
    assert "secret-room" not in signed_in.get(f"/sessions/{online.pk}/").text
    assert "secret-room" not in signed_in.get("/sessions/").text
    signed_in.force_login(waiting.person)
    assert "secret-room" not in signed_in.get(f"/bookings/{waiting.pk}/").text


def test_my_bookings_lists_upcoming_with_waitlist_position_and_past(signed_in, person):
    full = SessionFactory(capacity=1)
    services.book_session(full, person=UserFactory())
    services.book_session(full, person=UserFactory())
    services.book_session(full, person=person)
    past = SessionFactory(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    Booking.objects.create(
        session=past,
        person=person,
        status=Booking.Status.CONFIRMED,
        created_at=timezone.now() - timedelta(days=10),
        attendance=Booking.Attendance.ATTENDED,
    )

    response = signed_in.get("/bookings/")

    assert "Waitlist: number 2" in response.text
    assert "Attended" in response.text


@pytest.mark.parametrize("count", [1, 3])
def test_my_bookings_query_count_is_constant(signed_in, person, count, django_assert_num_queries):
    for _ in range(count):
        services.book_session(SessionFactory(), person=person, allow_conflict=True)

    # session, user, upcoming (with waitlist positions), past, cancelled, trainer and
    # coordinator roles (menu)
    with django_assert_num_queries(7):
        signed_in.get("/bookings/")


@pytest.mark.parametrize(
    ("attendance", "has_certificate"),
    [("attended", True), ("absent", False), ("unmarked", False)],
)
def test_my_bookings_links_the_certificate_of_a_past_attended_booking(
    signed_in, person, session, trainer, attendance, has_certificate
):
    session.starts_at = timezone.now() - timedelta(days=3)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save()
    booking = book_three_days_before(session, person)
    if attendance != "unmarked":
        mark_at_the_end(booking, attendance, by=trainer)

    response = signed_in.get("/bookings/")

    link = f'href="/bookings/{booking.pk}/certificate.pdf" download>'
    assert (link in response.text) is has_certificate
    assert response.text.count("certificate.pdf") == int(has_certificate)


def test_my_bookings_has_no_certificate_for_an_upcoming_booking(signed_in, person, session):
    services.book_session(session, person=person)

    assert "certificate" not in signed_in.get("/bookings/").text
