"""A real SMTP server (aiosmtpd) on a loopback port, for email and fault tests, and helpers that
read the messages it receives."""

import asyncio
import email
import email.policy
import socket
from collections import Counter

import icalendar
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts.

    ``refuse`` holds addresses answered with a permanent 550; ``delay`` makes each message take
    a while, like a real relay.
    """

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.envelopes: list[Envelope] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def received(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in self.envelopes
        ]

    def message_ids(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.received)


class SmtpServer:
    """Start and stop the server on a fixed free port, so an outage can be simulated."""

    def __init__(self, delay: float = 0.0):
        self.inbox = Inbox(delay)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.inbox.received


def parts(message) -> dict[str, str]:
    """Map content type → decoded text for every non-multipart part of a message."""
    found = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        found.setdefault(part.get_content_type(), part.get_content())
    return found


def calendar_of(message) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(parts(message)["text/calendar"])


def vevent_of(message) -> icalendar.Event:
    return calendar_of(message).walk("VEVENT")[0]


def assert_no_template_leftovers(message) -> None:
    for content_type in ("text/plain", "text/html"):
        body = parts(message)[content_type]
        assert "{{" not in body
        assert "{%" not in body
        assert "None" not in body
