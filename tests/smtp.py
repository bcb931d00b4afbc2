"""A real SMTP server on a local port, for tests that send mail over the wire."""

import contextlib
import email
import threading

import environ
from aiosmtpd.controller import Controller

from .test_production_server import free_port


class Inbox:
    """What the server was sent; `refuse` answers the next N messages with a temporary failure."""

    def __init__(self, refuse=0):
        self.messages = []
        self.connections = 0
        self.refuse = refuse
        self.refused = 0
        self.received = threading.Condition()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.received:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse:
            self.refused += 1
            return "451 Requested action aborted: try again later"
        with self.received:
            self.messages.append(email.message_from_bytes(envelope.content))
            self.received.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for message in self.messages if message["To"] == address]

    def wait_for(self, count, timeout):
        with self.received:
            return self.received.wait_for(lambda: len(self.messages) >= count, timeout)


@contextlib.contextmanager
def smtp_server(refuse=0):
    """Yield (inbox, EMAIL_URL) for a server on 127.0.0.1 that keeps what it is sent."""
    inbox = Inbox(refuse=refuse)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def use_smtp(settings, url):
    """Point Django's mail settings at `url` as EMAIL_URL would."""
    for name, value in environ.Env.email_url_config(url).items():
        setattr(settings, name, value)
