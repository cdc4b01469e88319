"""Routing: static vs parameter precedence, typed parameters, 404, 405 + Allow; keel-hello routes."""

import httpx
import pytest

from conftest import assert_problem, raw


def get(server, path: str, method: str = "GET"):
    res = raw(server, method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n",
              head=(method == "HEAD"), expect=1)
    assert res.first is not None, f"no response to {method} {path}"
    assert not res.closed, f"connection closed after {method} {path}"
    return res.first


@pytest.mark.parametrize("path,body", [
    ("/items/new", b"static"),
    ("/items/42", b"int:42"),
    ("/items/0", b"int:0"),
    ("/items/abc", b"str:abc"),
    ("/items/42abc", b"str:42abc"),
    ("/items/9223372036854775807", b"int:9223372036854775807"),
    ("/items/9223372036854775808", b"str:9223372036854775808"),
    ("/items/99999999999999999999", b"str:99999999999999999999"),
    ("/items/new?x=1", b"static"),
    ("/items/7?id=9", b"int:7"),
])
def test_item_routes(echo, path, body):
    r = get(echo, path)
    assert (r.status, r.body) == (200, body)
    assert r.headers["content-length"] == str(len(body))


def test_put_int_route(echo):
    res = raw(echo, b"PUT /items/17 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", expect=1)
    assert (res.first.status, res.first.body) == (200, b"put:17")


def test_head_on_param_route(echo):
    r = get(echo, "/items/42", "HEAD")
    assert (r.status, r.body) == (200, b"")
    assert r.headers["content-length"] == "6"


@pytest.mark.parametrize("path", ["/nope", "/items", "/items/42/extra", "/plaintextx",
                                  "/echo/small/more"])
def test_unknown_path_404(echo, path):
    r = get(echo, path)
    assert_problem(r, 404)


def test_405_with_allow(echo):
    r = get(echo, "/items/5", "DELETE")
    assert_problem(r, 405)
    assert set(r.headers.tokens("allow")) == {"get", "head", "put"}, r.headers.get_all("allow")


def test_405_on_post_only_route(echo):
    r = get(echo, "/echo", "GET")
    assert_problem(r, 405)
    assert set(r.headers.tokens("allow")) == {"post"}, r.headers.get_all("allow")


def test_unknown_method_token_on_known_path(echo):
    r = get(echo, "/items/new", "BREW")
    assert r.status in (405, 501), r.status
    assert_problem(r, r.status)
    if r.status == 405:
        assert set(r.headers.tokens("allow")) == {"get", "head"}


def test_path_is_case_sensitive(echo):
    assert_problem(get(echo, "/ITEMS/new"), 404)


# --- keel-hello ---------------------------------------------------------------------------------

def test_hello_plaintext(hello_server):
    r = httpx.get(hello_server.url("/plaintext"), timeout=5)
    assert r.status_code == 200
    assert r.content == b"Hello, World!"
    assert r.headers["content-type"].split(";")[0].strip() == "text/plain"
    assert r.headers["content-length"] == "13"


def test_hello_json(hello_server):
    r = httpx.get(hello_server.url("/json"), timeout=5)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0].strip() == "application/json"
    assert r.json() == {"message": "Hello, World!"}


def test_hello_health_ready_metrics(hello_server):
    with httpx.Client(timeout=5) as c:
        assert c.get(hello_server.url("/plaintext")).status_code == 200
        assert c.get(hello_server.url("/healthz")).status_code == 200
        assert c.get(hello_server.url("/readyz")).status_code == 200
        m = c.get(hello_server.url("/metrics"))
        assert m.status_code == 200
        assert "keel_http_requests_total" in m.text


def test_hello_404(hello_server):
    r = get(hello_server, "/echo")
    assert_problem(r, 404)
