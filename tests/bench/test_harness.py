"""The benchmark's arithmetic: the pgbench script it derives, ratios, percentiles, people."""

# ruff: noqa: S608 (the expected pgbench script is text, not a query run here)
import datetime
import uuid

from bench.load import Outcome, PhaseResult
from bench.pgbench import TIME_ORDERED_UUID as TIME_ORDERED
from bench.pgbench import Captured, script_from_sql
from bench.report import add_ratios
from bench.run import PeopleCursor

NOW = datetime.datetime(2026, 11, 25, 22, 45, 4, tzinfo=datetime.UTC)
BOOKING_INSERT = (
    'INSERT INTO "booking_booking" ("session_id", "person_id", "status", "created_at", '
    '"confirmed_at", "waitlisted_at", "ical_uid") VALUES (%s, %s, %s, %s, %s, %s, %s) '
    'RETURNING "booking_booking"."id"'
)
CAPTURED = Captured(
    session_id=41,
    person_id=7,
    statements=["(as run)"],
    calls=[
        (
            'SELECT "events_session"."id" FROM "events_session" WHERE "events_session"."id" = %s '
            'FOR UPDATE OF "events_session"',
            (41,),
        ),
        (
            'SELECT "events_session"."capacity", (SELECT COUNT(U0."id") FROM "booking_booking" U0 '
            'WHERE U0."session_id" = ("events_session"."id") AND U0."status" = %s) AS '
            '"confirmed_places", EXISTS(SELECT 1 FROM "booking_booking" U1 WHERE U1."person_id" = '
            '%s) AS "already_booked" FROM "events_session" WHERE "events_session"."id" = %s',
            ("confirmed", 7, 41),
        ),
        (
            'WITH r0 AS (INSERT INTO "django_tasks_database_dbtaskresult" ("id", "args_kwargs") '
            "VALUES (%s, %s)) " + BOOKING_INSERT,
            (
                uuid.UUID(int=1),
                '{"ical_uid": "x"}',
                41,
                7,
                "confirmed",
                NOW,
                NOW,
                None,
                uuid.UUID(int=2),
            ),
        ),
    ],
)


def literal(value) -> str:
    return "NULL" if value is None else f"'{value}'"


def test_script_from_sql_replays_every_statement_with_variables():
    script = script_from_sql(CAPTURED, literal).splitlines()

    transaction = script[script.index("BEGIN;") :]
    assert transaction[1] == (
        'SELECT "events_session"."id" FROM "events_session" WHERE "events_session"."id" = '
        ':session FOR UPDATE OF "events_session";'
    )
    assert transaction[2].startswith("SELECT capacity, confirmed_places FROM (SELECT ")
    assert 'U0."status" = \'confirmed\') AS "confirmed_places"' in transaction[2]
    assert 'U1."person_id" = :person) AS "already_booked"' in transaction[2]
    assert transaction[2].endswith('"events_session"."id" = :session) AS booking_state \\gset')
    decision = ":confirmed_places::int < :capacity::int"
    now = f"'{NOW}'"
    assert transaction[3] == (
        'WITH r0 AS (INSERT INTO "django_tasks_database_dbtaskresult" ("id", "args_kwargs") '
        f'VALUES ({TIME_ORDERED}, \'{{"ical_uid": "x"}}\')) '
        'INSERT INTO "booking_booking" ("session_id", "person_id", "status", "created_at", '
        '"confirmed_at", "waitlisted_at", "ical_uid") VALUES (:session, :person, '
        f"CASE WHEN {decision} THEN 'confirmed' ELSE 'waitlisted' END, {now}, "
        f"CASE WHEN {decision} THEN {now} END, CASE WHEN {decision} THEN NULL ELSE {now} END, "
        f'{TIME_ORDERED}) RETURNING "booking_booking"."id";'
    )
    assert transaction[4:] == ["COMMIT;"]


def test_ratios_are_written_into_the_convene_row():
    row = {"rps": 300.0}

    add_ratios(row, {"tps": 600.0}, {"tps": 1200.0})

    assert (row["ratio_to_own_sql"], row["ratio_to_minimal_job"]) == (0.5, 0.25)
    assert row["own_sql_to_minimal_job"] == 0.5


def test_percentile_is_nearest_rank():
    result = PhaseResult(
        clients=1,
        duration=1.0,
        outcomes=[Outcome(201, n / 1000) for n in range(1, 101)],
        taken=100,
        exhausted=False,
    )

    assert (result.percentile(0.5), result.percentile(0.95), result.percentile(0.99)) == (
        50.0,
        95.0,
        99.0,
    )


def test_people_cursor_shares_people_between_phases_without_reuse():
    cursor = PeopleCursor(list(range(10)), phases=3)

    first = cursor.take()
    cursor.used(2)
    second = cursor.take()
    cursor.used(len(second))
    third = cursor.take()

    assert (first, second, third) == ([0, 1, 2], [2, 3, 4, 5], [6, 7, 8, 9])
