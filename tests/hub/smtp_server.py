"""A tiny SMTP server for tests: enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for Django's
SMTP backend to deliver to it. Messages land in `server.messages` as (sender, recipients, raw bytes).

aiosmtpd is not a dependency, and the standard library's smtpd is gone from Python 3.12, so this is written on
socketserver. It listens on 127.0.0.1 on a free port and runs in a daemon thread.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class ReceivedMessage:
    sender: str
    recipients: list[str]
    data: bytes


class _SMTPHandler(socketserver.StreamRequestHandler):
    server: _SMTPServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sender: str | None = None
        recipients: list[str] = []
        self.reply("220 localhost test SMTP ready")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("ascii", errors="replace").rstrip("\r\n")
            self.server.commands.append(line)
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250-8BITMIME")
                self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "MAIL" and argument.upper().startswith("FROM:"):
                sender = _address(argument[5:])
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT" and argument.upper().startswith("TO:"):
                if sender is None:
                    self.reply("503 MAIL first")
                    continue
                recipients.append(_address(argument[3:]))
                self.reply("250 OK")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 MAIL and RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.server.messages.append(ReceivedMessage(sender, recipients, self._read_data()))
                sender, recipients = None, []
                self.reply("250 OK queued")
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _read_data(self) -> bytes:
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline()
            if not raw or raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b".."):  # dot-stuffing (RFC 5321 4.5.2)
                raw = raw[1:]
            lines.append(raw)
        return b"".join(lines)


def _address(argument: str) -> str:
    """"<a@b.org> SIZE=123" -> "a@b.org"."""
    argument = argument.strip()
    if argument.startswith("<"):
        return argument[1 : argument.index(">")]
    return argument.split()[0]


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[ReceivedMessage] = []
        self.commands: list[str] = []


@dataclass
class SMTPTestServer:
    """Context manager: `with SMTPTestServer() as server:` then send to server.host:server.port."""

    host: str = "127.0.0.1"
    port: int = 0
    _server: _SMTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def messages(self) -> list[ReceivedMessage]:
        assert self._server is not None
        return self._server.messages

    @property
    def commands(self) -> list[str]:
        assert self._server is not None
        return self._server.commands

    def __enter__(self) -> SMTPTestServer:
        self._server = _SMTPServer()
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-smtp", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
