"""The website against hostile input: redirects after sign-in, forged posts, stored markup."""

import pytest
from django.test import Client
from sesame.utils import get_token

from booking import services
from booking.models import Booking
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory
from tests.security.test_escaping import PAYLOADS, assert_escaped

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = [
    "https://evil.example.com/",
    "//evil.example.com/",
    "///evil.example.com/",
    "/\\evil.example.com/",
    "\\\\evil.example.com",
    "https:evil.example.com",
    "javascript:alert(1)",
    " //evil.example.com",
    "http://testserver@evil.example.com/",
    "/%2F%2Fevil.example.com",
]


def is_local(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.fixture
def member(db):
    return UserFactory(full_name="Pat Example", job_title="Health visitor")


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_sign_in_link_never_redirects_off_site(client, member, next_url):
    response = client.post("/sign-in/link/", {"token": get_token(member), "next": next_url})

    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]
    assert client.session["_auth_user_id"] == str(member.pk)


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_signed_in_visit_to_sign_in_never_redirects_off_site(client, member, next_url):
    client.force_login(member)

    response = client.get("/sign-in/", {"next": next_url})

    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]


def test_local_next_is_followed(client, member):
    session = SessionFactory()

    response = client.post(
        "/sign-in/link/", {"token": get_token(member), "next": session.get_absolute_url()}
    )

    assert response["Location"] == session.get_absolute_url()


def test_forged_booking_and_cancellation_posts_are_refused(member):
    session = SessionFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    assert browser.post(f"/sessions/{session.pk}/book/").status_code == 403
    assert Booking.objects.count() == 0

    booking = services.book_session(session, person=member)
    assert browser.post(f"/bookings/{booking.pk}/cancel/").status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert browser.post("/sign-out/").status_code == 403
    assert browser.post("/account/calendar-link/").status_code == 403


def test_forged_sign_in_link_request_is_refused(member):
    browser = Client(enforce_csrf_checks=True)

    assert browser.post("/sign-in/", {"email": member.email}).status_code == 403


@pytest.fixture
def hostile_catalogue(db, member):
    payload = " ".join(PAYLOADS)
    programme = ProgrammeFactory(title=payload[:200], summary=payload)
    event = EventFactory(
        programme=programme,
        title=payload[:200],
        summary=payload[:300],
        description=payload,
        audience=payload,
        learning_outcomes="\n".join(PAYLOADS),
    )
    session = SessionFactory(event=event, notes=payload)
    booking = services.book_session(session, person=member, access_needs=payload)
    return {"programme": programme, "event": event, "session": session, "booking": booking}


@pytest.mark.parametrize(
    "page",
    ["home", "sessions", "session", "event", "programme", "my_bookings", "booking", "cancel"],
)
def test_website_pages_escape_stored_payloads(client, member, hostile_catalogue, page):
    client.force_login(member)
    urls = {
        "home": "/",
        "sessions": "/sessions/",
        "session": hostile_catalogue["session"].get_absolute_url(),
        "event": f"/events/{hostile_catalogue['event'].slug}/",
        "programme": f"/programmes/{hostile_catalogue['programme'].slug}/",
        "my_bookings": "/bookings/",
        "booking": f"/bookings/{hostile_catalogue['booking'].pk}/",
        "cancel": f"/bookings/{hostile_catalogue['booking'].pk}/cancel/",
    }

    response = client.get(urls[page])

    assert response.status_code == 200
    assert_escaped(response.content.decode())


def test_hostile_profile_details_are_escaped(client):
    payload = PAYLOADS[0]
    member = UserFactory(full_name=payload, job_title=payload)
    client.force_login(member)

    response = client.get("/account/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;convene&#x27;)&lt;/script&gt;" in html
