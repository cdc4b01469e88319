"""Error responses: RFC 9457 problem+json bodies, and which errors close the connection."""

import json

import pytest

from conftest import Conn, assert_closes_without_smuggling, assert_problem, raw

GET_PLAIN = b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n"

ERRORS = [
    ("404", b"GET /does-not-exist HTTP/1.1\r\nHost: x\r\n\r\n", 404, False),
    ("405", b"DELETE /items/5 HTTP/1.1\r\nHost: x\r\n\r\n", 405, False),
    ("400_missing_host", b"GET /items/new HTTP/1.1\r\n\r\n", 400, True),
    ("400_cl_te", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, True),
    ("413", b"POST /echo/small HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + b"x" * 17,
     413, True),
    ("414", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, True),
    ("417", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: foo\r\n\r\nx",
     417, True),
    ("431", b"GET /items/new HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n",
     431, True),
    ("501", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            b"0\r\n\r\n", 501, True),
    ("505", b"GET /items/new HTTP/2.0\r\nHost: x\r\n\r\n", 505, True),
]


@pytest.mark.parametrize("name,request_bytes,status,closes", ERRORS, ids=[e[0] for e in ERRORS])
def test_problem_json_body(echo, name, request_bytes, status, closes):
    res = raw(echo, request_bytes, expect=1, read_timeout=2.0)
    assert len(res.responses) == 1
    body = assert_problem(res.first, status)
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert res.closed == closes, f"closed={res.closed}, expected {closes}"


@pytest.mark.parametrize("name,request_bytes,status,closes",
                         [e for e in ERRORS if e[3]], ids=[e[0] for e in ERRORS if e[3]])
def test_closing_error_announces_connection_close(echo, name, request_bytes, status, closes):
    """RFC 9112 §9.6: a server that is about to close sends the "close" connection option."""
    res = raw(echo, request_bytes, expect=1, read_timeout=2.0)
    assert res.first is not None and res.first.status == status
    assert "close" in res.first.headers.tokens("connection"), res.first.headers


def test_non_framing_errors_keep_connection(echo):
    with Conn(echo) as c:
        assert_problem(c.request(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"), 404)
        assert_problem(c.request(b"DELETE /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"), 405)
        r = c.request(GET_PLAIN)
        assert (r.status, r.body) == (200, b"static")


def test_problem_detail_is_specific(echo):
    """Two different framing errors give two different details (not one generic text)."""
    a = raw(echo, b"GET /items/new HTTP/1.1\r\n\r\n", expect=1).first
    b = raw(echo, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
            expect=1).first
    da, db = assert_problem(a, 400)["detail"], assert_problem(b, 400)["detail"]
    assert da != db, f"same detail for missing Host and bad Content-Length: {da!r}"


def test_problem_body_is_utf8_json_object(echo):
    r = raw(echo, b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", expect=1).first
    text = r.body.decode("utf-8")
    obj = json.loads(text)
    assert isinstance(obj, dict)
    assert r.headers["content-length"] == str(len(r.body))


MALFORMED = [
    ("garbage_line", b"GARBAGE\r\n\r\n"),
    ("no_version", b"GET /items/new\r\nHost: x\r\n\r\n"),
    ("double_space", b"GET  /items/new HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("target_not_origin_form", b"GET plaintext HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("lowercase_http_name", b"GET /items/new http/1.1\r\nHost: x\r\n\r\n"),
    ("trailing_space_after_version", b"GET /items/new HTTP/1.1 \r\nHost: x\r\n\r\n"),
    ("space_in_field_name", b"GET /items/new HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n"),
    ("bad_char_in_field_name", b"GET /items/new HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n"),
    ("empty_field_name", b"GET /items/new HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n"),
    ("no_colon", b"GET /items/new HTTP/1.1\r\nHost: x\r\nJustAName\r\n\r\n"),
    ("nul_in_value", b"GET /items/new HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
    ("nul_in_target", b"GET /plain\x00text HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("space_in_target", b"GET /plain text HTTP/1.1\r\nHost: x\r\n\r\n"),
]


@pytest.mark.parametrize("name,bad", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_request_400_and_close(echo, name, bad):
    assert_closes_without_smuggling(echo, bad, 400)
