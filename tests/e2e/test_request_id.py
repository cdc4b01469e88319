"""X-Request-Id: echoed when valid, replaced when invalid, generated when absent; it is the
problem body's instance and the access log line's request_id."""

import pytest

from conftest import REQUEST_ID_RE, Conn, assert_problem, raw


def send(server, path: bytes = b"/items/new", rid: bytes | None = None, method: bytes = b"GET"):
    hdr = b"X-Request-Id: " + rid + b"\r\n" if rid is not None else b""
    res = raw(server, method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n" + hdr + b"\r\n", expect=1)
    assert res.first is not None
    return res.first


VALID = [b"abc", b"A", b"req-123_x.y:z", b"0123456789" * 6 + b"abcd",
         b"550e8400-e29b-41d4-a716-446655440000"]


@pytest.mark.parametrize("rid", VALID, ids=lambda v: f"len{len(v)}")
def test_valid_request_id_echoed(echo, rid):
    r = send(echo, rid=rid)
    assert r.status == 200
    assert r.headers.get_all("x-request-id") == [rid.decode()]


INVALID = [
    ("too_long_65", b"a" * 65),
    ("space", b"abc def"),
    ("double_quote", b'abc"def'),
    ("single_quote", b"abc'def"),
    ("slash", b"abc/def"),
    ("non_ascii", "caf\u00e9".encode("utf-8")),
    ("html", b"<script>"),
    ("empty", b""),
]


@pytest.mark.parametrize("name,rid", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_request_id_replaced(echo, name, rid):
    r = send(echo, rid=rid)
    assert r.status == 200
    got = r.headers.get_all("x-request-id")
    assert len(got) == 1, got
    assert got[0] != rid.decode("latin-1").strip()
    assert REQUEST_ID_RE.match(got[0]), got[0]


def test_absent_request_id_generated_and_unique(echo):
    ids = set()
    with Conn(echo) as c:
        for _ in range(5):
            r = c.request(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n")
            got = r.headers.get_all("x-request-id")
            assert len(got) == 1 and REQUEST_ID_RE.match(got[0]), got
            ids.add(got[0])
    assert len(ids) == 5, f"generated ids repeat: {ids}"


def test_request_id_is_problem_instance(echo):
    r = send(echo, path=b"/missing", rid=b"trace-404-xyz")
    assert r.headers["x-request-id"] == "trace-404-xyz"
    assert_problem(r, 404, request_id="trace-404-xyz")


def test_request_id_on_framing_error(echo):
    res = raw(echo, b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: frame-err-1\r\n"
              b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", read_timeout=2.0)
    assert len(res.responses) == 1
    body = assert_problem(res.first, 400)
    # the whole head was received, so the client's id is known and must be used
    assert body["instance"] == "frame-err-1"


def test_invalid_request_id_replaced_in_problem(echo):
    r = send(echo, path=b"/missing", rid=b"bad id with spaces")
    body = assert_problem(r, 404)
    assert body["instance"] != "bad id with spaces"


def test_request_id_in_access_log(echo_server):
    srv = echo_server()
    r = send(srv, path=b"/items/new", rid=b"log-me-123")
    assert r.status == 200
    line = srv.wait_log(lambda l: l.get("msg") == "request" and l.get("request_id") == "log-me-123")
    assert line is not None, f"no access log line with request_id log-me-123:\n{srv.stdout()}"
    assert line["route"] == "/items/new"
    assert line["method"] == "GET"
    assert line["path"] == "/items/new"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], (int, float)) and line["duration_ms"] >= 0
    assert isinstance(line["bytes"], int) and line["bytes"] >= 6
    assert line["level"] in ("debug", "info", "warn", "error")
    assert isinstance(line["ts"], str) and line["ts"]


def test_generated_request_id_in_access_log(echo_server):
    srv = echo_server()
    r = send(srv, path=b"/missing")
    rid = r.headers["x-request-id"]
    line = srv.wait_log(lambda l: l.get("msg") == "request" and l.get("request_id") == rid)
    assert line is not None, f"no access log line with request_id {rid}:\n{srv.stdout()}"
    assert line["status"] == 404
    assert line["path"] == "/missing"
