"""Names and titles with line breaks or address syntax never add headers or recipients."""

import email
import email.policy
import email.utils

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.services import book_session
from notifications.email import build_email
from notifications.models import Notification
from tests.factories import EventFactory, SessionFactory, UserFactory

HEADERS = {
    "Content-Type",
    "MIME-Version",
    "Subject",
    "From",
    "To",
    "Reply-To",
    "Date",
    "Message-ID",
    "Auto-Submitted",
}
INJECTIONS = [
    "Eve\r\nBcc: evil@example.com",
    "Eve\nCc: evil@example.com\n\nforged body",
    "Eve <evil@example.com>, Mallory <evil@example.net>",
    '"Eve" <evil@example.com>',
    # Written through as text: a mail reader shows the decoded line break in the person's own
    # display name, but no relay sees a header or a recipient in it.
    "=?utf-8?q?Eve=0D=0ABcc=3A_evil=40example=2Ecom?=",
    "Eve\r\n\tContinued: folded header",
]

hostile_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        st.sampled_from(["\r\n", "\r", "\n", "\t", ":", ",", ";", "<", ">", '"', "@", "=?"]),
    ),
    min_size=1,
    max_size=60,
).map("".join)


def parsed(notification: Notification) -> tuple[email.message.Message, str]:
    """The message's raw headers (not decoded, as a relay sees them) and its decoded subject."""
    raw = build_email(notification).message().as_bytes()
    headers = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
    return headers, subject


def recipients(headers: email.message.Message) -> list[str]:
    return [address for _, address in email.utils.getaddresses(headers.get_all("To"))]


def outbox_row(*, name: str, subject: str) -> Notification:
    return Notification(
        pk=1,
        kind="booking_confirmed",
        recipient="pat@example.org",
        recipient_name=name,
        subject=subject,
        body_text="Body",
        body_html="<p>Body</p>",
        message_id="<1.convene@example.org>",
    )


@settings(max_examples=200, deadline=None)
@given(name=hostile_text, subject=hostile_text)
def test_headers_stay_fixed_whatever_the_name_and_subject(name, subject):
    headers, decoded_subject = parsed(outbox_row(name=name, subject=subject))

    assert set(headers.keys()) == HEADERS
    assert recipients(headers) == ["pat@example.org"]
    if "=?" not in subject:  # a literal encoded word is decoded by readers; see below
        # Same words in the same order: folding a long non-ASCII subject into several encoded
        # words may leave a space at a fold, which mail readers show as-is.
        assert decoded_subject.split() == subject.split()


@pytest.mark.parametrize("payload", INJECTIONS)
def test_known_header_injections_stay_inside_one_header(payload):
    headers, _ = parsed(outbox_row(name=payload, subject=f"Booked: {payload}"))

    assert set(headers.keys()) == HEADERS
    assert recipients(headers) == ["pat@example.org"]


@pytest.mark.django_db
def test_hostile_name_and_title_reach_one_recipient_over_smtp(
    smtp, tasks_run_at_once, django_capture_on_commit_callbacks
):
    session = SessionFactory(event=EventFactory(title="Course\r\nBcc: evil@example.com"))
    person = UserFactory(full_name="Eve\r\nBcc: evil@example.net", email="eve@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        book_session(session, person=person)

    (message,) = smtp.messages
    assert message["Bcc"] is None
    assert message["Cc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["eve@example.org"]
    assert [envelope.rcpt_tos for envelope in smtp.inbox.envelopes] == [["eve@example.org"]]
