"""Request smuggling: every framing ambiguity is answered with an error and the connection is
closed; a complete GET /canary pipelined after the bad request must never be executed."""

import pytest

from conftest import CANARY, assert_closes_without_smuggling, assert_problem, raw

H = b"Host: x\r\n"


def post(headers: bytes, body: bytes = b"", target: bytes = b"/echo", version: bytes = b"HTTP/1.1",
         host: bytes = H) -> bytes:
    return b"POST " + target + b" " + version + b"\r\n" + host + headers + b"\r\n" + body


def get(headers: bytes = b"", target: bytes = b"/items/new", version: bytes = b"HTTP/1.1",
        host: bytes = H) -> bytes:
    return b"GET " + target + b" " + version + b"\r\n" + host + headers + b"\r\n"


CHUNKED_HELLO = b"5\r\nhello\r\n0\r\n\r\n"

CASES = [
    # --- Transfer-Encoding / Content-Length conflicts (RFC 9112 §6.1, §6.3) -------------------
    ("cl_and_te", 400,
     post(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", CHUNKED_HELLO)),
    ("te_and_cl", 400,
     post(b"Transfer-Encoding: chunked\r\nContent-Length: 15\r\n", CHUNKED_HELLO)),
    ("te_chunked_gzip", 400, post(b"Transfer-Encoding: chunked, gzip\r\n", CHUNKED_HELLO)),
    ("te_gzip_alone", 400, post(b"Transfer-Encoding: gzip\r\n", b"hello")),
    ("te_chunked_chunked", 400, post(b"Transfer-Encoding: chunked, chunked\r\n", CHUNKED_HELLO)),
    ("te_chunked_twice_as_two_fields", 400,
     post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", CHUNKED_HELLO)),
    ("te_gzip_chunked", 501, post(b"Transfer-Encoding: gzip, chunked\r\n", CHUNKED_HELLO)),
    ("te_on_http10", 400,
     post(b"Transfer-Encoding: chunked\r\n", CHUNKED_HELLO, version=b"HTTP/1.0")),
    # --- Content-Length syntax ------------------------------------------------------------------
    ("two_cl_same", 400, post(b"Content-Length: 5\r\nContent-Length: 5\r\n", b"hello")),
    ("two_cl_different", 400, post(b"Content-Length: 5\r\nContent-Length: 6\r\n", b"hello!")),
    ("cl_list", 400, post(b"Content-Length: 5, 6\r\n", b"hello!")),
    ("cl_empty", 400, post(b"Content-Length: \r\n", b"hello")),
    ("cl_plus", 400, post(b"Content-Length: +5\r\n", b"hello")),
    ("cl_hex", 400, post(b"Content-Length: 0x5\r\n", b"hello")),
    ("cl_negative", 400, post(b"Content-Length: -5\r\n", b"hello")),
    ("cl_20_digits", 400, post(b"Content-Length: 18446744073709551621\r\n", b"hello")),
    # --- header syntax --------------------------------------------------------------------------
    ("obs_fold", 400, get(b"X-Folded: a\r\n b\r\n")),
    ("obs_fold_te", 400, post(b"Transfer-Encoding:\r\n chunked\r\n", CHUNKED_HELLO)),
    ("bare_lf_everywhere", 400, b"GET /items/new HTTP/1.1\nHost: x\n\n"),
    ("bare_lf_one_header", 400, b"GET /items/new HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n"),
    ("bare_cr_in_value", 400, get(b"X-A: a\rb\r\n")),
    ("bare_cr_line_end", 400, b"GET /items/new HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n"),
    ("space_before_colon", 400, post(b"Transfer-Encoding : chunked\r\n", CHUNKED_HELLO)),
    # --- chunked body syntax ----------------------------------------------------------------------
    ("chunk_ext_over_4096_one_chunk", 400,
     post(b"Transfer-Encoding: chunked\r\n",
          b"5;e=" + b"a" * 5000 + b"\r\nhello\r\n0\r\n\r\n")),
    ("chunk_ext_over_4096_summed", 400,
     post(b"Transfer-Encoding: chunked\r\n",
          b"".join(b"1;e=" + b"a" * 1000 + b"\r\nx\r\n" for _ in range(5)) + b"0\r\n\r\n")),
    ("chunk_size_not_hex", 400, post(b"Transfer-Encoding: chunked\r\n", b"zz\r\nhello\r\n0\r\n\r\n")),
    ("chunk_size_negative", 400, post(b"Transfer-Encoding: chunked\r\n", b"-5\r\nhello\r\n0\r\n\r\n")),
    ("chunk_size_0x_prefix", 400,
     post(b"Transfer-Encoding: chunked\r\n", b"0x5\r\nhello\r\n0\r\n\r\n")),
    ("chunk_size_overflow", 400,
     post(b"Transfer-Encoding: chunked\r\n", b"1" + b"0" * 16 + b"\r\nhello\r\n0\r\n\r\n")),
    ("chunk_size_runaway_digits", 400,
     post(b"Transfer-Encoding: chunked\r\n", b"1" * 200 + b"\r\nhello\r\n0\r\n\r\n")),
    ("chunk_data_longer_than_size", 400,
     post(b"Transfer-Encoding: chunked\r\n", b"3\r\nhello\r\n0\r\n\r\n")),
    ("chunk_missing_size", 400, post(b"Transfer-Encoding: chunked\r\n", b"\r\nhello\r\n0\r\n\r\n")),
    # --- Host -----------------------------------------------------------------------------------
    ("missing_host", 400, get(host=b"")),
    ("duplicate_host", 400, get(b"Host: y\r\n")),
    # --- version ----------------------------------------------------------------------------------
    ("http_2_0", 505, get(version=b"HTTP/2.0")),
    ("http_0_9", 505, get(version=b"HTTP/0.9")),
]


@pytest.mark.parametrize("name,status,bad", CASES, ids=[c[0] for c in CASES])
def test_framing_error_closes_and_does_not_smuggle(echo, name, status, bad):
    assert_closes_without_smuggling(echo, bad, status)


def test_s11_content_length_over_route_limit(echo):
    """S11: POST /echo/small (limit 16) with a 20-byte Content-Length body + pipelined canary."""
    bad = post(b"Content-Type: text/plain\r\nContent-Length: 20\r\n", b"A" * 20,
               target=b"/echo/small")
    assert_closes_without_smuggling(echo, bad, 413)


def test_chunked_over_route_limit(echo):
    bad = post(b"Transfer-Encoding: chunked\r\n", b"a\r\n" + b"A" * 10 + b"\r\na\r\n" + b"B" * 10
               + b"\r\n0\r\n\r\n", target=b"/echo/small")
    assert_closes_without_smuggling(echo, bad, 413)


def test_cl_te_classic_smuggle_payload(echo):
    """The classic CL.TE attack: the canary hides inside what a CL-reading proxy sees as body."""
    hidden = b"0\r\n\r\n" + CANARY
    bad = post(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(hidden), hidden)
    before = echo.canary_count()
    res = raw(echo, bad, read_timeout=2.0)
    assert [r.status for r in res.responses] == [400]
    assert_problem(res.first, 400)
    assert res.closed
    assert echo.canary_count() == before


def test_oracle_positive_control_content_length(echo):
    """Sanity check of the oracle: a valid request + canary -> two responses, canary counted."""
    before = echo.canary_count()
    ok = post(b"Content-Type: text/plain\r\nContent-Length: 5\r\n", b"hello")
    res = raw(echo, ok + CANARY, expect=2)
    assert [r.status for r in res.responses] == [200, 200]
    assert res.responses[0].body == b"hello"
    assert not res.closed
    assert echo.canary_count() == before + 1


def test_oracle_positive_control_chunked(echo):
    before = echo.canary_count()
    ok = post(b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n", CHUNKED_HELLO)
    res = raw(echo, ok + CANARY, expect=2)
    assert [r.status for r in res.responses] == [200, 200]
    assert res.responses[0].body == b"hello"
    assert not res.closed
    assert echo.canary_count() == before + 1
