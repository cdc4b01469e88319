"""A raw asyncio HTTP/1.1 server for the keel-load end-to-end tests (see conftest.py).

Run as its own process (python3 load_server.py --port P [options]) so that pytest never blocks
its event loop. It prints "ready" on stdout once listening.

Routes (GET or any method):
  /ok               200 "ok" with Content-Length
  /chunked          200, body in three chunks (with an extension and a trailer)
  /status/NNN       status NNN
  /close            200 with "Connection: close", then closes
  /delay?ms=N       200 after N ms
  /garbage          an invalid status line (parse error)
  /reset            half a response, then the connection is closed (reset error)
  /ramp             200 at once while fewer than --ramp-limit requests arrived in the last
                    second, else after --ramp-slow-ms (a server with a known capacity)
  anything else     200 "ok"

--stall-at S --stall-for D: D seconds starting S seconds after the first request, no response
is written (a GC pause, a lock convoy): responses due then wait until the stall ends.
--log FILE: one JSON line per request {method, target, headers, body}.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import time


class State:
    def __init__(self, args):
        self.args = args
        self.first_request = None
        self.recent = collections.deque()
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def stall_left(self) -> float:
        """Seconds until the stall ends, or 0 when not stalled."""
        a = self.args
        if a.stall_for <= 0 or self.first_request is None:
            return 0.0
        start = self.first_request + a.stall_at
        now = time.monotonic()
        return start + a.stall_for - now if start <= now < start + a.stall_for else 0.0

    def ramp_slow(self) -> bool:
        now = time.monotonic()
        self.recent.append(now)
        while self.recent and self.recent[0] < now - 1.0:
            self.recent.popleft()
        return len(self.recent) > self.args.ramp_limit


def response(status: int, body: bytes = b"ok", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    return method, target, headers, body


async def answer(state, writer, method, target, headers, body) -> bool:
    """Writes the response; returns False when the connection must close."""
    path, _, query = target.partition("?")
    if path == "/delay":
        ms = int(dict(kv.split("=") for kv in query.split("&") if "=" in kv).get("ms", "0"))
        await asyncio.sleep(ms / 1000)
    if path == "/ramp" and state.ramp_slow():
        await asyncio.sleep(state.args.ramp_slow_ms / 1000)
    left = state.stall_left()
    if left > 0:
        await asyncio.sleep(left)
    if path == "/chunked":
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-T: 1\r\n\r\n")
    elif path.startswith("/status/"):
        writer.write(response(int(path[len("/status/"):])))
    elif path == "/close":
        writer.write(response(200, extra="Connection: close\r\n"))
        return False
    elif path == "/garbage":
        writer.write(b"HTTX/9 OK\r\n\r\n")
        return False
    elif path == "/reset":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        return False
    else:
        writer.write(response(200))
    return True


async def serve(state, reader, writer):
    try:
        while True:
            try:
                method, target, headers, body = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                break
            if state.first_request is None:
                state.first_request = time.monotonic()
            if state.log:
                state.log.write(json.dumps({"method": method, "target": target,
                                            "headers": headers,
                                            "body": body.decode("latin-1")}) + "\n")
            keep = await answer(state, writer, method, target, headers, body)
            await writer.drain()
            if not keep:
                break
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--stall-at", type=float, default=0)
    p.add_argument("--stall-for", type=float, default=0)
    p.add_argument("--ramp-limit", type=int, default=150)
    p.add_argument("--ramp-slow-ms", type=int, default=200)
    p.add_argument("--log")
    state = State(p.parse_args())
    server = await asyncio.start_server(lambda r, w: serve(state, r, w), "127.0.0.1",
                                        state.args.port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
