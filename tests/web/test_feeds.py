"""The calendar feeds over HTTP: what each shows, to whom, and how clients revalidate them."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from accounts.services import renew_feed_token
from booking.models import Booking
from booking.services import book_session, cancel_booking, cancel_session, update_session
from events.models import Session
from tests import ical_readers
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

NOW = datetime(2021, 6, 1, 9, 0, tzinfo=UTC)
JOIN_URL = "https://meet.example.org/awareness-week-5f2c"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def week(now, person, trainer, coordinator):
    """Awareness Week 2021 (one in-person, one online session) and a second programme."""
    theme = ThemeFactory(slug="voice-of-the-child", title="Voice and Lived Experience of the Child")
    programme = ProgrammeFactory(slug="awareness-week-2021", title="Awareness Week 2021")
    event = EventFactory(programme=programme, title="Hearing the child")
    event.themes.add(theme)
    in_person = SessionFactory(
        event=event, starts_at=local(2021, 7, 12, 12), ends_at=local(2021, 7, 12, 14, 30)
    )
    online = SessionFactory(
        event=event,
        starts_at=local(2022, 1, 12, 12),
        ends_at=local(2022, 1, 12, 14, 30),
        delivery=Session.Delivery.ONLINE,
        venue=None,
        join_url=JOIN_URL,
        capacity=1,
    )
    for session in (in_person, online):
        session.trainers.add(trainer)
    later = EventFactory(programme=ProgrammeFactory(slug="training-2024-2030"))
    for start in (local(2024, 7, 15, 9, 30), local(2027, 1, 12, 12), local(2030, 7, 15, 12)):
        SessionFactory(event=later, starts_at=start, ends_at=start + timedelta(hours=2))
    book_session(online, person=person, now=now)
    return SimpleNamespace(
        theme=theme,
        programme=programme,
        in_person=in_person,
        online=online,
        person=person,
        trainer=trainer,
        coordinator=coordinator,
    )


def feed_urls(week) -> dict[str, str]:
    return {
        "sessions": reverse("calendar:sessions"),
        "programme": reverse("calendar:programme", args=[week.programme.slug]),
        "theme": reverse("calendar:theme", args=[week.theme.slug]),
        "personal": personal_url(week.person),
        "trainer": reverse("calendar:trainer", args=[week.trainer.feed_token]),
        "session": reverse("events:session_calendar", args=[week.online.pk]),
    }


def personal_url(person) -> str:
    return reverse("calendar:personal", args=[person.feed_token])


def vevents(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def session_uid(session) -> str:
    return f"{session.uid}@{settings.SITE_DOMAIN}"


def booking_uid(booking) -> str:
    return f"booking-{booking.ical_uid}@{settings.SITE_DOMAIN}"


SUMMER_2021 = (utc(2021, 7, 12, 11), utc(2021, 7, 12, 13, 30))
WINTER_2022 = (utc(2022, 1, 12, 12), utc(2022, 1, 12, 14, 30))
LATER = [
    (utc(2024, 7, 15, 8, 30), utc(2024, 7, 15, 10, 30)),
    (utc(2027, 1, 12, 12), utc(2027, 1, 12, 14)),
    (utc(2030, 7, 15, 11), utc(2030, 7, 15, 13)),
]
EXPECTED_INSTANTS = {
    "sessions": [SUMMER_2021, WINTER_2022, *LATER],
    "programme": [SUMMER_2021, WINTER_2022],
    "theme": [SUMMER_2021, WINTER_2022],
    "personal": [WINTER_2022],
    "trainer": [SUMMER_2021, WINTER_2022],
    "session": [WINTER_2022],
}


@pytest.mark.parametrize("reader", ical_readers.READERS)
@pytest.mark.parametrize("feed", EXPECTED_INSTANTS)
def test_every_reader_reads_every_feed_at_the_same_utc_instants(
    client, week, feed, reader, tmp_path
):
    response = client.get(feed_urls(week)[feed])

    instants = ical_readers.READERS[reader](response.content, tmp_path)

    assert instants == ical_readers.read_with_icalendar(response.content)
    assert sorted(instants.values()) == EXPECTED_INSTANTS[feed]


@pytest.mark.parametrize(
    ("feed", "filename", "cache_control"),
    [
        ("sessions", "sessions.ics", "public, max-age=900"),
        ("programme", "awareness-week-2021.ics", "public, max-age=900"),
        ("theme", "voice-of-the-child.ics", "public, max-age=900"),
        ("personal", "my-bookings.ics", "private, no-cache"),
        ("trainer", "my-training-sessions.ics", "private, no-cache"),
    ],
)
def test_feed_http_headers_suit_subscriptions(client, week, feed, filename, cache_control):
    response = client.get(feed_urls(week)[feed])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Cache-Control"] == cache_control
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"] == "Tue, 01 Jun 2021 09:00:00 GMT"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    for line in (
        b"METHOD:PUBLISH",
        b"CALSCALE:GREGORIAN",
        b"X-WR-TIMEZONE:Europe/London",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
        b"TZID:Europe/London",
    ):
        assert b"\r\n" + line + b"\r\n" in response.content


@pytest.mark.parametrize(
    ("feed", "name"),
    [
        ("sessions", "Durham Safeguarding Children Partnership: training"),
        ("programme", "Awareness Week 2021"),
        ("theme", "Voice and Lived Experience of the Child: training"),
        ("personal", "My training bookings"),
        ("trainer", "Sessions I train"),
    ],
)
def test_feed_names_itself(client, week, feed, name, settings):
    settings.PARTNERSHIP_NAME = "Durham Safeguarding Children Partnership"

    calendar = icalendar.Calendar.from_ical(client.get(feed_urls(week)[feed]).content)

    assert str(calendar["X-WR-CALNAME"]) == name


def test_single_session_download(client, week):
    response = client.get(feed_urls(week)["session"])

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{week.online.event.slug}-2022-01-12-1200.ics"'
    )
    assert list(vevents(response)) == [session_uid(week.online)]
    assert b"X-WR-CALNAME" not in response.content


def test_single_session_of_an_unpublished_programme_is_not_found(client, now):
    session = SessionFactory(event=EventFactory(programme=ProgrammeFactory(published=False)))

    response = client.get(reverse("events:session_calendar", args=[session.pk]))

    assert response.status_code == 404


def test_public_event_fields(client, week):
    event = vevents(client.get(feed_urls(week)["sessions"]))[session_uid(week.in_person)]
    page = f"{settings.SITE_URL}/sessions/{week.in_person.pk}/"

    assert str(event["summary"]) == "Hearing the child"
    assert str(event["url"]) == page
    assert str(event["description"]) == f"A multi-agency course.\n\nDetails: {page}"
    assert str(event["location"]) == "County Hall, Aykley Heads, Durham, DH1 5UL"
    assert event["categories"].cats == ["Voice and Lived Experience of the Child"]
    assert str(event["status"]) == "CONFIRMED"
    assert event["sequence"] == 0
    assert event["dtstart"].params["TZID"] == "Europe/London"


def test_programme_and_theme_feeds_show_only_their_sessions(client, week):
    expected = {session_uid(week.in_person), session_uid(week.online)}

    assert set(vevents(client.get(feed_urls(week)["programme"]))) == expected
    assert set(vevents(client.get(feed_urls(week)["theme"]))) == expected
    assert len(vevents(client.get(feed_urls(week)["sessions"]))) == 5


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/programmes/no-such-programme.ics",
        "/calendar/themes/no-such-theme.ics",
        "/sessions/999999/calendar.ics",
    ],
)
def test_unknown_feeds_are_not_found(client, week, url):
    assert client.get(url).status_code == 404


def test_unpublished_programme_has_no_feed_and_its_sessions_stay_out(client, week):
    draft = ProgrammeFactory(slug="draft-2022", published=False)
    SessionFactory(event=EventFactory(programme=draft))

    assert client.get(reverse("calendar:programme", args=["draft-2022"])).status_code == 404
    assert len(vevents(client.get(feed_urls(week)["sessions"]))) == 5


def test_feeds_reach_back_90_days(client, now):
    old = SessionFactory(starts_at=local(2021, 3, 2, 12), ends_at=local(2021, 3, 2, 14))
    recent = SessionFactory(starts_at=local(2021, 3, 4, 12), ends_at=local(2021, 3, 4, 14))

    uids = set(vevents(client.get(reverse("calendar:sessions"))))

    assert uids == {session_uid(recent)}
    assert session_uid(old) not in uids


def test_cancelled_session_stays_90_days_as_cancelled(client, week):
    cancel_session(week.online, by=week.coordinator, reason="Trainer unwell.")

    event = vevents(client.get(feed_urls(week)["sessions"]))[session_uid(week.online)]
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 1
    assert str(event["description"]).startswith("Cancelled: Trainer unwell.")

    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        later = vevents(client.get(feed_urls(week)["sessions"]))
    assert session_uid(week.online) not in later
    assert len(later) == 4


def test_moved_session_keeps_its_uid_with_a_higher_sequence(client, week):
    moved = local(2022, 1, 19, 13)
    update_session(
        week.online, by=week.coordinator, starts_at=moved, ends_at=moved + timedelta(hours=2)
    )

    public = vevents(client.get(feed_urls(week)["sessions"]))[session_uid(week.online)]
    booking = Booking.objects.get(session=week.online, person=week.person)
    personal = vevents(client.get(feed_urls(week)["personal"]))

    assert public["sequence"] == 1
    assert public.decoded("dtstart").astimezone(UTC) == utc(2022, 1, 19, 13)
    assert list(personal) == [booking_uid(booking)]
    assert personal[booking_uid(booking)]["sequence"] == 1
    assert personal[booking_uid(booking)].decoded("dtend").astimezone(UTC) == utc(2022, 1, 19, 15)


def test_cancelled_session_is_cancelled_in_the_personal_feed(client, week):
    cancel_session(week.online, by=week.coordinator, reason="Trainer unwell.")
    booking = Booking.objects.get(session=week.online, person=week.person)

    event = vevents(client.get(feed_urls(week)["personal"]))[booking_uid(booking)]

    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 1
    assert JOIN_URL not in event.to_ical().decode()


def test_cancelled_booking_stays_in_the_personal_feed_as_cancelled(client, week):
    booking = Booking.objects.get(session=week.online, person=week.person)
    cancel_booking(booking, by=week.person)

    event = vevents(client.get(feed_urls(week)["personal"]))[booking_uid(booking)]

    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 1
    assert JOIN_URL not in event.to_ical().decode()


@pytest.mark.parametrize("feed", ["sessions", "programme", "theme", "session"])
def test_public_feeds_never_contain_the_joining_link(client, week, feed):
    response = client.get(feed_urls(week)[feed])

    assert response.status_code == 200
    assert JOIN_URL.encode() not in response.content.replace(b"\r\n ", b"")


def test_joining_link_is_in_the_feed_of_a_confirmed_attendee_only(client, week, now):
    waiting = UserFactory()
    book_session(week.online, person=waiting, now=now)

    confirmed_feed = client.get(personal_url(week.person)).content.replace(b"\r\n ", b"")
    (waitlisted_event,) = vevents(client.get(personal_url(waiting))).values()

    assert f"Join online: {JOIN_URL}".encode() in confirmed_feed
    assert str(waitlisted_event["status"]) == "TENTATIVE"
    assert JOIN_URL not in waitlisted_event.to_ical().decode()


def test_trainer_feed_has_joining_link_and_booked_numbers(client, week, now):
    book_session(week.online, person=UserFactory(), now=now)

    events = vevents(client.get(feed_urls(week)["trainer"]))

    assert set(events) == {session_uid(week.in_person), session_uid(week.online)}
    description = str(events[session_uid(week.online)]["description"])
    assert f"Join online: {JOIN_URL}" in description
    assert description.endswith("Booked: 1 of 1 places, 1 on the waitlist")
    assert str(events[session_uid(week.in_person)]["description"]).endswith(
        "Booked: 0 of 10 places"
    )


@pytest.mark.parametrize("feed", ["calendar:personal", "calendar:trainer"])
def test_renewed_token_revokes_the_old_feed_url(client, week, feed):
    old = reverse(feed, args=[week.trainer.feed_token])
    assert client.get(old).status_code == 200

    new_token = renew_feed_token(week.trainer)

    assert client.get(old).status_code == 404
    assert client.get(reverse(feed, args=[new_token])).status_code == 200


@pytest.mark.parametrize("token", ["x", "a" * 43])
def test_unknown_token_is_not_found(client, week, token):
    assert client.get(reverse("calendar:personal", args=[token])).status_code == 404


def test_feed_of_a_deactivated_person_is_not_found(client, week):
    week.person.is_active = False
    week.person.save(update_fields=["is_active"])

    assert client.get(personal_url(week.person)).status_code == 404


@pytest.mark.parametrize(
    "feed", ["sessions", "programme", "theme", "personal", "trainer", "session"]
)
def test_matching_etag_gets_304(client, week, feed):
    url = feed_urls(week)[feed]
    first = client.get(url)

    again = client.get(url, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == first["Cache-Control"]


def test_if_modified_since_gets_304_until_something_changes(client, week):
    url = feed_urls(week)["sessions"]
    first = client.get(url)
    since = {"If-Modified-Since": first["Last-Modified"]}

    assert client.get(url, headers=since).status_code == 304
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        update_session(week.in_person, by=week.coordinator, notes="Bring a case study.")
        changed = client.get(url, headers=since)

    assert changed.status_code == 200
    assert changed["Last-Modified"] == "Tue, 01 Jun 2021 09:05:00 GMT"


def test_public_etag_changes_with_any_shown_row(client, week):
    url = feed_urls(week)["programme"]
    etags = [client.get(url)["ETag"]]

    for step in range(1, 4):
        with time_machine.travel(NOW + timedelta(minutes=step), tick=False):
            if step == 1:
                week.in_person.event.title = "Hearing the child (renamed)"
                week.in_person.event.save()
            elif step == 2:
                week.in_person.venue.name = "Town Hall"
                week.in_person.venue.save()
            else:
                week.theme.title = "Voice of the Child"
                week.theme.save()
            etags.append(client.get(url)["ETag"])

    assert len(set(etags)) == 4


def personal_etag(client, person) -> str:
    return client.get(personal_url(person))["ETag"]


def test_personal_etag_changes_with_the_persons_bookings_only(client, week, now):
    other = UserFactory()
    etags = [personal_etag(client, week.person)]
    others = [personal_etag(client, other)]
    booking = Booking.objects.get(session=week.online, person=week.person)
    waiting = book_session(week.online, person=other, now=now)  # other person: waitlisted
    etags.append(personal_etag(client, week.person))
    others.append(personal_etag(client, other))

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        cancel_booking(booking, by=week.person)  # promotes the other person
    etags.append(personal_etag(client, week.person))
    others.append(personal_etag(client, other))
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        book_session(week.in_person, person=week.person)
    etags.append(personal_etag(client, week.person))

    assert etags[0] == etags[1]  # someone else joining the waitlist is not our change
    assert len(set(etags)) == 3
    assert len(set(others)) == 3
    assert Booking.objects.get(pk=waiting.pk).status == Booking.Status.CONFIRMED


def test_personal_etag_changes_when_the_session_moves(client, week):
    before = personal_etag(client, week.person)

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        update_session(week.online, by=week.coordinator, join_url=f"{JOIN_URL}-new")

    assert personal_etag(client, week.person) != before
    assert f"{JOIN_URL}-new" in vevents(client.get(personal_url(week.person))).popitem()[
        1
    ].to_ical().decode().replace("\r\n ", "")


def test_trainer_etag_changes_when_someone_books(client, week, now):
    url = feed_urls(week)["trainer"]
    before = client.get(url)["ETag"]

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        book_session(week.in_person, person=UserFactory())

    assert client.get(url)["ETag"] != before


def test_feeds_answer_head_and_refuse_post(client, week):
    url = feed_urls(week)["sessions"]

    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


# Query counts: the same for 10 and 1,000 sessions.


@pytest.fixture
def many_sessions(now, person, trainer):
    """Builds the given number of published sessions over three themed events, all booked by
    ``person`` and trained by ``trainer``."""

    def build(count: int):
        programme = ProgrammeFactory(slug="big-programme")
        theme = ThemeFactory(slug="big-theme")
        events = [EventFactory(programme=programme) for _ in range(3)]
        for event in events:
            event.themes.add(theme, ThemeFactory())
        venue = VenueFactory()
        start = local(2021, 7, 12, 12)
        sessions = Session.objects.bulk_create(
            Session(
                event=events[n % 3],
                venue=venue,
                starts_at=start + timedelta(days=n),
                ends_at=start + timedelta(days=n, hours=2),
                capacity=20,
            )
            for n in range(count)
        )
        Session.trainers.through.objects.bulk_create(
            Session.trainers.through(session=session, user=trainer) for session in sessions
        )
        Booking.objects.bulk_create(
            Booking(session=session, person=person, status=Booking.Status.CONFIRMED, created_at=now)
            for session in sessions
        )
        return SimpleNamespace(programme=programme, theme=theme, sessions=sessions)

    return build


FEED_QUERIES = {
    # the aggregate for the validators, the sessions with their joins, their themes
    "sessions": 3,
    # + the programme or theme itself
    "programme": 4,
    "theme": 4,
    # + the person owning the token; bookings carry their sessions
    "personal": 4,
    "trainer": 4,
}


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("feed", FEED_QUERIES)
def test_feed_query_count_does_not_grow_with_its_size(
    client, many_sessions, person, trainer, django_assert_num_queries, feed, count
):
    big = many_sessions(count)
    url = {
        "sessions": reverse("calendar:sessions"),
        "programme": reverse("calendar:programme", args=[big.programme.slug]),
        "theme": reverse("calendar:theme", args=[big.theme.slug]),
        "personal": personal_url(person),
        "trainer": reverse("calendar:trainer", args=[trainer.feed_token]),
    }[feed]

    with django_assert_num_queries(FEED_QUERIES[feed]):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.count(b"\r\nBEGIN:VEVENT\r\n") == count


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize(("feed", "queries"), [("sessions", 1), ("personal", 2), ("trainer", 2)])
def test_not_modified_costs_one_aggregate(
    client, many_sessions, person, trainer, django_assert_num_queries, feed, queries, count
):
    many_sessions(count)
    url = {
        "sessions": reverse("calendar:sessions"),
        "personal": personal_url(person),
        "trainer": reverse("calendar:trainer", args=[trainer.feed_token]),
    }[feed]
    etag = client.get(url)["ETag"]

    with django_assert_num_queries(queries):
        response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304


@pytest.mark.parametrize("count", [10, 1000])
def test_unchanged_feed_is_served_from_the_cache_after_one_aggregate(
    client, many_sessions, django_assert_num_queries, count
):
    many_sessions(count)
    url = reverse("calendar:sessions")
    first = client.get(url)

    with django_assert_num_queries(1):
        again = client.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_changed_feed_is_built_again(client, week):
    url = feed_urls(week)["personal"]
    client.get(url)

    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        book_session(week.in_person, person=week.person)
        events = vevents(client.get(url))

    assert len(events) == 2


def test_single_session_download_takes_two_queries(client, week, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(feed_urls(week)["session"])

    assert response.status_code == 200
