"""A lost database connection is a 503 the client can retry, on pages and in the API."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper

from convene.middleware import DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refuse(self, sql, params=None):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)


@pytest.mark.usefixtures("database_down")
def test_page_answers_503_with_retry_after(client):
    response = client.get("/sessions/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "no-cache" in response["Cache-Control"]
    assert b"Nothing was changed." in response.content
    assert "Content-Security-Policy" in response


@pytest.mark.usefixtures("database_down")
def test_api_answers_503_json_with_retry_after(client):
    response = client.get("/api/v1/sessions/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "code": "service_unavailable",
        "detail": "The service is briefly unavailable. Please try again in a moment.",
    }


def test_other_errors_are_left_to_the_500_handler(rf):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)

    assert middleware.process_exception(rf.get("/sessions/"), ZeroDivisionError()) is None
