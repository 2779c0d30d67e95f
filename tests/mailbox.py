"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests to read.

It can also misbehave as mail servers do: refuse some recipients (``refuse``), or take a message
and never answer (``hang``) until told to ``recover``.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.box.refuses(address):
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.box.hanging:
            with self.box.lock:
                self.box.hung += 1
            while self.box.hanging:  # the client gives up first (its timeout); nothing is kept
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.box.lock:
            self.box.messages.append(message)
        return "250 OK"


class Mailbox:
    host = "127.0.0.1"

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.refused: set[str] = set()
        self.hanging = False
        self.hung = 0  # messages the server took and never answered
        with socket.socket() as s:
            s.bind((self.host, 0))
            self.port = s.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
        self.recover()

    def refuse(self, *addresses: str) -> None:
        """Refuse these recipients (or, with none named, everyone) with a temporary failure."""
        self.refused = {a.lower() for a in addresses} or {"*"}

    def refuses(self, address: str) -> bool:
        return "*" in self.refused or address.lower() in self.refused

    def hang(self) -> None:
        """Take each message and never answer, as a wedged server does."""
        self.hanging = True

    def recover(self) -> None:
        self.refused, self.hanging, self.hung = set(), False, 0

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

    def wait_until_hung(self, count: int = 1, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.hung < count:
            if time.monotonic() > deadline:
                raise AssertionError("no message reached the hanging server")
            time.sleep(0.02)

    def close(self) -> None:
        self.recover()
        self._controller.stop()


def body(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()
