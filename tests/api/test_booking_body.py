"""The 201 body of a booking is written by hand (api.serializers.booking_created) for speed;
it must stay what its serializer, which the OpenAPI schema is made from, describes."""

import pytest

from api.serializers import BookingCreatedSerializer, booking_created
from booking.services import book_session
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("full", [False, True])
def test_booking_created_is_the_serializers_body(full):
    session = SessionFactory(capacity=1)
    if full:
        book_session(session, person=UserFactory())

    booking = book_session(session, person=UserFactory())

    body = booking_created(booking)
    assert body == BookingCreatedSerializer(booking).data
    assert body["waitlist_position"] == (1 if full else None)
