"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests to read."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.box.lock:
            self.box.messages.append(message)
        return "250 OK"


class Mailbox:
    host = "127.0.0.1"

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        with socket.socket() as s:
            s.bind((self.host, 0))
            self.port = s.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address in m["To"]]

    def wait_for(self, address: str, timeout: float = 10.0):
        """The first message to ``address``; for mail sent from another thread or process."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no mail reached {address}")

    def close(self) -> None:
        self._controller.stop()


def body(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()
