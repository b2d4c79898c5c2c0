"""The second limit: the minimal whole booking job, on a minimal schema, replayed by pgbench.

Convene's own statements (bench/pgbench.py) say how fast PostgreSQL runs what Convene sends;
this says how fast it runs the least any booking system must send to give the same guarantees:
lock the session row, count its confirmed places, insert the booking, insert one outbox row
(the message, written in the booking's own transaction), commit. The schema is as small as
that job allows: a session with its capacity, a booking with an index on (session, status),
an outbox. It lives in its own PostgreSQL schema of the benchmark database, so it shares the
server, its WAL and its disk with Convene's tables, and nothing else.
"""

import psycopg

from bench.database import connect_kwargs

SCHEMA = "minimal_job"

DDL = f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
CREATE SCHEMA {SCHEMA};
CREATE TABLE {SCHEMA}.session (
    id bigint PRIMARY KEY,
    capacity integer NOT NULL
);
CREATE TABLE {SCHEMA}.booking (
    id bigserial PRIMARY KEY,
    session_id bigint NOT NULL,
    person_id bigint NOT NULL,
    status varchar(16) NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX booking_session_status ON {SCHEMA}.booking (session_id, status);
CREATE TABLE {SCHEMA}.outbox (
    id bigserial PRIMARY KEY,
    booking_id bigint NOT NULL,
    created_at timestamptz NOT NULL
);
"""

# The same variables as Convene's script (bench/pgbench.py), so both walk the same
# session-person pairs: every transaction is a different person on its level's sessions.
SCRIPT = """-- The minimal whole booking job (bench/minimal.py).
\\set n :n + 1
\\set k :offset + :client_id + :n * :clients
\\set session :first_session + (:k % :sessions)
\\set person :first_person + ((:k / :sessions) % :people)
BEGIN;
SELECT capacity FROM minimal_job.session WHERE id = :session FOR UPDATE \\gset
SELECT count(*) AS confirmed FROM minimal_job.booking WHERE session_id = :session AND status = 'confirmed' \\gset
INSERT INTO minimal_job.booking (session_id, person_id, status, created_at) VALUES (:session, :person, CASE WHEN :confirmed < :capacity THEN 'confirmed' ELSE 'waitlisted' END, now()) RETURNING id AS booking \\gset
INSERT INTO minimal_job.outbox (booking_id, created_at) VALUES (:booking, now());
COMMIT;
"""  # noqa: E501 (pgbench reads one statement a line)


def create(database_url: str, *, hot_levels: int, spread_sessions: int, capacity: int) -> dict:
    """Create the minimal schema with one fresh hot session per level and the spread sessions.

    Session ids are contiguous from 1: hot sessions first, then the spread ones.
    """
    hot = list(range(1, hot_levels + 1))
    spread = list(range(hot_levels + 1, hot_levels + 1 + spread_sessions))
    with psycopg.connect(**connect_kwargs(database_url), autocommit=True) as conn:
        conn.execute(DDL)
        conn.execute(
            f"INSERT INTO {SCHEMA}.session (id, capacity) "  # noqa: S608 (our constant)
            "SELECT id, %s FROM generate_series(1, %s) AS id",
            [capacity, hot_levels + spread_sessions],
        )
    return {"hot": hot, "spread": spread}


def overbooked(database_url: str) -> list[str]:
    """Sessions of the minimal schema with more confirmed bookings than places."""
    with psycopg.connect(**connect_kwargs(database_url), autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT s.id, count(*) FROM {SCHEMA}.session s "  # noqa: S608 (our constant)
            f"JOIN {SCHEMA}.booking b ON b.session_id = s.id AND b.status = 'confirmed' "
            "GROUP BY s.id, s.capacity HAVING count(*) > s.capacity"
        ).fetchall()
    return [f"minimal job session {pk}: {count} confirmed" for pk, count in rows]
