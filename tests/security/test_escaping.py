"""Text that coordinators or practitioners type is shown as text, never run as markup."""

import pytest

from tests.factories import EventFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('convene')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "</title><script>alert(1)</script>",
    "{{ 7|add:7 }}{% now 'Y' %}",
]


@pytest.fixture
def hostile_session(db):
    payload = " ".join(PAYLOADS)
    return SessionFactory(
        event=EventFactory(title=payload[:200], summary=payload[:300]),
        venue=VenueFactory(name=payload[:200], address=payload),
    )


def assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg/onload" not in html
    assert "</title><script>" not in html
    assert "&lt;script&gt;alert(&#x27;convene&#x27;)&lt;/script&gt;" in html
    # Stored text is never evaluated as a template.
    assert "{{ 7|add:7 }}" in html
    assert ">14<" not in html


@pytest.mark.parametrize("url", ["/", "/sessions/", "detail"])
def test_pages_escape_stored_payloads(client, hostile_session, url):
    if url == "detail":
        url = hostile_session.get_absolute_url()

    response = client.get(url)

    assert response.status_code == 200
    assert_escaped(response.content.decode())
