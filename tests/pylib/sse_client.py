"""A small Server-Sent Events client over a raw socket, for the e2e suites.

It checks the wire format as it reads (chunked framing on HTTP/1.1, one event per chunk) and
records when each item arrived, so tests can assert that events are flushed one by one.

    with SseStream(host, port, "/v1/reports/7/events") as s:
        assert s.status == 200
        for item in s.items(total_timeout=10):
            if item.kind == "event": ...
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field


@dataclass
class Item:
    kind: str  # "event" or "comment"
    at: float  # time.monotonic() when it was parsed
    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None
    comment: str = ""
    fields: dict = field(default_factory=dict)


class SseStream:
    def __init__(self, host: str, port: int, path: str, headers: dict | None = None,
                 version: str = "HTTP/1.1", method: str = "GET", timeout: float = 5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        lines = [f"{method} {path} {version}", f"Host: {host}:{port}", "Accept: text/event-stream"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw = b""  # bytes not yet consumed
        self.eof = False
        self.done = False  # the last chunk (or EOF on a body without framing) was read
        self.chunks: list[bytes] = []
        self.text = ""
        self.head_only = method == "HEAD"
        self._read_head()

    # -- connection -----------------------------------------------------------------------------
    def _fill(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            self.eof = True
            return False
        self.raw += data
        return True

    def _read_head(self) -> None:
        while b"\r\n\r\n" not in self.raw:
            if not self._fill():
                raise AssertionError(f"no complete response head (got {self.raw!r})")
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.version, status, *_ = lines[0].split(" ", 2)
        self.status = int(status)
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self.length = int(self.headers["content-length"]) if "content-length" in self.headers else None
        if self.head_only:
            self.done = True

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- body -----------------------------------------------------------------------------------
    def _next_chunk(self) -> bytes | None:
        """The next piece of body (one chunk when chunked); None when the body ended or nothing
        arrived within the socket timeout (then check self.done / self.eof)."""
        if self.done:
            return None
        if self.length is not None:  # an ordinary response (e.g. a problem+json)
            while len(self.raw) < self.length and self._fill():
                pass
            body, self.raw = self.raw[: self.length], self.raw[self.length:]
            self.done = True
            return body
        if not self.chunked:  # HTTP/1.0: the body ends with the connection
            if not self.raw and not self._fill():
                if self.eof:
                    self.done = True
                return None
            body, self.raw = self.raw, b""
            return body
        while b"\r\n" not in self.raw:
            if not self._fill():
                return None
        size_line, rest = self.raw.split(b"\r\n", 1)
        size = int(size_line.split(b";")[0], 16)
        while len(rest) < size + 2:
            if not self._fill():
                return None
            size_line, rest = self.raw.split(b"\r\n", 1)
        if rest[size:size + 2] != b"\r\n":
            raise AssertionError(f"bad chunk framing: {self.raw[:80]!r}")
        data, self.raw = rest[:size], rest[size + 2:]
        if size == 0:
            self.done = True
            return None
        self.chunks.append(data)
        return data

    def items(self, total_timeout: float = 10.0, stop=None):
        """Yields parsed items until the body ends, `stop(item)` is true, or total_timeout."""
        deadline = time.monotonic() + total_timeout
        while time.monotonic() < deadline:
            while "\n\n" in self.text:
                block, self.text = self.text.split("\n\n", 1)
                item = _parse_block(block)
                yield item
                if stop is not None and stop(item):
                    return
            if self.done:
                return
            chunk = self._next_chunk()
            if chunk is None:
                if self.done or self.eof:
                    if self.eof:
                        self.done = True
                    continue
                continue
            self.text += chunk.decode("utf-8")

    def rest(self, total_timeout: float = 10.0) -> list[Item]:
        return list(self.items(total_timeout))


def _parse_block(block: str) -> Item:
    now = time.monotonic()
    lines = block.split("\n")
    if all(line.startswith(":") for line in lines):
        return Item(kind="comment", at=now, comment="\n".join(line[1:] for line in lines))
    item = Item(kind="event", at=now)
    data = []
    for line in lines:
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        item.fields[name] = value
        if name == "data":
            data.append(value)
        elif name == "event":
            item.event = value
        elif name == "id":
            item.id = value
        elif name == "retry":
            item.retry = int(value)
    item.data = "\n".join(data)
    return item
