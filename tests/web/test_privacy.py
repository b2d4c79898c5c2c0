"""The privacy pages: the notice, my data, its download, and deleting an account."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from booking import services

pytestmark = pytest.mark.django_db


def test_privacy_notice_states_the_configured_retention_periods(client, settings):
    settings.RETENTION_ACCESS_NEEDS = timedelta(days=45)

    response = client.get(reverse("privacy"))

    assert response.status_code == 200
    assert "access needs: deleted 45 days after the session" in response.content.decode()


def test_profile_links_to_data_download_and_deletion(client, person):
    client.force_login(person)

    page = client.get(reverse("accounts:profile")).content.decode()

    assert reverse("privacy:data") in page
    assert reverse("privacy:delete") in page


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
