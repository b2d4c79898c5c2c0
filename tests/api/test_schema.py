"""The OpenAPI schema is valid, served offline, and the API keeps to it under fuzzing."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from accounts.services import issue_api_token
from booking.services import book_session
from convene.wsgi import application
from tests import factories


def test_schema_is_valid_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_docs_are_served_without_the_internet(client):
    response = client.get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # the start-up script is a file of its own (CSP-friendly)
    assert "<style>" not in html  # and so are its styles (templates/drf_spectacular/)
    assert "/static/api-docs.css" in html
    assert client.get("/api/docs/?script=").status_code == 200


# Loaded at collection through WSGI (the schema view needs no database). The lazy
# ``schemathesis.pytest.from_fixture`` does not work with pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """Calls go through the real WSGI handler, whose request signals would close the database
    connection (and so the test's transaction on PostgreSQL); Django's test client does the
    same disconnection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def token_for(user) -> str:
    """Some data to find (a session with a trainer, a theme and a waitlist), and a token."""
    session = factories.SessionFactory(capacity=2)
    session.trainers.add(factories.UserFactory())
    session.event.themes.add(factories.ThemeFactory())
    book_session(session, person=user)
    book_session(session, person=factories.UserFactory())
    book_session(session, person=factories.UserFactory())  # waitlisted
    return issue_api_token(user)


@pytest.fixture
def practitioner_token(db):
    return token_for(factories.UserFactory())


@pytest.fixture
def coordinator_token(db):
    return token_for(factories.CoordinatorFactory())


# Left out: JSON Schema cannot say "a date-time between 2000 and 2099" or "an event that
# exists", so a schema-valid request may rightly get a 400; and django-filter reads an empty
# query value (?session=) as "no filter", which the negative check calls accepting bad data.
# Every other check runs: no server errors, documented statuses, content types, headers and
# bodies, authentication required where the schema says so.
EXCLUDED = [positive_data_acceptance, negative_data_rejection]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_api_conforms_to_its_schema_for_a_practitioner(case, practitioner_token):
    case.call_and_validate(headers=bearer(practitioner_token), excluded_checks=EXCLUDED)


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_api_conforms_to_its_schema_for_a_coordinator(case, coordinator_token):
    case.call_and_validate(headers=bearer(coordinator_token), excluded_checks=EXCLUDED)
