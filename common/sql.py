"""Statements whose SQL the ORM builds once, and rows written together in one statement.

On the booking path, building a query (joins, select lists, converters) cost the ORM more CPU
than the database took to run it: the API token's owner took 2.4 million instructions of a
10-million-instruction booking request, and the session lock, which every other booking for
the session waits on, cost 1.5 ms to build (docs/performance.md). A ``PreparedQuery`` keeps the
queryset as the one statement of what is read; only the building is done once.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import AutoField, BigAutoField, Model, QuerySet, SmallAutoField
from django.db.models.sql import InsertQuery

# Stand-ins for named parameters: values no real row id or count takes.
_STAND_IN_BASE = -7_340_000


class PreparedQuery:
    """``build()`` returns the queryset with stand-in values; ``first(...)`` runs it.

    Positional: ``build()`` takes no arguments and writes stand-in values (e.g. ``pk=0``) into
    the queryset; they become the SQL's parameters and ``first(*params)`` takes the real values
    in the order they appear in the SQL. Named: ``build(session, person)`` is called with
    stand-in integers, and ``first(session=..., person=...)`` puts each value where its
    stand-in went, wherever the ORM placed it (a name may be used more than once).

    It returns a model instance with the queryset's annotations as attributes (converted as
    the ORM would), or None. No ``select_related``: annotate the related columns you need.
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.names = tuple(inspect.signature(build).parameters)
        self.compiled: dict[str, tuple] = {}

    def exists(self, *params, using: str = DEFAULT_DB_ALIAS, **named) -> bool:
        """Run the query for its effect (a row lock): whether it found a row, no instance."""
        return self._row(params, named, using, ("", ()))[0] is not None

    def first(
        self, *params, using: str = DEFAULT_DB_ALIAS, before: tuple[str, list] = ("", ()), **named
    ) -> Model | None:
        """Run the query; ``before`` is SQL written ahead of it (``WITH w AS (UPDATE ...) ``)
        and that SQL's parameters, for a write that rides in the same statement."""
        row, compiled = self._row(params, named, using, before)
        if row is None:
            return None
        connection = connections[using]
        row = list(row)
        for position, (functions, expression) in compiled.converters:
            for convert in functions:
                row[position] = convert(row[position], expression, connection)
        start, end = compiled.fields
        instance = compiled.model.from_db(using, compiled.attnames, row[start:end])
        for name, position in compiled.annotations:
            setattr(instance, name, row[position])
        return instance

    def _row(self, params, named, using, before) -> tuple[tuple | None, "_Compiled"]:
        if using not in self.compiled:
            self.compiled[using] = self._compile(using)
        compiled = self.compiled[using]
        if self.names:
            if params or set(named) != set(self.names):
                raise TypeError(f"this query takes the parameters {', '.join(self.names)}")
            params = [named[name] if name is not None else value for name, value in compiled.slots]
        elif len(params) != len(compiled.slots):
            raise TypeError(f"this query takes {len(compiled.slots)} parameters, not {len(params)}")
        connection = connections[using]
        # The cursor, not QuerySet.raw(): a raw query asks the driver to describe every column
        # and builds its converters again on each run; here both were done once, below.
        with planned_cursor(connection) as cursor:
            cursor.execute(before[0] + compiled.sql, [*before[1], *params])
            return cursor.fetchone(), compiled

    def _compile(self, using: str) -> "_Compiled":
        stand_ins = {name: _STAND_IN_BASE - n for n, name in enumerate(self.names)}
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(using)
        sql, values = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        # (name, None) for a named parameter, (None, value) for a constant the ORM bound.
        slots = [
            (by_value[value], None) if type(value) is int and value in by_value else (None, value)
            for value in values
        ]
        if self.names and {name for name, _ in slots if name} != set(self.names):
            raise ValueError("every named parameter must appear in the query")
        # What ModelIterable does for each row, worked out once: where the model's columns
        # are, which attributes they fill, where each annotation is, and the converters (on
        # SQLite a date comes back as text).
        select_fields = compiler.klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        attnames = [column[0].target.attname for column in compiler.select[start:end]]
        expressions = [column[0] for column in compiler.select]
        converters = list(compiler.get_converters(expressions).items())
        annotations = list(compiler.annotation_col_map.items())
        return _Compiled(
            queryset.model, sql, slots, converters, (start, end), attnames, annotations
        )


@dataclass(frozen=True)
class _Compiled:
    model: type[Model]
    sql: str
    slots: list[tuple[str | None, object]]
    converters: list[tuple[int, tuple[list, object]]]
    fields: tuple[int, int]
    attnames: list[str]
    annotations: list[tuple[str, int]]


def planned_cursor(connection):
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django binds parameters in the client, so PostgreSQL parses and plans every statement
    afresh: for the booking transaction that was more than half of the database's CPU per
    booking, spent while the session row is locked (docs/performance.md). On PostgreSQL this
    cursor binds on the server and prepares each statement (psycopg names and caches it per
    connection), so a repeated statement costs only its execution. It is Django's own
    server-binding cursor, wrapped as ``connection.cursor()`` wraps any cursor, so queries are
    counted, logged and wrapped as usual. Elsewhere it is ``connection.cursor()``.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    cursor_class, logged_class = _planned_classes()
    with connection.wrap_database_errors:
        cursor = cursor_class(connection.connection)
        connection.validate_thread_sharing()
        if connection.queries_logged:
            return logged_class(cursor, connection)
        return connection.make_cursor(cursor)


@functools.cache
def _planned_classes():
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
    from django.db.backends.utils import CursorWrapper

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    class LoggedCursor(CursorDebugWrapper):
        # Django logs what the driver says it sent, which for a prepared statement is not
        # the SQL; log the statement with its values written in, as for any other query.
        def execute(self, sql, params=None):
            logged = self.db.ops.compose_sql(sql, params) if params else sql
            with self.debug_sql(logged):
                return CursorWrapper.execute(self, sql, params)

    return PreparingCursor, LoggedCursor


_AUTO_FIELDS = (AutoField, BigAutoField, SmallAutoField)


def insert_together(*rows: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT new model instances, on PostgreSQL in one statement, elsewhere one each.

    One statement is one round trip: ``WITH r0 AS (INSERT ...), r1 AS (INSERT ...) INSERT ...
    RETURNING id``. PostgreSQL runs every INSERT of a statement to completion, all or none.
    Only the last row may take its primary key from the database (it is set on the instance);
    the others must carry theirs. As with ``bulk_create``, no ``save()`` and no model signals.
    The statement is built once per combination of models; each call only converts the values
    (``pre_save``, then ``get_db_prep_save``, as the ORM's INSERT does).
    """
    if not rows:
        return
    connection = connections[using]
    if connection.vendor != "postgresql" or len(rows) == 1:
        for row in rows:
            row.save(force_insert=True, using=using)
        return
    auto = [isinstance(row._meta.pk, _AUTO_FIELDS) and row.pk is None for row in rows]
    if any(auto[:-1]):
        raise ValueError("only the last row may take its primary key from the database")
    key = (using, tuple(type(row) for row in rows), auto[-1])
    if key not in _INSERTS:
        _INSERTS[key] = _compile_insert(rows, auto, using)
    sql, fields = _INSERTS[key]
    params = []
    for row, row_fields in zip(rows, fields, strict=True):
        for field in row_fields:
            value = field.pre_save(row, True)
            if value is None:
                # NULL for every field (a JSONField's None too: Value(None) is JSON null), and
                # most of a booking's columns are empty: the conversion below is skipped.
                params.append(None)
                continue
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{field.name}: insert_together takes values, not expressions")
            params.append(field.get_db_prep_save(value, connection=connection))
    with planned_cursor(connection) as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchone() if auto[-1] else None
    if returned is not None:
        rows[-1].pk = returned[0]
    for row in rows:
        row._state.adding = False
        row._state.db = using


_INSERTS: dict[tuple, tuple[str, list[list]]] = {}


def _compile_insert(rows, auto: list[bool], using: str) -> tuple[str, list[list]]:
    statements, fields = [], []
    for row, auto_pk in zip(rows, auto, strict=True):
        meta = row._meta
        row_fields = [f for f in meta.local_concrete_fields if not (auto_pk and f.primary_key)]
        query = InsertQuery(row.__class__)
        query.insert_values(row_fields, [row], raw=False)
        compiler = query.get_compiler(using=using)
        if auto_pk:
            compiler.returning_fields = [meta.pk]
        [(sql, _)] = compiler.as_sql()
        statements.append(sql)
        fields.append(row_fields)
    *first, last = statements
    sql = "WITH " + ", ".join(f"r{n} AS ({s})" for n, s in enumerate(first)) + " " + last
    return sql, fields
