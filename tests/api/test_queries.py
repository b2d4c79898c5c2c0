"""Constant query counts: lists cost the same for 5 rows as for 60.

Each client makes one request before the measured one, so the token's hourly
``last_used_at`` write is not counted.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.services import book_session
from tests import factories
from tests.conftest import uses_postgres
from webhooks.subscriptions import subscribed_types

SIZES = [5, 60]


def warm(client, url):
    assert client.get(url).status_code == 200


@pytest.fixture
def viewer(api, db):
    person = factories.UserFactory()
    return person, api(person)


@pytest.mark.parametrize("rows", SIZES)
def test_session_list_queries_anonymous(api, db, django_assert_num_queries, rows):
    event = factories.EventFactory()
    for _ in range(rows):
        factories.SessionFactory(event=event).trainers.add(factories.UserFactory())
    client = api()

    # count, page, themes, trainers
    with django_assert_num_queries(4):
        response = client.get("/api/v1/sessions/?page_size=100")

    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", SIZES)
def test_session_list_queries_signed_in(viewer, django_assert_num_queries, rows):
    person, client = viewer
    event = factories.EventFactory()
    for _ in range(rows):
        session = factories.SessionFactory(event=event)
        book_session(session, person=person, allow_conflict=True)  # all at one time
    warm(client, "/api/v1/me/")

    # token, coordinator?, count, page (with "trainer of?" and "booked?"), themes, trainers
    with django_assert_num_queries(6):
        response = client.get("/api/v1/sessions/?page_size=100")

    assert len(response.json()["results"]) == rows


def test_session_list_counts_bookings_only_for_the_sessions_it_returns(api, db):
    """Places are counted per returned session, so neither the pagination count nor the page
    aggregates every booking in the database (a join with GROUP BY did: 100 ms a page with
    115,000 bookings in the benchmark)."""
    full, empty = factories.SessionFactory(capacity=1), factories.SessionFactory(capacity=3)
    book_session(full, person=factories.UserFactory())
    book_session(full, person=factories.UserFactory())  # waitlisted

    with CaptureQueriesContext(connection) as queries:
        response = api().get("/api/v1/sessions/")

    count_sql, page_sql = (query["sql"] for query in queries.captured_queries[:2])
    assert "COUNT(*)" in count_sql
    assert "booking_booking" not in count_sql
    assert "GROUP BY" not in page_sql
    availability = {
        row["id"]: (row["confirmed_count"], row["waitlist_length"], row["places_left"])
        for row in response.json()["results"]
    }
    assert availability == {full.pk: (1, 1, 0), empty.pk: (0, 0, 3)}


@pytest.mark.parametrize("trainers", [1, 5])
def test_session_detail_queries(api, db, django_assert_num_queries, trainers):
    session = factories.SessionFactory()
    session.trainers.add(*factories.UserFactory.create_batch(trainers))
    session.event.themes.add(*factories.ThemeFactory.create_batch(trainers))

    # session with availability, themes, trainers
    with django_assert_num_queries(3):
        response = api().get(f"/api/v1/sessions/{session.pk}/")

    assert len(response.json()["trainers"]) == trainers


@pytest.mark.parametrize("rows", SIZES)
def test_booking_list_queries(viewer, django_assert_num_queries, rows):
    person, client = viewer
    event = factories.EventFactory()
    for index in range(rows):
        session = factories.SessionFactory(event=event, capacity=1)
        if index % 2:  # every other booking waits behind someone else
            book_session(session, person=factories.UserFactory())
        book_session(session, person=person, allow_conflict=True)  # all at one time
    warm(client, "/api/v1/me/")

    # token, coordinator?, count, page (with waitlist positions)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/bookings/?page_size=100")

    assert response.json()["count"] == rows
    assert {b["waitlist_position"] for b in response.json()["results"]} == {None, 1}


def fill(session, rows):
    for _ in range(rows):
        book_session(session, person=factories.UserFactory())


@pytest.mark.parametrize("rows", SIZES)
def test_attendee_list_queries_for_trainer(api, session, trainer, django_assert_num_queries, rows):
    fill(session, rows)
    client = api(trainer)
    warm(client, "/api/v1/me/")

    # token, session (with "trainer of?"), count, page
    with django_assert_num_queries(4):
        response = client.get(f"/api/v1/sessions/{session.pk}/attendees/?page_size=100")

    assert response.json()["count"] == rows
    # CSV: token, session, every row (no count)
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/sessions/{session.pk}/attendees/?format=csv")
    assert len(response.content.decode().splitlines()) == rows + 1


@pytest.mark.parametrize("rows", SIZES)
def test_attendee_list_queries_for_coordinator(
    api, session, coordinator, django_assert_num_queries, rows
):
    fill(session, rows)
    client = api(coordinator)
    warm(client, "/api/v1/me/")

    # token, session (with "trainer of?"), coordinator?, count, page
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/sessions/{session.pk}/attendees/?page_size=100")

    assert response.json()["count"] == rows


@pytest.mark.django_db(transaction=True)
def test_booking_request_queries(api):
    """A booking with an Idempotency-Key, as production runs it (no test savepoints)."""
    session = factories.SessionFactory(capacity=1)
    book_session(session, person=factories.UserFactory())
    client = api(factories.UserFactory())
    warm(client, "/api/v1/me/")

    # The message is handed to notifications as one task row inside the booking's transaction
    # (rendering it is the background task's work, not the request's).
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/v1/sessions/{session.pk}/bookings/",
            {},
            format="json",
            HTTP_IDEMPOTENCY_KEY="9b2f6c1e-booking",
        )

    assert response.status_code == 201
    assert response.json()["waitlist_position"] == 1
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    # token, idempotency lookup; then one transaction: the service's savepoint, the session
    # lock (PostgreSQL), the read of the session with its counts, the booking with its message
    # task (one statement on PostgreSQL), and the idempotency record, so all commit or none does.
    booking_insert = ["WITH"] if uses_postgres() else ["INSERT", "INSERT"]
    assert statements == [
        token_lookup(),
        "SELECT",
        "BEGIN",
        "SAVEPOINT",
        *(["SELECT"] if uses_postgres() else []),
        "SELECT",
        *booking_insert,
        "RELEASE",
        "INSERT",
        "COMMIT",
    ]
    sql = [query["sql"] for query in queries.captured_queries]
    assert 'INTO "django_tasks_database_dbtaskresult"' in sql[-4 - (not uses_postgres())]
    assert 'INTO "booking_booking"' in sql[-4]


def token_lookup() -> str:
    """The token lookup's first word: on PostgreSQL it carries the hourly last-used write."""
    return "WITH" if uses_postgres() else "SELECT"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("first_use", [False, True])
def test_booking_request_without_key_is_at_most_six_statements(api, full, first_use):
    """The whole booking request, authentication, BEGIN and COMMIT included: six statements.

    Every statement between the lock and the COMMIT is a round trip that every other booking
    for the session waits for (docs/performance.md), so the lock and the read are the only
    statements before the one INSERT. A token's first request records its use in the lookup's
    own statement on PostgreSQL (SQLite adds an UPDATE: seven there).
    """
    session = factories.SessionFactory(capacity=1)
    if full:
        book_session(session, person=factories.UserFactory())
    client = api(factories.UserFactory())
    if not first_use:
        warm(client, "/api/v1/me/")
    subscribed_types()  # which webhook events are wanted: cached, as after any earlier change

    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/sessions/{session.pk}/bookings/", {}, format="json")

    assert response.status_code == 201
    assert response.json()["status"] == ("waitlisted" if full else "confirmed")
    sql = [query["sql"] for query in queries.captured_queries]
    if first_use and not uses_postgres():
        assert sql.pop(1).startswith('UPDATE "accounts_apitoken"')
    assert len(sql) <= 6, sql
    # No hidden "SELECT 1" health check on the driver's cursor, outside what is counted.
    assert not connection.health_check_enabled
    if uses_postgres():
        assert [s.split()[0] for s in sql] == [
            "WITH",
            "BEGIN",
            "SELECT",
            "SELECT",
            "WITH",
            "COMMIT",
        ]
        assert sql[2].endswith('FOR UPDATE OF "events_session"')
        assert "JOIN" not in sql[2]  # the session row alone is locked and read
        assert 'INTO "django_tasks_database_dbtaskresult"' in sql[4]
        assert 'INTO "booking_booking"' in sql[4]
    else:
        assert [s.split()[0] for s in sql] == [
            "SELECT",
            "BEGIN",
            "SELECT",
            "INSERT",
            "INSERT",
            "COMMIT",
        ]
