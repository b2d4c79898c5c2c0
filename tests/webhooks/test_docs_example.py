"""The receiver example in docs/integrations.md, run as written against real deliveries."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from booking import services as booking_services
from tests import factories
from webhooks.tasks import send_due

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def example_code() -> str:
    text = DOC.read_text()
    match = re.search(r"<!-- receiver-example -->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "docs/integrations.md lost its receiver example"
    return match.group(1)


@pytest.mark.django_db
def test_the_documented_receiver_verifies_and_deduplicates(
    endpoint_for, receiver, person, monkeypatch, capsys
):
    endpoint = endpoint_for(receiver.url, events=["booking.created", "booking.cancelled"])
    answers = iter([500])  # the first answer is lost: the event comes again
    receiver.respond = lambda n: next(answers, 204)
    booking = booking_services.book_session(factories.SessionFactory(), person=person)
    booking_services.cancel_booking(booking, by=person)
    send_due()
    send_due(timezone.now() + timedelta(seconds=10))
    assert len(receiver.requests) == 3

    monkeypatch.setenv("CONVENE_WEBHOOK_SECRET", endpoint.secret)
    namespace = {}
    exec(compile(example_code(), str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    statuses = [namespace["receive"](r.body, r.headers) for r in receiver.requests]
    assert statuses == [200, 200, 200]
    printed = capsys.readouterr().out.splitlines()
    assert printed == [f"booking.created {booking.pk}", f"booking.cancelled {booking.pk}"]

    tampered = receiver.requests[0].body.replace(b"confirmed", b"cancelled")
    assert namespace["receive"](tampered, receiver.requests[0].headers) == 400
