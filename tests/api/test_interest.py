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
