import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_with_the_database_up(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refuse(self, sql, params=None):
        raise DatabaseError("connection refused")

    # Storage errors come from the driver; the view must turn them into a 503, not a 500.
    monkeypatch.setattr(CursorWrapper, "execute", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_healthz_needs_no_sign_in_and_refuses_writes(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
