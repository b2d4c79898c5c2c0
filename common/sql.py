"""Statements whose SQL the ORM builds once, and rows written together in one statement.

On the booking path, building a query (joins, select lists, converters) cost the ORM more CPU
than the database took to run it: the API token's owner took 2.4 million instructions of a
10-million-instruction booking request, and the session lock, which every other booking for
the session waits on, cost 1.5 ms to build (docs/performance.md). A ``PreparedQuery`` keeps the
queryset as the one statement of what is read; only the building is done once.
"""

import inspect
from collections.abc import Callable

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

    def first(self, *params, using: str = DEFAULT_DB_ALIAS, **named) -> Model | None:
        if using not in self.compiled:
            self.compiled[using] = self._compile(using)
        model, sql, slots, converters = self.compiled[using]
        if self.names:
            if params or set(named) != set(self.names):
                raise TypeError(f"this query takes the parameters {', '.join(self.names)}")
            params = [named[name] if name is not None else value for name, value in slots]
        elif len(params) != len(slots):
            raise TypeError(f"this query takes {len(slots)} parameters, not {len(params)}")
        instance = next(iter(model._default_manager.raw(sql, params, using=using)), None)
        if instance is not None:
            connection = connections[using]
            for name, (functions, expression) in converters.items():
                value = getattr(instance, name)
                for convert in functions:
                    value = convert(value, expression, connection)
                setattr(instance, name, value)
        return instance

    def _compile(self, using: str) -> tuple:
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
        # A raw query converts the model's own columns; annotations come back as the driver
        # gives them (on SQLite a date is text), so their converters are kept here.
        converters = {}
        for expression, _, alias in compiler.select:
            if alias in queryset.query.annotations:
                found = compiler.get_converters([expression])
                if found:
                    converters[alias] = found[0]
        return queryset.model, sql, slots, converters


_AUTO_FIELDS = (AutoField, BigAutoField, SmallAutoField)


def insert_together(*rows: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT new model instances, on PostgreSQL in one statement, elsewhere one each.

    One statement is one round trip: ``WITH r1 AS (INSERT ...), r2 AS (INSERT ...) INSERT ...
    RETURNING id``. PostgreSQL runs every INSERT of a statement to completion, all or none.
    Only the last row may take its primary key from the database (it is set on the instance);
    the others must carry theirs. As with ``bulk_create``, no ``save()`` and no model signals.
    """
    if not rows:
        return
    connection = connections[using]
    if connection.vendor != "postgresql" or len(rows) == 1:
        for row in rows:
            row.save(force_insert=True, using=using)
        return
    statements, all_params = [], []
    for index, row in enumerate(rows):
        meta = row._meta
        auto_pk = isinstance(meta.pk, _AUTO_FIELDS) and row.pk is None
        if auto_pk and index != len(rows) - 1:
            raise ValueError("only the last row may take its primary key from the database")
        fields = [f for f in meta.local_concrete_fields if not (auto_pk and f.primary_key)]
        query = InsertQuery(row.__class__)
        query.insert_values(fields, [row], raw=False)
        compiler = query.get_compiler(using=using)
        if auto_pk:
            compiler.returning_fields = [meta.pk]
        [(sql, params)] = compiler.as_sql()
        statements.append(sql)
        all_params.extend(params)
    *first, last = statements
    sql = "WITH " + ", ".join(f"r{n} AS ({s})" for n, s in enumerate(first)) + " " + last
    with connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        returned = cursor.fetchone() if cursor.description else None
    if returned is not None:
        rows[-1].pk = returned[0]
    for row in rows:
        row._state.adding = False
        row._state.db = using
