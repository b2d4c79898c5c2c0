"""PreparedQuery: the ORM's SQL, built once, run with new parameters, converted as the ORM would."""

from datetime import datetime

import pytest
from django.db.models import F

from accounts.models import User
from common.sql import PreparedQuery
from events.models import Session

pytestmark = pytest.mark.django_db


def _session_with_course_title():
    return Session.objects.annotate(
        course_title=F("event__title"), course_updated_at=F("event__updated_at")
    ).filter(pk=0)


def test_runs_with_the_real_parameter_and_converts_annotations(session):
    query = PreparedQuery(_session_with_course_title)

    found = query.first(session.pk)

    assert found == session
    assert found.starts_at == session.starts_at
    assert found.course_title == session.event.title
    # On SQLite the database gives text for a date; the ORM's converter makes it a datetime.
    assert isinstance(found.course_updated_at, datetime)
    assert found.course_updated_at == session.event.updated_at


def test_no_row_is_none(session):
    assert PreparedQuery(_session_with_course_title).first(session.pk + 1000) is None


def test_the_query_is_built_once(session, person):
    built = []

    def build():
        built.append(1)
        return User.objects.filter(pk=0)

    query = PreparedQuery(build)

    assert query.first(person.pk) == person
    assert query.first(session.trainers.first().pk) is not None
    assert len(built) == 1


def test_the_wrong_number_of_parameters_is_refused(session):
    query = PreparedQuery(_session_with_course_title)

    with pytest.raises(TypeError, match="takes 1 parameters, not 2"):
        query.first(session.pk, session.pk)


def test_exists_runs_the_query_without_building_an_instance(session):
    query = PreparedQuery(lambda: Session.objects.filter(pk=0).only("pk"))

    assert query.exists(session.pk) is True
    assert query.exists(session.pk + 1000) is False


def test_a_none_is_null_for_every_field_insert_together_writes():
    """insert_together writes None as NULL without asking the field: true of every field of
    the rows it writes (a JSONField's None included; JSON null is Value(None))."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from booking.models import Booking

    for model in (Booking, DBTaskResult):
        for field in model._meta.concrete_fields:
            assert field.get_db_prep_save(None, connection=connection) is None, field
