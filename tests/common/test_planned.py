"""On PostgreSQL the booking path's statements are planned once per connection (prepared on
the server), and still counted like any query; elsewhere they run as any query does."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.services import book_session
from common.sql import planned_cursor
from tests.conftest import uses_postgres
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
def test_the_booking_statements_are_prepared_once_and_counted():
    session = SessionFactory(capacity=1)
    book_session(session, person=UserFactory())

    person = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        book_session(session, person=person)  # waitlisted: the same statements

    statements = prepared_statements()
    assert any("FOR UPDATE" in s for s in statements)
    assert any('AS "confirmed_places"' in s for s in statements)
    assert any(
        s.startswith('WITH r0 AS (INSERT INTO "django_tasks_database_dbtaskresult"')
        for s in statements
    )
    # Prepared once per connection, however often it runs: psycopg keys a statement by its
    # text and parameter types, and a confirmed and a waitlisted place put NULL in different
    # columns of the INSERT, so that one is prepared at most twice.
    inserts = [s for s in statements if s.startswith("WITH r0")]
    assert len(statements) - len(inserts) == len(set(statements) - set(inserts)) == 2
    assert 1 <= len(inserts) <= 2
    assert len([q for q in queries if "SAVEPOINT" not in q["sql"]]) == 3


def test_a_planned_cursor_runs_parameters_like_any_cursor():
    with planned_cursor(connection) as cursor:
        cursor.execute("SELECT %s + %s, %s", [2, 3, "a%b"])
        assert cursor.fetchone() == (5, "a%b")
    if uses_postgres():
        assert "SELECT $1 + $2, $3" in prepared_statements()
