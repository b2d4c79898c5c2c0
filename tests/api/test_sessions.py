"""What the session, booking and attendee endpoints return, and what changes do."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from booking.models import Booking
from booking.services import book_session
from events.models import Session
from tests import factories
from tests.factories import next_week_at


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def test_session_object_has_the_contract_fields(api, session):
    session.event.themes.add(factories.ThemeFactory(slug="voice", title="Voice of the Child"))

    body = api().get(f"/api/v1/sessions/{session.pk}/").json()

    assert set(body) == {
        "id", "event", "programme", "themes", "starts_at", "ends_at", "delivery", "venue",
        "location", "capacity", "confirmed_count", "places_left", "waitlist_length",
        "waitlist_enabled", "status", "cancellation_reason", "booking_open", "booking_opens_at",
        "booking_closes_at", "trainers", "url", "calendar_url",
        # fair allocation
        "promotion", "offer_hours", "sector_quotas", "quota_release_at", "offered_count",
    }  # fmt: skip
    assert body["event"] == {
        "id": session.event.pk,
        "slug": session.event.slug,
        "title": session.event.title,
    }
    assert body["themes"] == [
        {"id": session.event.themes.get().pk, "slug": "voice", "title": "Voice of the Child"}
    ]
    assert body["trainers"] == [{"id": session.trainers.get().pk, "full_name": "Terry Trainer"}]
    assert body["url"] == f"http://testserver/sessions/{session.pk}/"
    assert body["calendar_url"] == f"http://testserver/sessions/{session.pk}/calendar.ics"


def test_times_carry_the_london_offset(api, db):
    session = factories.SessionFactory(
        starts_at=factories.local(2030, 7, 12, 12), ends_at=factories.local(2030, 7, 12, 14, 30)
    )

    body = api().get(f"/api/v1/sessions/{session.pk}/").json()

    assert (body["starts_at"], body["ends_at"]) == (
        "2030-07-12T12:00:00+01:00",
        "2030-07-12T14:30:00+01:00",
    )


@pytest.mark.parametrize(
    ("viewer", "sees_link"),
    [
        ("anonymous", False),
        ("practitioner", False),
        ("confirmed", True),
        ("waitlisted", False),
        ("trainer", True),
        ("coordinator", True),
    ],
)
def test_join_url_only_for_confirmed_trainers_and_coordinators(api, db, viewer, sees_link):
    link = "https://meet.example.org/safeguarding-week"
    session = factories.SessionFactory(capacity=1, delivery="online", venue=None, join_url=link)
    trainer = factories.UserFactory()
    session.trainers.add(trainer)
    confirmed, waitlisted = factories.UserFactory(), factories.UserFactory()
    book_session(session, person=confirmed)
    book_session(session, person=waitlisted)
    users = {
        "anonymous": None,
        "practitioner": factories.UserFactory(),
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "trainer": trainer,
        "coordinator": factories.CoordinatorFactory(),
    }
    client = api(users[viewer])

    detail = client.get(f"/api/v1/sessions/{session.pk}/").json()
    listed = client.get("/api/v1/sessions/").json()["results"][0]

    assert detail.get("join_url") == (link if sees_link else None)
    assert listed.get("join_url") == (link if sees_link else None)


def test_session_list_hides_ended_sessions_unless_a_range_is_asked(api, db):
    now = timezone.now()
    ended = factories.SessionFactory(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-2)
    )
    running = factories.SessionFactory(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    coming = factories.SessionFactory()
    client = api()

    assert ids(client.get("/api/v1/sessions/")) == [running.pk, coming.pk]
    since = (now - timedelta(days=3)).isoformat()
    assert ids(client.get("/api/v1/sessions/", {"starts_after": since})) == [
        ended.pk,
        running.pk,
        coming.pk,
    ]


def test_session_list_filters(api, db):
    theme = factories.ThemeFactory(slug="cumulative-harm")
    week = factories.ProgrammeFactory(slug="awareness-week")
    themed = factories.SessionFactory(event__programme=week, delivery="online", venue=None)
    themed.event.themes.add(theme)
    full = factories.SessionFactory(
        capacity=1, starts_at=next_week_at(15), ends_at=next_week_at(16)
    )
    book_session(full, person=factories.UserFactory())
    client = api()

    assert ids(client.get("/api/v1/sessions/?theme=cumulative-harm")) == [themed.pk]
    assert ids(client.get("/api/v1/sessions/?programme=awareness-week")) == [themed.pk]
    assert ids(client.get(f"/api/v1/sessions/?event={full.event.slug}")) == [full.pk]
    assert ids(client.get("/api/v1/sessions/?delivery=online")) == [themed.pk]
    assert ids(client.get("/api/v1/sessions/?available=true")) == [themed.pk]
    assert ids(client.get("/api/v1/sessions/?available=false")) == [full.pk]
    assert ids(client.get("/api/v1/sessions/?theme=no-such-theme")) == []


def test_unpublished_programmes_are_for_coordinators(api, db, coordinator):
    hidden = factories.SessionFactory(event__programme__published=False)
    shown = factories.SessionFactory()

    assert ids(api(factories.UserFactory()).get("/api/v1/sessions/")) == [shown.pk]
    assert ids(api(coordinator).get("/api/v1/sessions/")) == [hidden.pk, shown.pk]
    assert api().get(f"/api/v1/programmes/{hidden.event.programme.slug}/").status_code == 404
    assert api().get(f"/api/v1/events/{hidden.event.slug}/").status_code == 404


def test_pagination_shape_and_page_size_cap(api, db):
    event = factories.EventFactory()
    factories.SessionFactory.create_batch(3, event=event)

    body = api().get("/api/v1/sessions/?page_size=2").json()

    assert (body["count"], len(body["results"]), body["previous"]) == (3, 2, None)
    assert body["next"] == "http://testserver/api/v1/sessions/?page=2&page_size=2"
    assert api().get("/api/v1/sessions/?page_size=1000").json()["count"] == 3


def test_booking_waitlists_with_position_when_full(api, db):
    session = factories.SessionFactory(capacity=1)
    book_session(session, person=factories.UserFactory())
    book_session(session, person=factories.UserFactory())

    response = api(factories.UserFactory()).post(
        f"/api/v1/sessions/{session.pk}/bookings/", {"access_needs": "Hearing loop"}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "session": session.pk,
        "status": "waitlisted",
        "waitlist_position": 2,
    }
    booking = Booking.objects.get(pk=response.json()["id"])
    assert (booking.source, booking.access_needs) == ("api", "Hearing loop")


def test_coordinator_sees_all_bookings_and_a_practitioner_their_own(api, session, coordinator):
    mine = book_session(session, person=factories.UserFactory())
    theirs = book_session(session, person=factories.UserFactory())

    assert [b["id"] for b in api(mine.person).get("/api/v1/bookings/").json()["results"]] == [
        mine.pk
    ]
    assert {b["id"] for b in api(coordinator).get("/api/v1/bookings/").json()["results"]} == {
        mine.pk,
        theirs.pk,
    }


def test_attendee_list_and_csv(api, session, trainer):
    person = factories.UserFactory(
        full_name="=Ada Example",
        job_title="Health Visitor",
        organisation=factories.OrganisationFactory(name="County Durham NHS"),
    )
    book_session(session, person=person, access_needs="Step-free access")
    client = api(trainer)

    listed = client.get(f"/api/v1/sessions/{session.pk}/attendees/").json()["results"]
    sheet = client.get(f"/api/v1/sessions/{session.pk}/attendees/?format=csv")
    by_accept = client.get(f"/api/v1/sessions/{session.pk}/attendees/", HTTP_ACCEPT="text/csv")

    assert [(a["full_name"], a["organisation"], a["status"]) for a in listed] == [
        ("=Ada Example", "County Durham NHS", "confirmed")
    ]
    assert sheet["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        sheet["Content-Disposition"] == f'attachment; filename="session-{session.pk}-attendees.csv"'
    )
    header, *rows = csv.reader(io.StringIO(sheet.content.decode()))
    assert header == [
        "Name",
        "Job title",
        "Organisation",
        "Status",
        "Waitlist position",
        "Attendance",
        "Access needs",
    ]
    # A name starting with "=" is quoted so that a spreadsheet does not run it.
    assert rows == [
        [
            "'=Ada Example",
            "Health Visitor",
            "County Durham NHS",
            "confirmed",
            "",
            "unmarked",
            "Step-free access",
        ]
    ]
    assert by_accept.content == sheet.content


def test_coordinator_creates_a_session(api, coordinator, trainer, db):
    event = factories.EventFactory()
    venue = factories.VenueFactory()

    response = api(coordinator).post(
        "/api/v1/sessions/",
        {
            "event": event.pk,
            "starts_at": "2030-07-12T12:00:00+01:00",
            "ends_at": "2030-07-12T14:30:00+01:00",
            "venue": venue.pk,
            "capacity": 30,
            "trainers": [trainer.pk],
        },
        format="json",
    )

    assert response.status_code == 201
    session = Session.objects.get(pk=response.json()["id"])
    assert (session.delivery, session.waitlist_enabled, session.capacity) == ("in_person", True, 30)
    assert list(session.trainers.all()) == [trainer]
    assert response.json()["starts_at"] == "2030-07-12T12:00:00+01:00"


def test_moving_a_session_bumps_sequences(api, session, coordinator):
    booking = book_session(session, person=factories.UserFactory())
    new_start = session.starts_at + timedelta(days=1)

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/",
        {
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + timedelta(hours=2)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 200
    session.refresh_from_db()
    booking.refresh_from_db()
    assert (session.starts_at, session.sequence, booking.ical_sequence) == (new_start, 1, 1)


def test_raising_capacity_promotes_the_waitlist(api, db, coordinator):
    session = factories.SessionFactory(capacity=1)
    book_session(session, person=factories.UserFactory())
    waiting = book_session(session, person=factories.UserFactory())

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/", {"capacity": 2}, format="json"
    )

    assert (response.json()["confirmed_count"], response.json()["waitlist_length"]) == (2, 0)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_changing_trainers(api, session, coordinator, trainer):
    new_trainer = factories.UserFactory(full_name="Nina Trainer")

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/", {"trainers": [new_trainer.pk]}, format="json"
    )

    assert response.json()["trainers"] == [{"id": new_trainer.pk, "full_name": "Nina Trainer"}]
    assert session.sequence == 0


def test_cancelling_a_session_cancels_its_bookings(api, session, coordinator):
    booking = book_session(session, person=factories.UserFactory())

    response = api(coordinator).post(
        f"/api/v1/sessions/{session.pk}/cancel/",
        {"reason": "The trainer is unwell."},
        format="json",
    )

    assert (response.json()["status"], response.json()["cancellation_reason"]) == (
        "cancelled",
        "The trainer is unwell.",
    )
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_cancelling_a_session_needs_a_reason(api, session, coordinator):
    response = api(coordinator).post(f"/api/v1/sessions/{session.pk}/cancel/", {}, format="json")

    assert response.json()["errors"] == {"reason": ["This field is required."]}


def test_me_for_a_trainer(api, session, trainer):
    body = api(trainer).get("/api/v1/me/").json()

    assert body["roles"] == ["practitioner", "trainer"]
    assert body["calendar_feed_url"] == f"http://testserver/calendar/me/{trainer.feed_token}.ics"
    assert (
        body["trainer_feed_url"] == f"http://testserver/calendar/trainer/{trainer.feed_token}.ics"
    )


def test_me_for_a_practitioner_has_no_trainer_feed(api, person):
    body = api(person).get("/api/v1/me/").json()

    assert body == {
        "id": person.pk,
        "email": person.email,
        "full_name": person.full_name,
        "job_title": "Social Worker",
        "organisation": {
            "id": person.organisation.pk,
            "name": person.organisation.name,
            "sector": "childrens_social_care",
        },
        "roles": ["practitioner"],
        "calendar_feed_url": f"http://testserver/calendar/me/{person.feed_token}.ics",
    }


def test_website_session_needs_csrf_for_writes(db, session, person):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(person)

    assert client.get("/api/v1/me/").status_code == 200
    response = client.post(f"/api/v1/sessions/{session.pk}/bookings/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]


def test_attendee_list_shows_the_queue_in_order(api, db, coordinator):
    session = factories.SessionFactory(capacity=1)
    people = [
        factories.UserFactory(full_name=name) for name in ("Zoe A", "Yan B", "Xia C", "Will D")
    ]
    for person in people:
        book_session(session, person=person)

    rows = api(coordinator).get(f"/api/v1/sessions/{session.pk}/attendees/").json()["results"]

    assert [(r["full_name"], r["status"], r["waitlist_position"]) for r in rows] == [
        ("Zoe A", "confirmed", None),
        ("Yan B", "waitlisted", 1),
        ("Xia C", "waitlisted", 2),
        ("Will D", "waitlisted", 3),
    ]


def test_token_use_is_recorded_at_most_hourly(api, person):
    client = api(person)
    client.get("/api/v1/me/")
    first_use = ApiToken.objects.get(user=person).last_used_at

    client.get("/api/v1/me/")

    assert first_use is not None
    assert ApiToken.objects.get(user=person).last_used_at == first_use
