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


def test_an_empty_body_means_the_serializers_defaults():
    """The view books an empty body without its serializer: what the serializer would fill
    in must be what book_session does when given nothing."""
    import inspect

    from api.serializers import BookingCreateSerializer

    defaults = BookingCreateSerializer(data={})
    assert defaults.is_valid()
    service = inspect.signature(book_session).parameters

    assert set(defaults.validated_data) <= set(service)
    for name, value in defaults.validated_data.items():
        assert service[name].default == value, name


@pytest.mark.parametrize("body", ["[]", "null", '""', "0", "[{}]"])
def test_a_body_that_is_not_an_object_is_refused_and_books_nothing(client, body):
    from accounts.services import issue_api_token
    from booking.models import Booking

    session = SessionFactory()
    token = issue_api_token(UserFactory())

    response = client.post(
        f"/api/v1/sessions/{session.pk}/bookings/",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert not Booking.objects.exists()
