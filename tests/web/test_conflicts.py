"""The website asks first when a booking would clash with another of the person's bookings."""

from datetime import timedelta

from booking import services
from booking.models import Booking
from tests.factories import SessionFactory


def test_a_clash_asks_first_then_books_anyway(signed_in, person):
    first = SessionFactory(event__title="Voice of the Child")
    second = SessionFactory(
        starts_at=first.starts_at + timedelta(hours=1), ends_at=first.ends_at + timedelta(hours=1)
    )
    services.book_session(first, person=person)

    response = signed_in.post(f"/sessions/{second.pk}/book/", {"access_needs": "Breaks"})
    assert response.status_code == 409
    assert "You are already booked at that time" in response.text
    assert "Voice of the Child" in response.text
    assert not Booking.objects.filter(session=second).exists()

    response = signed_in.post(
        f"/sessions/{second.pk}/book/", {"access_needs": "Breaks", "allow_conflict": "True"}
    )
    booking = Booking.objects.get(session=second)
    assert response.status_code == 302
    assert (booking.status, booking.access_needs) == ("confirmed", "Breaks")
