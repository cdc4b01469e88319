"""Timeouts (set short through the environment): header, body, keep-alive, write."""

import time

import pytest

from conftest import Conn, assert_problem, binary, config_env, start_server


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    srv = start_server(binary("KEEL_ECHO"), tmp_path_factory.mktemp("short"), "echo-short",
                       env=config_env({"server__header_timeout": "500ms",
                                       "server__body_timeout": "500ms",
                                       "server__keepalive_timeout": "500ms"}))
    yield srv
    srv.stop()


def expect_408_then_close(c: Conn, t0: float, low: float = 0.4, high: float = 2.0):
    r = c.read_response(timeout=3.0)
    elapsed = time.monotonic() - t0
    assert r is not None, f"no 408 (connection eof={c.eof} after {elapsed:.2f}s)"
    assert_problem(r, 408)
    assert low <= elapsed <= high, f"408 after {elapsed:.2f}s, expected within [{low}, {high}]"
    assert c.wait_closed(1.0), "connection not closed after 408"
    return r


def test_header_timeout_partial_request_line(short):
    with Conn(short) as c:
        t0 = time.monotonic()
        c.send(b"GET /plain")
        expect_408_then_close(c, t0)


def test_header_timeout_partial_headers(short):
    with Conn(short) as c:
        t0 = time.monotonic()
        c.send(b"GET /items/new HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        expect_408_then_close(c, t0)


def test_header_timeout_is_not_reset_by_dripping(short):
    """Slowloris: one header byte every 100 ms never completes the head; 408 by ~header_timeout."""
    with Conn(short) as c:
        t0 = time.monotonic()
        c.send(b"GET /items/new HTTP/1.1\r\nHost: x\r\n")
        for _ in range(25):  # 2.5 s of dripping
            try:
                c.send(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            if c._fill(time.monotonic() + 0.1):
                break
        expect_408_then_close(c, t0, high=1.6)


def test_idle_new_connection_closed(short):
    """A connection that never sends a byte is closed (a 408 is allowed, nothing else)."""
    with Conn(short) as c:
        t0 = time.monotonic()
        assert c.wait_closed(3.0), "silent connection still open after 3 s"
        elapsed = time.monotonic() - t0
        assert 0.4 <= elapsed <= 2.0, f"closed after {elapsed:.2f}s"
        if c.buf:
            r = c.read_response(timeout=0.1)
            assert r is not None and r.status == 408, c.buf[:200]


def test_keepalive_timeout_closes_silently(short):
    with Conn(short) as c:
        r = c.request(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.status == 200
        t0 = time.monotonic()
        assert c.wait_closed(3.0), "idle keep-alive connection not closed"
        elapsed = time.monotonic() - t0
        assert 0.4 <= elapsed <= 2.0, f"closed after {elapsed:.2f}s idle"
        assert c.buf == b"", f"server sent bytes on an idle keep-alive close: {c.buf[:200]!r}"


def test_keepalive_timeout_restarts_per_request(short):
    """Requests every 300 ms (< 500 ms keep-alive) keep the connection alive past 1.2 s."""
    with Conn(short) as c:
        for _ in range(4):
            r = c.request(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
            assert r.status == 200
            time.sleep(0.3)
        r = c.request(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.status == 200


def test_timeouts_do_not_fire_while_handler_runs(short):
    """A 1 s handler on a server with 500 ms header/body/keep-alive timeouts completes."""
    with Conn(short) as c:
        r = c.request(b"GET /delay?ms=1000 HTTP/1.1\r\nHost: x\r\n\r\n", timeout=4.0)
        assert (r.status, r.body) == (200, b"done")


def test_body_timeout_stalled_body(short):
    with Conn(short) as c:
        t0 = time.monotonic()
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 10\r\n\r\nabc")
        expect_408_then_close(c, t0)


def test_body_timeout_stalled_chunked_body(short):
    with Conn(short) as c:
        t0 = time.monotonic()
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhe")
        expect_408_then_close(c, t0)


def test_body_timeout_resets_on_progress(short):
    """A body byte every 300 ms (< 500 ms without progress) is accepted over 1.5 s total."""
    with Conn(short) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 5\r\n\r\n")
        for b in b"hello":
            time.sleep(0.3)
            c.send(bytes([b]))
        r = c.read_response(timeout=3.0)
        assert r is not None and (r.status, r.body) == (200, b"hello")


def test_write_timeout_closes_reader_that_stalls(echo_server):
    """The client never reads a 16 MiB response: the server gives up after write_timeout."""
    size = 16 * 1024 * 1024
    srv = echo_server(server__write_timeout="500ms", server__max_body_bytes=size)
    with Conn(srv, rcvbuf=4096) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Length: %d\r\n\r\n" % size)
        chunk = b"w" * 65536
        try:
            for _ in range(size // len(chunk)):
                c.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may already have given up
        time.sleep(2.5)  # stall: write_timeout (0.5 s) passes many times over
        received = 0
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and not c.eof:
            if c._fill(deadline):
                received += len(c.buf)
                c.buf = b""
        assert c.eof, "server still writing to a stalled reader after write_timeout"
        assert received < size, "the whole response was delivered; nothing stalled"
