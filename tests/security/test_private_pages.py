"""No cache keeps personal data: every page answered to a signed-in person is no-store, and
web bookings are rate limited per person (issue 21)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.services import issue_api_token
from booking.models import Booking
from booking.offer_links import offer_token
from booking.services import book_session, cancel_booking
from events.models import Session
from tests.factories import SessionFactory, UserFactory, next_week_at

pytestmark = pytest.mark.django_db


def assert_no_store(response):
    assert response.status_code == 200, response
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.fixture
def booked(person, session):
    return book_session(session, person=person, access_needs="Hearing loop, please")


@pytest.mark.parametrize(
    "path",
    [
        "/bookings/",
        "/bookings/{booking}/",
        "/bookings/{booking}/cancel/",
        "/account/",
        "/account/details/",
        "/account/data/",
        "/sessions/{session}/",
        "/",
    ],
)
def test_a_practitioners_pages_are_not_stored(client, person, booked, path):
    client.force_login(person)

    response = client.get(path.format(booking=booked.pk, session=booked.session_id))

    assert_no_store(response)


@pytest.mark.parametrize(
    "name",
    ["staff:register", "staff:register_csv", "staff:register_xlsx", "staff:sign_in_sheet"],
)
def test_the_register_and_its_exports_are_not_stored(client, trainer, booked, name):
    client.force_login(trainer)

    response = client.get(reverse(name, args=[booked.session_id]))

    assert_no_store(response)
    if name == "staff:register":
        assert "Hearing loop, please" in response.text


@pytest.mark.parametrize("path", ["/trainer/", "/reports/", "/admin/"])
def test_staff_pages_are_not_stored(client, coordinator, path):
    client.force_login(coordinator)

    assert_no_store(client.get(path))


def test_the_api_answers_signed_in_callers_with_no_store(client, person, booked):
    client.force_login(person)

    for path in ("/api/v1/me/", "/api/v1/bookings/", f"/api/v1/bookings/{booked.pk}/"):
        assert_no_store(client.get(path))


def test_the_api_answers_bearer_token_callers_with_no_store(client, person, booked):
    token = issue_api_token(person)

    response = client.get("/api/v1/bookings/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert_no_store(response)
    assert response.json()["count"] == 1


def test_anonymous_catalogue_pages_stay_cacheable(client, session):
    response = client.get(f"/sessions/{session.pk}/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_web_bookings_are_rate_limited_per_person(client, settings):
    settings.WEB_BOOKINGS_PER_PERSON = 3
    person, other = UserFactory(), UserFactory()
    # A day apart: booking them all is no schedule clash.
    sessions = [
        SessionFactory(capacity=10, starts_at=next_week_at() + timedelta(days=day))
        for day in range(5)
    ]
    client.force_login(person)

    statuses = [client.post(f"/sessions/{s.pk}/book/", {}).status_code for s in sessions]

    assert statuses == [302, 302, 302, 429, 429]
    refused = client.post(f"/sessions/{sessions[4].pk}/book/", {})
    assert "tried to book too many times" in refused.text
    assert Booking.objects.filter(person=person).count() == 3
    client.force_login(other)
    assert client.post(f"/sessions/{sessions[4].pk}/book/", {}).status_code == 302


def test_the_offer_page_an_email_link_opens_is_not_stored(client):
    """Anonymous, but it shows a person's booking to whoever holds the link."""
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER)
    holder = book_session(session, person=UserFactory())
    waiting = book_session(session, person=UserFactory())
    cancel_booking(holder, by=holder.person)

    response = client.get(reverse("booking:offer", args=[offer_token(waiting), "accept"]))

    assert_no_store(response)
