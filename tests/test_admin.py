import pytest
from django.urls import reverse

from accounts.models import User
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
