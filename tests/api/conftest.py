import pytest
from rest_framework.test import APIClient

from accounts.services import issue_api_token


@pytest.fixture
def api():
    """``api(user)``: a client sending that user's bearer token (``api()`` is anonymous)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user)}")
        return client

    return client_for
