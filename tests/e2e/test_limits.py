"""Size limits: request line (414), header section (431), body (413), expectations (417)."""

import time

import httpx
import pytest

from conftest import Conn, assert_closes_without_smuggling, assert_problem, raw


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """keel-echo with small limits set through the environment."""
    from conftest import binary, config_env, start_server
    srv = start_server(binary("KEEL_ECHO"), tmp_path_factory.mktemp("limited"), "echo-limited",
                       env=config_env({"server__max_request_line": 1024,
                                       "server__max_header_bytes": 4096,
                                       "server__max_header_count": 10,
                                       "server__max_body_bytes": 100}))
    yield srv
    srv.stop()


def req_line(target_len: int) -> bytes:
    target = b"/items/new?p=" + b"a" * (target_len - len(b"/items/new?p="))
    return b"GET " + target + b" HTTP/1.1\r\n"


# --- request line ---------------------------------------------------------------------------

def test_request_line_over_default_limit_is_414(echo):
    bad = req_line(9000) + b"Host: x\r\n\r\n"
    assert_closes_without_smuggling(echo, bad, 414)


def test_request_line_over_default_limit_414_before_line_end(echo):
    """The limit is enforced while the line is still arriving (no CRLF sent at all)."""
    res = raw(echo, b"GET /" + b"a" * 10000, read_timeout=3.0)
    assert len(res.responses) == 1
    assert_problem(res.first, 414)
    assert res.closed


def test_request_line_under_default_limit_ok(echo):
    status, headers, body, closed = raw(echo, req_line(8000) + b"Host: x\r\n\r\n", expect=1)
    assert (status, body, closed) == (200, b"static", False)


def test_request_line_configured_limit(limited):
    assert_closes_without_smuggling(limited, req_line(1100) + b"Host: x\r\n\r\n", 414)
    status, _, body, closed = raw(limited, req_line(900) + b"Host: x\r\n\r\n", expect=1)
    assert (status, body, closed) == (200, b"static", False)


# --- header section ---------------------------------------------------------------------------

def test_header_bytes_over_default_limit_is_431(echo):
    bad = b"GET /items/new HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 40000 + b"\r\n\r\n"
    assert_closes_without_smuggling(echo, bad, 431)


def test_header_bytes_configured_limit(limited):
    over = b"GET /items/new HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 5000 + b"\r\n\r\n"
    assert_closes_without_smuggling(limited, over, 431)
    under = b"GET /items/new HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 3000 + b"\r\n\r\n"
    status, _, body, closed = raw(limited, under, expect=1)
    assert (status, body, closed) == (200, b"static", False)


def test_header_bytes_over_limit_spread_over_many_fields(limited):
    fields = b"".join(b"X-F%d: %s\r\n" % (i, b"v" * 600) for i in range(8))  # ~4.9 KB, 9 fields
    assert_closes_without_smuggling(limited, b"GET /items/new HTTP/1.1\r\nHost: x\r\n" + fields
                                    + b"\r\n", 431)


def test_header_count_over_default_limit_is_431(echo):
    fields = b"".join(b"X-H%d: v\r\n" % i for i in range(150))
    assert_closes_without_smuggling(echo, b"GET /items/new HTTP/1.1\r\nHost: x\r\n" + fields
                                    + b"\r\n", 431)


def test_header_count_configured_limit_exact(limited):
    """max_header_count=10: Host + 9 fields is accepted, Host + 10 fields is 431."""
    nine = b"".join(b"X-H%d: v\r\n" % i for i in range(9))
    status, _, body, closed = raw(limited, b"GET /items/new HTTP/1.1\r\nHost: x\r\n" + nine
                                  + b"\r\n", expect=1)
    assert (status, body, closed) == (200, b"static", False)
    ten = b"".join(b"X-H%d: v\r\n" % i for i in range(10))
    assert_closes_without_smuggling(limited, b"GET /items/new HTTP/1.1\r\nHost: x\r\n" + ten
                                    + b"\r\n", 431)


def test_header_bytes_431_before_section_end(echo):
    """Headers keep arriving without an end: 431 as soon as the limit is passed."""
    res = raw(echo, b"GET /items/new HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000,
              read_timeout=3.0)
    assert len(res.responses) == 1
    assert_problem(res.first, 431)
    assert res.closed


# --- body -------------------------------------------------------------------------------------

def test_content_length_over_limit_413_without_waiting_for_body(echo):
    """Headers announce 2 MiB (limit 1 MiB) and no body byte is sent: 413 at once, then close."""
    t0 = time.monotonic()
    res = raw(echo, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
              b"Content-Length: 2097152\r\n\r\n", read_timeout=3.0)
    assert len(res.responses) == 1
    assert_problem(res.first, 413)
    assert res.closed
    assert time.monotonic() - t0 < 2.0


def test_content_length_at_default_limit_ok(echo):
    body = bytes(range(256)) * 4096  # exactly 1 MiB
    r = httpx.post(echo.url("/echo"), content=body,
                   headers={"Content-Type": "application/octet-stream"}, timeout=5)
    assert r.status_code == 200
    assert r.headers["x-body-length"] == str(len(body))
    assert r.content == body


def test_content_length_one_over_default_limit(echo):
    assert_closes_without_smuggling(
        echo, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n", 413)


def test_route_limit_small_exact(echo):
    ok = b"POST /echo/small HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" \
         b"Content-Length: 16\r\n\r\n" + b"s" * 16
    status, headers, body, closed = raw(echo, ok, expect=1)
    assert (status, body, closed) == (200, b"s" * 16, False)
    assert headers["x-body-length"] == "16"
    bad = b"POST /echo/small HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" \
          b"Content-Length: 17\r\n\r\n" + b"s" * 17
    assert_closes_without_smuggling(echo, bad, 413)


def test_route_limit_small_chunked_exact(echo):
    ok = (b"POST /echo/small HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\nabcdefgh\r\n0\r\n\r\n")
    status, headers, body, closed = raw(echo, ok, expect=1)
    assert (status, body, closed) == (200, b"12345678abcdefgh", False)
    bad = (b"POST /echo/small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"8\r\n12345678\r\n9\r\nabcdefghi\r\n0\r\n\r\n")
    assert_closes_without_smuggling(echo, bad, 413)


def test_chunked_over_default_limit_413(echo):
    """1 MiB + 1 byte in 64 KiB chunks -> 413 and close."""
    chunk = b"10000\r\n" + b"c" * 0x10000 + b"\r\n"
    body = chunk * 16 + b"1\r\nX\r\n0\r\n\r\n"
    res = raw(echo, b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body,
              read_timeout=3.0)
    assert len(res.responses) == 1
    assert_problem(res.first, 413)
    assert res.closed


def test_max_body_bytes_configured(limited):
    ok = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n" \
         b"\r\n" + b"z" * 100
    status, headers, body, closed = raw(limited, ok, expect=1)
    assert (status, body, closed) == (200, b"z" * 100, False)
    bad = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 101\r\n" \
          b"\r\n" + b"z" * 101
    assert_closes_without_smuggling(limited, bad, 413)


def test_expect_100_continue_over_limit_413_no_continue(echo):
    with Conn(echo) as c:
        c.send(b"POST /echo/small HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 100\r\nExpect: 100-continue\r\n\r\n")
        r = c.read_response(timeout=3.0, skip_1xx=False)
        assert r is not None, "no response"
        assert r.status != 100, "100 Continue sent for a body over the route limit"
        assert_problem(r, 413)
        assert c.wait_closed(2.0), "connection not closed after 413"


# --- expectations ---------------------------------------------------------------------------

def test_unknown_expectation_417(echo):
    bad = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n" \
          b"Expect: foo\r\n\r\nhello"
    assert_closes_without_smuggling(echo, bad, 417)
