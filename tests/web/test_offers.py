"""Answering an offer on the website: from the email's links (no sign-in) or the booking page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from booking import services
from booking.models import Booking
from booking.offer_links import offer_token
from events.models import Session
from tests.factories import OrganisationFactory, SessionFactory, UserFactory, next_week_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(db):
    session = SessionFactory(
        capacity=1, promotion=Session.Promotion.OFFER, event__title="Voice of the Child"
    )
    holder = services.book_session(session, person=UserFactory())
    booking = services.book_session(session, person=UserFactory())
    services.book_session(session, person=UserFactory())
    services.cancel_booking(holder, by=holder.person)
    booking.refresh_from_db()
    return booking


def link(booking, answer):
    return reverse("booking:offer", args=[offer_token(booking), answer])


def status_of(booking) -> str:
    return Booking.objects.values_list("status", flat=True).get(pk=booking.pk)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_opening_an_email_link_changes_nothing(client, offered, answer):
    response = client.get(link(offered, answer))

    assert response.status_code == 200
    page = response.content.decode()
    button = "Accept the place" if answer == "accept" else "Decline the place"
    assert f">{button}</button>" in page
    assert 'method="post"' in page
    assert status_of(offered) == "offered"


def test_the_accept_button_confirms_without_signing_in(client, offered):
    response = client.post(link(offered, "accept"), follow=True)

    assert status_of(offered) == "confirmed"
    page = response.content.decode()
    assert "Your place is confirmed" in page
    assert "Your place at Voice of the Child is confirmed." in page


def test_the_decline_button_cancels_and_offers_the_next_person(client, offered):
    client.post(link(offered, "decline"))

    assert status_of(offered) == "cancelled"
    assert list(
        Booking.objects.filter(session=offered.session)
        .order_by("pk")
        .values_list("status", flat=True)
    ) == ["cancelled", "cancelled", "offered"]


def test_a_link_after_expiry_says_so(client, offered):
    services.allocate_places(now=offered.offer_expires_at)

    get = client.get(link(offered, "accept"))
    post = client.post(link(offered, "accept"), follow=True)

    assert "This offer has expired" in get.content.decode()
    assert "This offer has expired, so the place has gone to the next person." in (
        post.content.decode()
    )
    assert status_of(offered) == "cancelled"


def test_a_broken_link_is_a_404_page(client, offered):
    token = offer_token(offered)

    response = client.get(reverse("booking:offer", args=[token[:-3] + "abc", "accept"]))

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_the_booking_page_offers_both_buttons(client, offered):
    client.force_login(offered.person)

    page = client.get(reverse("booking:booking", args=[offered.pk])).content.decode()

    assert "A place is held for you" in page
    assert f'action="{reverse("booking:answer_offer", args=[offered.pk, "accept"])}"' in page
    assert f'action="{reverse("booking:answer_offer", args=[offered.pk, "decline"])}"' in page


def test_accepting_from_the_booking_page(client, offered):
    client.force_login(offered.person)

    response = client.post(reverse("booking:answer_offer", args=[offered.pk, "accept"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("booking:booking", args=[offered.pk])
    assert status_of(offered) == "confirmed"


def test_someone_elses_offer_is_a_404_on_the_booking_page(client, offered):
    client.force_login(UserFactory())

    response = client.post(reverse("booking:answer_offer", args=[offered.pk, "accept"]))

    assert response.status_code == 404
    assert status_of(offered) == "offered"


def test_the_session_page_shows_places_held_by_offers(client, offered):
    page = client.get(offered.session.get_absolute_url()).content.decode()

    assert "All 1 places are taken" in page
    assert "1 place is held for someone offered a place from the waitlist" in page


def test_the_session_page_answers_for_the_viewers_sector(client):
    # Two weeks out: quotas are released a week before the start, which for a session next
    # week at noon is today at noon (the page would then hold no reserved places).
    session = SessionFactory(
        capacity=2,
        sector_quotas=[{"sector": "police", "places": 1}],
        event__title="Voice of the Child",
        starts_at=next_week_at() + timedelta(days=7),
    )
    teacher = UserFactory(organisation=OrganisationFactory(name="A school", sector="education"))
    officer = UserFactory(organisation=OrganisationFactory(name="A force", sector="police"))
    services.book_session(session, person=UserFactory(organisation=teacher.organisation))

    client.force_login(teacher)
    as_teacher = client.get(session.get_absolute_url()).content.decode()
    client.force_login(officer)
    as_officer = client.get(session.get_absolute_url()).content.decode()
    anonymous = Client().get(session.get_absolute_url()).content.decode()

    assert "Places reserved for other agencies" in as_teacher
    assert ">Join the waitlist</button>" in as_teacher
    assert "1 place left" in as_officer
    assert ">Book a place</button>" in as_officer
    assert "1 place left" in anonymous
    for page in (as_teacher, as_officer, anonymous):
        assert "Police 0 of 1 confirmed" in page
