"""POST/DELETE /api/v1/events/{slug}/interest/."""

import pytest

from events.models import Interest
from tests import factories

pytestmark = pytest.mark.django_db


def url(slug):
    return f"/api/v1/events/{slug}/interest/"


def test_register_and_remove_interest(api, person):
    course = factories.EventFactory()
    client = api(person)
    first = client.post(url(course.slug))
    assert first.status_code == 201
    assert first.json()["event"] == course.slug
    again = client.post(url(course.slug))
    assert again.status_code == 200
    assert Interest.objects.filter(person=person, event=course).count() == 1

    assert client.delete(url(course.slug)).status_code == 204
    assert not Interest.objects.exists()
    assert client.delete(url(course.slug)).status_code == 204


def test_sign_in_needed_and_unknown_or_unpublished_courses_are_404(api, person):
    course = factories.EventFactory()
    hidden = factories.EventFactory(programme__published=False)
    assert api().post(url(course.slug)).status_code == 401
    response = api(person).post(url("no-such-course"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api(person).post(url(hidden.slug)).status_code == 404
    assert api(person).delete(url("no-such-course")).status_code == 404
    assert not Interest.objects.exists()


def test_a_session_created_through_the_api_emails_the_interested_once(
    api, person, coordinator, smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    course = factories.EventFactory(title="Working Together")
    person.email = "robin@example.org"
    person.save()
    assert api(person).post(url(course.slug)).status_code == 201
    body = {
        "event": course.pk,
        "starts_at": "2030-07-12T12:00:00+01:00",
        "ends_at": "2030-07-12T14:30:00+01:00",
        "venue": factories.VenueFactory().pk,
        "capacity": 30,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api(coordinator).post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 201
    assert [envelope.rcpt_tos for envelope in smtp.inbox.envelopes] == [["robin@example.org"]]
    assert smtp.messages[0]["Subject"] == "New dates for Working Together"
    assert "Friday 12 July 2030, 12:00" in smtp.messages[0].get_body(("plain",)).get_content()


def test_the_schema_documents_the_endpoint(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/events/{slug}/interest/" in schema
