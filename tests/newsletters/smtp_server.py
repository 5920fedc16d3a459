"""A real SMTP server on loopback (aiosmtpd, in a thread) for the newsletter dispatch tests, the crash test and the
benchmark. It records every message it accepts (envelope, raw bytes, Message-ID) and can misbehave on demand:

- refuse=["a@example.org"]: answer 550 to those recipients (a permanent failure);
- temporary={"b@example.org": 2}: answer 451 to that recipient the next 2 times (-1: always);
- drop_every=N: on each connection, after N accepted messages, close the connection without a word when the client
  starts the next one (a server that drops mid-batch);
- delay=0.2: sleep that long after recording each message, before answering 250 (a slow server; a client killed
  during the sleep leaves a message the server has but the client never heard about);
- count_only=True: keep only a count (the benchmark).

    with SMTPServer(delay=0.1) as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        ...
        server.messages  # list[Received]

Tests use the `smtp_server` fixture (import it from this module). The benchmark runs `serve_counting` in a process
of its own so the server does not share a GIL with what it measures.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message_id: str
    received_at: float

    @property
    def message(self):
        """The parsed message (email.message.EmailMessage, modern policy)."""
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class Behaviour:
    refuse: set[str] = field(default_factory=set)
    temporary: dict[str, int] = field(default_factory=dict)
    drop_every: int = 0
    delay: float = 0.0
    count_only: bool = False


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_MAIL(self, smtp, session, envelope, address, mail_options):
        behaviour = self.server.behaviour
        accepted_here = getattr(session, "accepted_here", 0)
        if behaviour.drop_every and accepted_here >= behaviour.drop_every:
            self.server.drops += 1
            smtp.transport.close()
            return "421 4.3.2 Closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        behaviour = self.server.behaviour
        key = address.lower()
        if key in behaviour.refuse:
            self.server.refused += 1
            return "550 5.1.1 No such user here"
        remaining = behaviour.temporary.get(key, 0)
        if remaining:
            if remaining > 0:
                behaviour.temporary[key] = remaining - 1
            self.server.deferred += 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        session.accepted_here = getattr(session, "accepted_here", 0) + 1
        self.server._record(envelope)
        if self.server.behaviour.delay:
            await asyncio.sleep(self.server.behaviour.delay)
        return "250 2.0.0 Accepted"


class SMTPServer:
    """A recording aiosmtpd server on 127.0.0.1 and a free port, running in a thread."""

    def __init__(self, *, refuse=(), temporary=None, drop_every=0, delay=0.0, count_only=False, on_count=None):
        self.behaviour = Behaviour(
            refuse={address.lower() for address in refuse},
            temporary={key.lower(): value for key, value in (temporary or {}).items()},
            drop_every=drop_every, delay=delay, count_only=count_only,
        )
        self.host = HOST
        self.port = free_port()
        self.messages: list[Received] = []
        self.count = 0
        self.refused = self.deferred = self.drops = 0
        self._on_count = on_count
        self._lock = threading.Lock()
        # server_hostname given so aiosmtpd does not look up this machine's FQDN (slow without DNS).
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port, server_hostname="localhost")

    def _record(self, envelope) -> None:
        with self._lock:
            self.count += 1
            if self._on_count is not None:
                self._on_count()
            if self.behaviour.count_only:
                return
            raw = envelope.original_content or envelope.content
            raw = raw if isinstance(raw, bytes) else raw.encode()
            parsed = message_from_bytes(raw, policy=policy.compat32)
            self.messages.append(
                Received(
                    mail_from=envelope.mail_from, rcpt_tos=tuple(envelope.rcpt_tos), raw=raw,
                    message_id=(parsed["Message-ID"] or "").strip(), received_at=time.monotonic(),
                )
            )

    def configure(self, **changes) -> None:
        """Change the behaviour while running, e.g. configure(delay=0, drop_every=0)."""
        for name, value in changes.items():
            if name == "refuse":
                value = {address.lower() for address in value}
            if name == "temporary":
                value = {key.lower(): count for key, count in value.items()}
            setattr(self.behaviour, name, value)

    def received_by(self, address: str) -> list[Received]:
        address = address.lower()
        with self._lock:
            return [m for m in self.messages if address in (r.lower() for r in m.rcpt_tos)]

    def start(self) -> SMTPServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def smtp_server(settings):
    """A running recording server; the newsletters' mail goes to it over real SMTP."""
    with SMTPServer() as server:
        settings.NEWSLETTER_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        yield server


def serve_counting(port_value, counter, stop_event) -> None:
    """Process target for the benchmark: a counting-only server; its port goes into `port_value` when it is ready,
    every accepted message increments `counter` (multiprocessing.Value), and it stops when `stop_event` is set."""

    def bump() -> None:
        counter.value += 1  # the Value's own lock is not needed: only this process writes

    server = SMTPServer(count_only=True, on_count=bump).start()
    port_value.value = server.port
    stop_event.wait()
    server.stop()
