"""The admin: who may open it, and the people admin's own tools (adding, exporting, erasing)."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from booking import services
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index",
    "admin:events_session_changelist",
    "admin:events_event_changelist",
    "admin:events_programme_changelist",
    "admin:booking_booking_changelist",
    "admin:accounts_user_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_open_for_coordinator(client, coordinator, name):
    SessionFactory()
    client.force_login(coordinator)

    assert client.get(reverse(name)).status_code == 200


def test_admin_session_change_page_opens_for_coordinator(client, coordinator):
    session = SessionFactory()
    client.force_login(coordinator)

    response = client.get(reverse("admin:events_session_change", args=[session.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_refused_for_practitioner(client, name):
    client.force_login(UserFactory())

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_adds_a_person_without_a_password(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "New.Person@Example.org", "full_name": "New Person", "job_title": "Nurse"},
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert not user.has_usable_password()


def admin_action(client, action, people, **extra):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [p.pk for p in people], **extra},
    )


def test_coordinator_exports_anyones_data_from_the_admin(client, coordinator, person):
    client.force_login(coordinator)

    response = admin_action(client, "export_personal_data", [person])

    assert response.status_code == 200
    assert json.loads(response.content)["person"]["email"] == person.email
    event = AuditEvent.objects.get(action="privacy.exported")
    assert (event.actor, event.target_id) == (coordinator, str(person.pk))


def test_coordinator_erases_from_the_admin_after_confirming(client, coordinator, session):
    client.force_login(coordinator)
    people = UserFactory.create_batch(2)
    for person in people:
        services.book_session(session, person=person)

    asked = admin_action(client, "erase_people", people)
    assert asked.status_code == 200
    assert "This cannot be undone" in asked.content.decode()
    assert all(
        p.anonymised_at is None
        for p in type(people[0]).objects.filter(pk__in=[p.pk for p in people])
    )

    done = admin_action(client, "erase_people", people, confirmed="yes")

    assert done.status_code == 302
    assert User.objects.filter(pk__in=[p.pk for p in people], anonymised_at=None).count() == 0
    assert AuditEvent.objects.filter(action="privacy.erased", actor=coordinator).count() == 2
