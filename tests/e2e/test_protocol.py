"""HTTP/1.1 message handling (RFC 9112): persistence, pipelining, HEAD, HTTP/1.0, Expect,
chunked request bodies, Date."""

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import pytest

from conftest import Conn, raw

GET_PLAIN = b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n"
HELLO = b"static"


def echo_req(body: bytes, ctype: bytes = b"text/plain", extra: bytes = b"") -> bytes:
    return (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype + b"\r\n" + extra
            + b"Content-Length: %d\r\n\r\n" % len(body) + body)


def chunked_req(chunks: bytes, ctype: bytes = b"text/plain", target: bytes = b"/echo") -> bytes:
    return (b"POST " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype
            + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)


# --- persistence ------------------------------------------------------------------------------

def test_keep_alive_is_default_in_http11(echo):
    with Conn(echo) as c:
        for _ in range(3):
            r = c.request(GET_PLAIN)
            assert (r.status, r.body) == (200, HELLO)
            assert "close" not in r.headers.tokens("connection")
        assert not c.wait_closed(0.3), "server closed a keep-alive connection"
        r = c.request(GET_PLAIN)
        assert r.status == 200


def test_connection_close_is_honoured(echo):
    res = raw(echo, b"GET /items/new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert len(res.responses) == 1
    r = res.first
    assert (r.status, r.body) == (200, HELLO)
    assert "close" in r.headers.tokens("connection")
    assert res.closed


def test_connection_close_stops_pipeline(echo):
    """Requests after one with Connection: close are not answered."""
    data = (b"GET /items/new HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            + b"GET /canary HTTP/1.1\r\nHost: x\r\n\r\n")
    before = echo.canary_count()
    res = raw(echo, data)
    assert [r.status for r in res.responses] == [200]
    assert res.closed
    assert echo.canary_count() == before


def test_http10_closes_by_default(echo):
    res = raw(echo, b"GET /items/new HTTP/1.0\r\n\r\n")
    assert len(res.responses) == 1
    assert (res.first.status, res.first.body) == (200, HELLO)
    assert res.closed


def test_http10_keep_alive_kept_open(echo):
    with Conn(echo) as c:
        r = c.request(b"GET /items/new HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert (r.status, r.body) == (200, HELLO)
        assert not c.wait_closed(0.3), "HTTP/1.0 keep-alive connection was closed"
        r = c.request(b"GET /items/7 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert r.status == 200


def test_http10_keep_alive_response_announces_keep_alive(echo):
    """An HTTP/1.0 client only keeps the connection if the response says keep-alive."""
    with Conn(echo) as c:
        r = c.request(b"GET /items/new HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert r.status == 200
        assert "keep-alive" in r.headers.tokens("connection"), r.headers


def test_http12_accepted_as_http11(echo):
    status, headers, body, closed = raw(echo, b"GET /items/new HTTP/1.2\r\nHost: x\r\n\r\n",
                                        expect=1)
    assert (status, body, closed) == (200, HELLO, False)


# --- pipelining ---------------------------------------------------------------------------------

def test_pipelined_requests_answered_in_order(echo):
    data = (GET_PLAIN
            + b"GET /items/42 HTTP/1.1\r\nHost: x\r\n\r\n"
            + echo_req(b"ping", b"application/x-test")
            + b"GET /items/abc HTTP/1.1\r\nHost: x\r\n\r\n"
            + b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
    res = raw(echo, data, expect=5)
    assert [(r.status, r.body) for r in res.responses] == [
        (200, HELLO), (200, b"int:42"), (200, b"ping"), (200, b"str:abc"), (200, b"static")]
    assert res.responses[2].headers["content-type"] == "application/x-test"
    assert not res.closed


def test_pipelining_keeps_order_behind_slow_request(echo):
    data = b"GET /delay?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n" + GET_PLAIN
    res = raw(echo, data, expect=2, read_timeout=3.0)
    assert [(r.status, r.body) for r in res.responses] == [(200, b"done"), (200, HELLO)]


def test_many_pipelined_requests(echo):
    n = 50
    res = raw(echo, b"".join(b"GET /items/%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n)),
              expect=n, read_timeout=3.0)
    assert [r.body for r in res.responses] == [b"int:%d" % i for i in range(n)]
    assert all(r.status == 200 for r in res.responses)


def test_request_split_across_writes(echo):
    parts = [b"GE", 0.05, b"T /ite", 0.05, b"ms/new HTTP/1.1\r", 0.05, b"\nHost: x\r\n", 0.05,
             b"\r", 0.05, b"\n"]
    res = raw(echo, parts, expect=1)
    assert (res.first.status, res.first.body) == (200, HELLO)


# --- HEAD ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/items/new", "/items/42", "/canary/count"])
def test_head_same_headers_as_get_no_body(echo, path):
    p = path.encode()
    data = (b"HEAD " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n" + b"GET " + p
            + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    res = raw(echo, data, head=[True, False], expect=2)
    assert len(res.responses) == 2, res
    head, get = res.responses
    assert head.status == get.status == 200
    assert head.body == b""
    assert head.headers.get("content-length") == str(len(get.body)), (head.headers, get.body)
    assert head.headers.get("content-type") == get.headers.get("content-type")
    ignore = {"date", "x-request-id", "server-timing"}
    assert head.headers.names() - ignore == get.headers.names() - ignore
    assert res.leftover == b"", f"HEAD response carried body bytes: {res.leftover[:100]!r}"


def test_head_error_has_no_body(echo):
    data = (b"HEAD /no/such/path HTTP/1.1\r\nHost: x\r\n\r\n" + GET_PLAIN)
    res = raw(echo, data, head=[True, False], expect=2)
    assert [r.status for r in res.responses] == [404, 200]
    head = res.responses[0]
    assert head.body == b""
    assert head.headers["content-type"].split(";")[0] == "application/problem+json"
    assert res.responses[1].body == HELLO


# --- Date ---------------------------------------------------------------------------------------

IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                         r"Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$")


@pytest.mark.parametrize("request_bytes,status", [
    (GET_PLAIN, 200),
    (b"HEAD /items/new HTTP/1.1\r\nHost: x\r\n\r\n", 200),
    (b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    (b"DELETE /items/1 HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    (b"GET /items/new HTTP/1.1\r\n\r\n", 400),
    (b"POST /echo/small HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n", 413),
    (b"GET /items/new HTTP/2.0\r\nHost: x\r\n\r\n", 505),
], ids=["200", "head", "404", "405", "400", "413", "505"])
def test_date_header_on_every_response(echo, request_bytes, status):
    res = raw(echo, request_bytes, head=request_bytes.startswith(b"HEAD"), expect=1)
    r = res.first
    assert r is not None and r.status == status
    dates = r.headers.get_all("date")
    assert len(dates) == 1, f"Date headers: {dates}"
    assert IMF_FIXDATE.match(dates[0]), f"not an IMF-fixdate: {dates[0]!r}"
    when = parsedate_to_datetime(dates[0])
    skew = abs((datetime.now(timezone.utc) - when).total_seconds())
    assert skew < 3, f"Date {dates[0]!r} is {skew:.1f}s off"


# --- Expect: 100-continue ---------------------------------------------------------------------

def test_expect_100_continue(echo):
    with Conn(echo) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        interim = c.read_response(timeout=2.0, skip_1xx=False)
        assert interim is not None, "no 100 Continue before the body was sent"
        assert interim.raw == b"HTTP/1.1 100 Continue\r\n\r\n"
        c.send(b"hello")
        r = c.read_response(timeout=3.0)
        assert r is not None and (r.status, r.body) == (200, b"hello")
        assert r.headers["x-body-length"] == "5"
        r = c.request(GET_PLAIN)
        assert r.status == 200


def test_expect_100_continue_case_insensitive(echo):
    with Conn(echo) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 2\r\nExpect: 100-Continue\r\n\r\n")
        interim = c.read_response(timeout=2.0, skip_1xx=False)
        assert interim is not None and interim.status == 100
        c.send(b"ok")
        r = c.read_response(timeout=3.0)
        assert r is not None and (r.status, r.body) == (200, b"ok")


def test_expect_100_continue_body_sent_anyway(echo):
    """A client that does not wait for 100 still gets exactly one final response after it."""
    res = raw(echo, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
              b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\nhello" + GET_PLAIN, expect=2)
    assert [(r.status, r.body) for r in res.responses] == [(200, b"hello"), (200, HELLO)]


# --- chunked request bodies -------------------------------------------------------------------

def test_chunked_body_decoded(echo):
    res = raw(echo, chunked_req(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"text/x-mine"),
              expect=1)
    r = res.first
    assert (r.status, r.body) == (200, b"hello world")
    assert r.headers["x-body-length"] == "11"
    assert r.headers["content-type"] == "text/x-mine"
    assert r.headers["content-length"] == "11" or "chunked" in r.headers.tokens("transfer-encoding")
    assert not res.closed


def test_chunked_hex_sizes_both_cases(echo):
    body = b"A" * 10 + b"B" * 26
    res = raw(echo, chunked_req(b"a\r\n" + b"A" * 10 + b"\r\n1A\r\n" + b"B" * 26 + b"\r\n0\r\n\r\n"),
              expect=1)
    assert (res.first.status, res.first.body) == (200, body)


def test_chunked_leading_zeros_in_size(echo):
    res = raw(echo, chunked_req(b"0005\r\nhello\r\n000\r\n\r\n"), expect=1)
    assert (res.first.status, res.first.body) == (200, b"hello")


def test_chunk_extensions_ignored(echo):
    res = raw(echo, chunked_req(b'5;name=value\r\nhello\r\n1;a;b="q x"\r\n!\r\n0;last\r\n\r\n'),
              expect=1)
    assert (res.first.status, res.first.body) == (200, b"hello!")


def test_chunked_trailers_consumed(echo):
    """Trailers are read and the next pipelined request is parsed from the right place."""
    data = chunked_req(b"5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n") + GET_PLAIN
    res = raw(echo, data, expect=2)
    assert [(r.status, r.body) for r in res.responses] == [(200, b"hello"), (200, HELLO)]
    assert not res.closed


def test_chunked_empty_body(echo):
    res = raw(echo, chunked_req(b"0\r\n\r\n"), expect=1)
    assert (res.first.status, res.first.body) == (200, b"")
    assert res.first.headers["x-body-length"] == "0"


def test_chunked_body_dripped(echo):
    parts = [chunked_req(b""), 0.05, b"5\r", 0.05, b"\nhel", 0.05, b"lo\r\n", 0.05, b"0\r\n",
             0.05, b"\r\n"]
    res = raw(echo, parts, expect=1)
    assert (res.first.status, res.first.body) == (200, b"hello")


def test_transfer_coding_name_case_insensitive(echo):
    data = (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    res = raw(echo, data, expect=1)
    assert (res.first.status, res.first.body) == (200, b"abc")


def test_chunked_binary_body(echo):
    payload = bytes(range(256)) * 20
    chunks = b"".join(b"%x\r\n" % len(payload[i:i + 1000]) + payload[i:i + 1000] + b"\r\n"
                      for i in range(0, len(payload), 1000)) + b"0\r\n\r\n"
    res = raw(echo, chunked_req(chunks, b"application/octet-stream"), expect=1)
    assert (res.first.status, res.first.body) == (200, payload)
    assert res.first.headers["x-body-length"] == str(len(payload))


# --- echo basics --------------------------------------------------------------------------------

def test_echo_content_length_body(echo):
    res = raw(echo, echo_req(b'{"a":1}', b"application/json; charset=utf-8"), expect=1)
    r = res.first
    assert (r.status, r.body) == (200, b'{"a":1}')
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.headers["x-body-length"] == "7"
    assert r.headers["content-length"] == "7"


def test_echo_empty_body(echo):
    res = raw(echo, echo_req(b""), expect=1)
    assert (res.first.status, res.first.body) == (200, b"")
    assert res.first.headers["x-body-length"] == "0"


def test_post_without_length_has_empty_body(echo):
    """A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3)."""
    data = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\r\n" + GET_PLAIN
    res = raw(echo, data, expect=2)
    assert [(r.status, r.body) for r in res.responses] == [(200, b""), (200, HELLO)]


def test_response_content_length_exact(echo):
    res = raw(echo, GET_PLAIN + b"GET /canary/count HTTP/1.1\r\nHost: x\r\n\r\n", expect=2)
    for r in res.responses:
        assert r.headers["content-length"] == str(len(r.body))
    assert res.responses[0].headers["content-type"].split(";")[0] == "text/plain"
    assert res.responses[1].headers["content-type"].split(";")[0] == "application/json"
    assert res.leftover == b""


def test_absolute_form_target(echo):
    res = raw(echo, b"GET http://x/items/new HTTP/1.1\r\nHost: x\r\n\r\n", expect=1)
    assert (res.first.status, res.first.body) == (200, HELLO)
