"""A real SMTP server (aiosmtpd) on a loopback port, for email and fault tests."""

import asyncio
import email
import email.policy
import socket
from collections import Counter

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
