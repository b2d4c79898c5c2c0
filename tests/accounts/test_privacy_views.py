import json

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from booking import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


@pytest.mark.parametrize("name", ["privacy:data", "privacy:download", "privacy:delete"])
def test_privacy_pages_need_signing_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert "login" in response["Location"] or "sign-in" in response["Location"]


def test_my_data_page_shows_a_readable_summary(signed_in, person, session):
    services.book_session(session, person=person, access_needs="Step-free access, please.")

    response = signed_in.get(reverse("privacy:data"))

    assert response.status_code == 200
    page = response.content.decode()
    assert person.email in page
    assert "Step-free access, please." in page
    assert reverse("privacy:download") in page
    assert reverse("privacy:delete") in page


def test_download_my_data_is_a_logged_json_file(signed_in, person):
    response = signed_in.get(reverse("privacy:download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["person"]["email"] == person.email
    assert AuditEvent.objects.filter(action="privacy.exported", actor=person).count() == 1


def test_delete_account_asks_first(signed_in, person, session):
    services.book_session(session, person=person)

    response = signed_in.get(reverse("privacy:delete"))

    assert response.status_code == 200
    assert str(session) in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_delete_account_without_ticking_the_box_changes_nothing(signed_in, person):
    response = signed_in.post(reverse("privacy:delete"))

    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_delete_account_erases_and_signs_out(signed_in, person, session):
    booking = services.book_session(session, person=person)

    response = signed_in.post(reverse("privacy:delete"), {"confirm": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:deleted")
    person.refresh_from_db()
    booking.refresh_from_db()
    assert (person.is_active, person.full_name, booking.status) == (False, "", "cancelled")
    assert signed_in.get(reverse("privacy:data")).status_code == 302
    assert signed_in.get(reverse("privacy:deleted")).status_code == 200


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
