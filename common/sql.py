"""Queries whose SQL the ORM builds once per database, then runs with new parameters.

On the booking path, building a query (joins, select lists, converters) cost the ORM more CPU
than the database took to run it: the API token's owner took 2.4 million instructions of a
10-million-instruction booking request, and the session lock, which every other booking for
the session waits on, cost 1.5 ms to build (docs/performance.md). A ``PreparedQuery`` keeps the
queryset as the one statement of what is read; only the building is done once.
"""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet


class PreparedQuery:
    """``build()`` returns the queryset with stand-in values; ``first(*params)`` runs it.

    The stand-ins become the SQL's parameters, and ``first`` takes the real values in the same
    order. It returns a model instance with the queryset's annotations as attributes (converted
    as the ORM would), or None. No ``select_related``: annotate the related columns you need.
    """

    def __init__(self, build: Callable[[], QuerySet]):
        self.build = build
        self.compiled: dict[str, tuple] = {}

    def first(self, *params, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        if using not in self.compiled:
            self.compiled[using] = self._compile(using)
        model, sql, expected, converters = self.compiled[using]
        if len(params) != expected:
            raise TypeError(f"this query takes {expected} parameters, not {len(params)}")
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
        queryset = self.build()
        compiler = queryset.query.get_compiler(using)
        sql, stand_ins = compiler.as_sql()
        # A raw query converts the model's own columns; annotations come back as the driver
        # gives them (on SQLite a date is text), so their converters are kept here.
        converters = {}
        for expression, _, alias in compiler.select:
            if alias in queryset.query.annotations:
                found = compiler.get_converters([expression])
                if found:
                    converters[alias] = found[0]
        return queryset.model, sql, len(stand_ins), converters
