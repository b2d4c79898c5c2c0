"""The benchmark's own arithmetic: the pgbench script it derives, percentiles, people shares."""

from bench.load import Outcome, PhaseResult
from bench.pgbench import not_replayed, script_from_sql
from bench.run import PeopleCursor

CAPTURED = [
    "BEGIN",
    'SELECT "events_session"."id", "events_session"."capacity" FROM "events_session" '
    'INNER JOIN "events_event" ON ("events_session"."event_id" = "events_event"."id") '
    'WHERE "events_session"."id" = 41 LIMIT 21 FOR UPDATE OF "events_session"',
    'SELECT COUNT("booking_booking"."id") FILTER (WHERE "booking_booking"."status" = '
    '\'confirmed\') AS "confirmed", COUNT("booking_booking"."id") FILTER (WHERE '
    '("booking_booking"."person_id" = 7 AND NOT ("booking_booking"."status" = '
    '\'cancelled\'))) AS "mine" FROM "booking_booking" WHERE '
    '"booking_booking"."session_id" = 41',
    'INSERT INTO "booking_booking" ("session_id", "person_id", "status", "created_at", '
    '"confirmed_at", "waitlisted_at", "access_needs", "ical_uid") VALUES (41, 7, '
    "'confirmed', '2026-11-25 22:45:04+00:00'::timestamptz, "
    "'2026-11-25 22:45:04+00:00'::timestamptz, NULL, '', "
    '\'8eef37f4e3ed467ca85b33cd857c326d\'::uuid) RETURNING "booking_booking"."id"',
    "COMMIT",
    'INSERT INTO "django_tasks_database_dbtaskresult" ("id") VALUES (1)',
]


def test_script_from_sql_replays_the_transaction_with_variables():
    script = script_from_sql(CAPTURED).splitlines()

    transaction = script[script.index("BEGIN;") :]
    assert transaction[0] == "BEGIN;"
    assert transaction[1].endswith(
        '"events_session"."id" = :session LIMIT 21 FOR UPDATE OF "events_session";'
    )
    assert '"booking_booking"."person_id" = :person' in transaction[2]
    assert transaction[2].endswith('"booking_booking"."session_id" = :session \\gset')
    assert transaction[3] == (
        'INSERT INTO "booking_booking" ("session_id", "person_id", "status", "created_at", '
        '"confirmed_at", "waitlisted_at", "access_needs", "ical_uid") VALUES (:session, :person, '
        "CASE WHEN :confirmed < :capacity THEN 'confirmed' ELSE 'waitlisted' END, "
        "'2026-11-25 22:45:04+00:00'::timestamptz, "
        "CASE WHEN :confirmed < :capacity THEN '2026-11-25 22:45:04+00:00'::timestamptz END, "
        "CASE WHEN :confirmed < :capacity THEN NULL "
        "ELSE '2026-11-25 22:45:04+00:00'::timestamptz END, '', gen_random_uuid()) "
        'RETURNING "booking_booking"."id";'
    )
    assert transaction[4:] == ["COMMIT;"]


def test_not_replayed_lists_the_work_after_commit():
    assert not_replayed(CAPTURED) == [CAPTURED[-1]]


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
