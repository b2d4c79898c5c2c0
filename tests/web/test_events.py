import re
from datetime import timedelta

import pytest
from django.utils import timezone

from booking import services
from events.models import Session
from tests.factories import (
    EventFactory,
    ProgrammeFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    VenueFactory,
    local,
)

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [session.event.title for session in response.context["sessions"]]


def test_home_lists_programmes_and_next_sessions(client, session):
    response = client.get("/")

    assert response.status_code == 200
    assert session.event.programme.title in response.text
    assert titles(response) == [session.event.title]


def test_session_page_shows_uk_time_place_trainers_and_places(client, trainer, settings):
    settings.SITE_URL = "https://training.example.org"
    venue = VenueFactory(accessibility="Step-free entrance; hearing loop.")
    session = SessionFactory(
        starts_at=local(2031, 7, 14, 12),
        ends_at=local(2031, 7, 14, 14, 30),
        venue=venue,
        capacity=3,
    )
    session.trainers.add(trainer)
    services.book_session(session, person=UserFactory())

    response = client.get(f"/sessions/{session.pk}/")

    assert response.status_code == 200
    text = response.text
    assert "Monday 14 July 2031" in text
    assert "midday to 2:30pm (UK time)" in text
    assert "2 hours 30 minutes" in text
    assert "Step-free entrance; hearing loop." in text
    assert "Terry Trainer" in text
    assert "2 of 3 left" in text
    assert "Sign in to book a place" in text
    assert f'href="/sessions/{session.pk}/calendar.ics"' in text
    assert 'href="webcal://training.example.org/calendar/sessions.ics"' in text
    calendar = client.get(f"/sessions/{session.pk}/calendar.ics")
    assert calendar["Content-Type"].startswith("text/calendar")


def test_session_times_follow_british_summer_time(client):
    winter = SessionFactory(starts_at=local(2031, 1, 14, 9, 30), ends_at=local(2031, 1, 14, 11))

    response = client.get(f"/sessions/{winter.pk}/")

    assert winter.starts_at.utcoffset() == timedelta(0)
    assert "9:30am to 11am (UK time)" in response.text


def test_online_session_says_online_and_hides_the_link(client):
    online = SessionFactory(
        delivery=Session.Delivery.ONLINE, venue=None, join_url="https://meet.example.org/room-1"
    )

    response = client.get(f"/sessions/{online.pk}/")

    assert "Online." in response.text
    assert "room-1" not in response.text


def test_session_list_filters_by_programme_theme_delivery_and_availability(client):
    theme = ThemeFactory(title="Voice of the Child")
    week = ProgrammeFactory(title="Awareness Week")
    voice = EventFactory(title="Voice", programme=week)
    voice.themes.add(theme)
    in_person = SessionFactory(event=voice)
    online = SessionFactory(
        event=EventFactory(title="Online talk", programme=week),
        delivery=Session.Delivery.ONLINE,
        venue=None,
    )
    full = SessionFactory(event=EventFactory(title="Full course"), capacity=1)
    services.book_session(full, person=UserFactory())

    assert titles(client.get(f"/sessions/?programme={week.slug}")) == ["Voice", "Online talk"]
    assert titles(client.get(f"/sessions/?theme={theme.slug}")) == ["Voice"]
    assert titles(client.get("/sessions/?delivery=online")) == ["Online talk"]
    assert titles(client.get("/sessions/?available=on")) == ["Voice", "Online talk"]
    assert in_person.pk != online.pk


def test_session_list_filters_by_date_range_and_hides_ended(client):
    SessionFactory(
        event=EventFactory(title="Ended"),
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )
    SessionFactory(
        event=EventFactory(title="July"),
        starts_at=local(2031, 7, 14),
        ends_at=local(2031, 7, 14, 14),
    )
    SessionFactory(
        event=EventFactory(title="August"),
        starts_at=local(2031, 8, 14),
        ends_at=local(2031, 8, 14, 14),
    )

    assert titles(client.get("/sessions/")) == ["July", "August"]
    assert titles(client.get("/sessions/?from_date=2031-07-14&to_date=2031-07-14")) == ["July"]


def test_session_list_date_range_error_uses_the_error_summary(client):
    response = client.get("/sessions/?from_date=2031-07-14&to_date=2031-07-01")

    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#id_to_date-day"' in response.text


def test_session_list_is_paginated_and_keeps_filters(client):
    event = EventFactory(title="Popular")
    for day in range(22):
        SessionFactory(
            event=event, starts_at=local(2031, 3, day + 1), ends_at=local(2031, 3, day + 1, 14)
        )

    first = client.get("/sessions/?delivery=in_person")
    second = client.get("/sessions/?delivery=in_person&page=2")

    assert len(first.context["sessions"]) == 20
    assert len(second.context["sessions"]) == 2
    assert 'href="?delivery=in_person&amp;page=2"' in first.text


@pytest.mark.parametrize("count", [1, 3])
def test_session_list_query_count_is_constant(client, count, django_assert_num_queries):
    for _ in range(count):
        SessionFactory()

    # programmes and themes for the filters, the count, the page of sessions
    with django_assert_num_queries(4):
        client.get("/sessions/")


@pytest.mark.parametrize("count", [1, 3])
def test_session_page_query_count_is_constant(client, count, django_assert_num_queries):
    session = SessionFactory()
    session.event.themes.add(*[ThemeFactory() for _ in range(count)])
    session.trainers.add(*[UserFactory() for _ in range(count)])

    # session with availability, themes, trainers
    with django_assert_num_queries(3):
        client.get(f"/sessions/{session.pk}/")


def test_programme_and_event_pages_list_their_sessions(client, session):
    event = session.event

    programme_page = client.get(f"/programmes/{event.programme.slug}/")
    event_page = client.get(f"/events/{event.slug}/")

    assert titles(programme_page) == [event.title]
    assert titles(event_page) == [event.title]
    assert client.get("/programmes/unknown/").status_code == 404


def test_unpublished_programmes_stay_hidden(client):
    hidden = SessionFactory(event=EventFactory(programme=ProgrammeFactory(published=False)))

    assert client.get(f"/sessions/{hidden.pk}/").status_code == 404
    assert client.get(f"/events/{hidden.event.slug}/").status_code == 404
    assert titles(client.get("/sessions/")) == []


@pytest.mark.parametrize("path", ["/accessibility/", "/privacy/", "/cookies/"])
def test_statement_pages_are_linked_from_every_page(client, path):
    assert client.get(path).status_code == 200
    assert f'href="{path}"' in client.get("/").text


def test_pages_have_no_inline_scripts_or_styles(client, person, session):
    """A strict Content Security Policy (no 'unsafe-inline') must not break any page."""
    booking = services.book_session(session, person=person)
    pages = ["/", "/sessions/", f"/sessions/{session.pk}/", "/sign-in/", "/accessibility/"]
    client.force_login(person)
    pages += ["/bookings/", f"/bookings/{booking.pk}/", f"/bookings/{booking.pk}/cancel/"]
    pages += ["/account/", "/account/details/"]

    for path in pages:
        html = client.get(path).text
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(' src="' in tag for tag in scripts), path
        assert " style=" not in html, path
        assert "<style" not in html, path
        assert re.search(r"<[^>]+\son[a-z]+=", html) is None, path
