"""A tiny clamd stand-in speaking the real INSTREAM protocol, for tests: `zINSTREAM\\0`, then chunks each prefixed by
a 4-byte big-endian length, ended by a zero length; it answers `stream: Eicar-Signature FOUND\\0` when the stream
holds the EICAR test string and `stream: OK\\0` otherwise."""

from __future__ import annotations

import socket
import struct
import threading

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _read_exactly(connection: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        part = connection.recv(count - len(data))
        if not part:
            raise ConnectionError("client closed the connection early")
        data += part
    return data


class FakeClamd:
    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.port = self.server.getsockname()[1]
        self.commands: list[bytes] = []
        self.streams: list[bytes] = []
        self._running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while self._running:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            with connection:
                try:
                    command = _read_exactly(connection, len(b"zINSTREAM\0"))
                    self.commands.append(command)
                    if command != b"zINSTREAM\0":
                        connection.sendall(b"UNKNOWN COMMAND\0")
                        continue
                    stream = b""
                    while True:
                        (length,) = struct.unpack("!L", _read_exactly(connection, 4))
                        if length == 0:
                            break
                        stream += _read_exactly(connection, length)
                    self.streams.append(stream)
                    reply = b"stream: Eicar-Signature FOUND\0" if EICAR in stream else b"stream: OK\0"
                    connection.sendall(reply)
                except (ConnectionError, OSError):
                    continue

    def close(self) -> None:
        self._running = False
        self.server.close()
