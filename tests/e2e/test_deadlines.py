"""Request deadlines: a route budget (server.request_timeout, per-route override), tightened by a
client's X-Request-Timeout / grpc-timeout header, never extended; past it the handler's waits are
cancelled and the request is answered 504 problem+json."""

import time

import httpx

from conftest import PROBLEM_JSON


def problem(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].split(";")[0] == PROBLEM_JSON
    body = resp.json()
    assert body["status"] == status
    return body


def timed_get(srv, path, headers=None):
    started = time.monotonic()
    resp = srv.get(path, headers=headers or {})
    return resp, time.monotonic() - started


def test_client_timeout_header_tightens_the_budget(echo_server):
    srv = echo_server()
    resp, elapsed = timed_get(srv, "/delay?ms=3000", {"X-Request-Timeout": "150"})
    body = problem(resp, 504)
    assert "deadline" in body["detail"]
    assert 0.1 <= elapsed < 1.5, elapsed  # a bound, not a benchmark


def test_grpc_timeout_syntax(echo_server):
    srv = echo_server()
    resp, elapsed = timed_get(srv, "/delay?ms=3000", {"grpc-timeout": "150m"})
    problem(resp, 504)
    assert elapsed < 1.5, elapsed


def test_header_never_extends_the_route_budget(echo_server):
    srv = echo_server(server__request_timeout="200ms")
    resp, elapsed = timed_get(srv, "/sleep-ignoring-deadline?ms=3000",
                              {"X-Request-Timeout": "60000"})
    problem(resp, 504)
    assert elapsed < 1.5, elapsed


def test_handler_ignoring_its_deadline_is_still_cancelled(echo_server):
    srv = echo_server(server__request_timeout="250ms")
    resp, elapsed = timed_get(srv, "/sleep-ignoring-deadline?ms=5000")
    body = problem(resp, 504)
    assert "while it was being handled" in body["detail"]
    assert 0.2 <= elapsed < 1.5, elapsed
    # The connection and the server go on serving.
    assert srv.get("/items/new").text == "static"


def test_within_budget_succeeds(echo_server):
    srv = echo_server(server__request_timeout="2s")
    resp = srv.get("/sleep-ignoring-deadline?ms=50", headers={"X-Request-Timeout": "1500"})
    assert resp.status_code == 200 and resp.text == "slept"


def test_malformed_deadline_headers_are_400(echo_server):
    srv = echo_server()
    for name, value in [("X-Request-Timeout", "abc"), ("X-Request-Timeout", "123456789"),
                        ("X-Request-Timeout", "-5"), ("grpc-timeout", "10"),
                        ("grpc-timeout", "1x"), ("grpc-timeout", "123456789S")]:
        body = problem(srv.get("/items/new", headers={name: value}), 400)
        assert name.lower() in body["detail"].lower(), body


def test_zero_timeout_never_runs_the_handler(echo_server):
    srv = echo_server()
    before = srv.canary_count()
    problem(srv.get("/canary", headers={"X-Request-Timeout": "0"}), 504)
    assert srv.canary_count() == before
