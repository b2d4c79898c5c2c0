from datetime import timedelta

import pytest
from django.urls import reverse

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
