"""A real SMTP server on loopback (aiosmtpd) that records what it receives, for the mail tests.

It can be stopped and started again on the same port (the mail server is down),
told to refuse messages, or told to hold a message in DATA until released (to
stop a sender in the middle of handing a message over).
"""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: "MailServer"):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        server = self.server
        if server.refuse:
            return server.refuse
        message = message_from_bytes(envelope.content, policy=policy.default)
        with server.lock:
            server.received.append((list(envelope.rcpt_tos), message))
        if server.hold is not None:
            server.holding.set()
            # Blocks this server's loop: the sender waits for our answer until the test releases it.
            server.hold.wait(30)
        return "250 Message accepted for delivery"


class MailServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: list = []
        self.lock = threading.Lock()
        self.refuse: str | None = None
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "MailServer":
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            if self.hold is not None:
                self.hold.set()
            self._controller.stop()
            self._controller = None

    def messages_to(self, address: str) -> list:
        with self.lock:
            return [message for recipients, message in self.received if address in recipients]

    def bodies(self) -> list[str]:
        with self.lock:
            return [message.get_content() for _recipients, message in self.received]
