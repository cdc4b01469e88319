"""Streamed responses / Server-Sent Events against a real keel-echo (keel/http/stream.hpp):
chunked framing, one flush per event, heartbeats, a stream that outlives its route's budget
(stream_timeout), one that ends at the deadline without that opt-in, the producer seeing a
client's disconnect, Last-Event-ID, HEAD, HTTP/1.0 and drain."""

import json
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from sse_client import SseStream  # noqa: E402


def open_stream(srv, path, **kw) -> SseStream:
    return SseStream(srv.host, srv.port, path, **kw)


def stats(srv) -> dict:
    r = srv.get("/sse/stats")
    assert r.status_code == 200, r.text
    return r.json()


def wait_stats(srv, pred, timeout=3.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        s = stats(srv)
        if pred(s) or time.monotonic() >= deadline:
            return s
        time.sleep(0.05)


def ticks(items):
    return [i for i in items if i.kind == "event"]


def test_events_are_chunked_and_flushed_one_by_one(echo):
    with open_stream(echo, "/sse?count=3&interval_ms=600") as s:
        assert s.status == 200
        assert s.headers["content-type"] == "text/event-stream"
        assert s.headers["cache-control"] == "no-store"
        assert s.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in s.headers
        assert s.headers.get("x-request-id")
        started = time.monotonic()
        items = s.rest()
        assert s.done, "the stream must end with the last chunk"
    events = ticks(items)
    assert [e.id for e in events] == ["1", "2", "3"]
    assert [json.loads(e.data) for e in events] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert all(e.event == "tick" for e in events)
    # Each event arrived as soon as it was written, not buffered until the end.
    assert events[0].at - started < 0.5, events[0].at - started
    assert events[1].at - events[0].at >= 0.3, events[1].at - events[0].at
    # One event per chunk.
    assert [c for c in s.chunks if c.startswith(b"event:")] == [
        b'event: tick\nid: %d\ndata: {"n":%d}\n\n' % (n, n) for n in (1, 2, 3)]


def test_stream_outlives_the_route_budget_and_the_connection_is_reused(echo):
    # /sse has a 300 ms budget but opts out with stream_timeout: 6 x 150 ms must all arrive.
    with open_stream(echo, "/sse?count=6&interval_ms=150") as s:
        items = s.rest()
        assert s.done and not s.eof
        assert [e.id for e in ticks(items)] == ["1", "2", "3", "4", "5", "6"]
        # The body ended cleanly: the same connection serves the next request.
        s.sock.sendall(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"static" not in data:
            got = s.sock.recv(4096)
            assert got, data
            data += got
        assert data.startswith(b"HTTP/1.1 200 ")


def test_heartbeat_comments_while_idle(echo):
    with open_stream(echo, "/sse?count=2&interval_ms=700&heartbeat_ms=100") as s:
        items = s.rest()
    comments = [i for i in items if i.kind == "comment"]
    assert len(comments) >= 4, [i.kind for i in items]
    assert len(ticks(items)) == 2
    assert b":\n\n" in s.chunks


def test_client_disconnect_cancels_the_producer(echo_server):
    srv = echo_server()
    s = open_stream(srv, "/sse?interval_ms=100")  # count=0: until the client leaves
    first = next(s.items(total_timeout=3))
    assert first.kind == "event" and first.id == "1"
    assert wait_stats(srv, lambda x: x["active"] == 1)["active"] == 1
    s.close()
    after = wait_stats(srv, lambda x: x["active"] == 0 and x["ended"] == 1)
    assert after == {"active": 0, "completed": 0, "ended": 1}, after


def test_client_disconnect_cancels_any_wait_of_the_producer(echo_server):
    # The producer waits 60 s on a timer of its own: the disconnect must cancel that wait.
    srv = echo_server()
    s = open_stream(srv, "/sse?interval_ms=60000&plain_timer=1")
    assert next(s.items(total_timeout=3)).id == "1"
    assert wait_stats(srv, lambda x: x["active"] == 1)["active"] == 1
    started = time.monotonic()
    s.close()
    after = wait_stats(srv, lambda x: x["ended"] == 1, timeout=5)
    assert after == {"active": 0, "completed": 0, "ended": 1}, after
    assert time.monotonic() - started < 5


def test_without_stream_timeout_the_stream_ends_at_the_deadline(echo):
    started = time.monotonic()
    with open_stream(echo, "/sse/bounded?interval_ms=100") as s:  # 500 ms budget
        items = s.rest()
        elapsed = time.monotonic() - started
        assert s.done, "ended with the last chunk, not a reset"
    assert 0.4 <= elapsed < 2.0, elapsed
    assert 2 <= len(ticks(items)) <= 7, [e.id for e in ticks(items)]


def test_client_deadline_header_does_not_cut_an_opted_in_stream(echo):
    with open_stream(echo, "/sse?count=4&interval_ms=150",
                     headers={"X-Request-Timeout": "200"}) as s:
        items = s.rest()
    assert [e.id for e in ticks(items)] == ["1", "2", "3", "4"]


def test_last_event_id_resumes(echo):
    with open_stream(echo, "/sse?count=2&interval_ms=10", headers={"Last-Event-ID": "41"}) as s:
        assert [e.id for e in ticks(s.rest())] == ["42", "43"]


def test_head_sends_the_head_only(echo_server):
    srv = echo_server()
    with open_stream(srv, "/sse?count=2", method="HEAD") as s:
        assert s.status == 200
        assert s.headers["content-type"] == "text/event-stream"
    assert stats(srv) == {"active": 0, "completed": 0, "ended": 0}


def test_http10_body_is_delimited_by_close(echo):
    with open_stream(echo, "/sse?count=2&interval_ms=10", version="HTTP/1.0") as s:
        assert "transfer-encoding" not in s.headers
        assert "content-length" not in s.headers
        items = s.rest()
        assert s.eof
    assert [e.id for e in ticks(items)] == ["1", "2"]


def test_drain_ends_open_streams(echo_server):
    srv = echo_server()
    s = open_stream(srv, "/sse?interval_ms=100")
    assert next(s.items(total_timeout=3)).id == "1"
    started = time.monotonic()
    srv.signal(signal.SIGTERM)
    s.rest(total_timeout=5)
    assert s.done or s.eof
    assert srv.wait_exit(5) == 0
    assert time.monotonic() - started < 4
    s.close()


def test_slow_reader_does_not_block_other_requests(echo):
    # A client that never reads: the stream's writes back up, other connections are served.
    sock = socket.create_connection(echo.addr, timeout=5)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /sse?interval_ms=1 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.3)
    r = echo.get("/items/new")
    assert r.status_code == 200 and r.text == "static"
    sock.close()
