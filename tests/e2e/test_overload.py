"""Overload as a planned condition: admission control (concurrency limit, priority classes,
queue), deadline-aware refusal and per-client rate limits, against the real keel-echo.

Slots are held by /hold/<class>?ms=N requests sent on raw connections and read later; the
server's own gauges (/metrics) say when they are in flight, so no test depends on timing beyond
generous bounds."""

from __future__ import annotations

import concurrent.futures
import time

import httpx

from conftest import Conn, PROBLEM_JSON, assert_problem, metric_samples

HOLD = b"GET /hold/%s?ms=%d HTTP/1.1\r\nHost: x\r\n\r\n"


def metric(srv, name: str, **labels) -> float:
    text = srv.get("/metrics").text
    total = 0.0
    for sample, sample_labels, value in metric_samples(text):
        if sample == name and all(sample_labels.get(k) == v for k, v in labels.items()):
            total += value
    return total


def wait_in_flight(srv, n: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if metric(srv, "keel_admission_in_flight") >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"never {n} requests in flight")


def hold(srv, cls: str, ms: int) -> Conn:
    c = Conn(srv)
    c.send(HOLD % (cls.encode(), ms))
    return c


def get(srv, path: str, headers: dict | None = None) -> httpx.Response:
    return srv.get(path, headers=headers or {})


def problem(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].split(";")[0] == PROBLEM_JSON
    body = resp.json()
    assert body["status"] == status and body["detail"], body
    assert body["instance"] == resp.headers["x-request-id"]
    return body


STATIC = dict(overload__limiter="static", overload__queue_size=0)


def test_static_limit_refuses_with_503_retry_after_problem(echo_server):
    srv = echo_server(overload__static_limit=1, overload__retry_after="2s", **STATIC)
    held = hold(srv, "default", 1500)
    try:
        wait_in_flight(srv, 1)
        started = time.monotonic()
        resp = get(srv, "/hold/default?ms=0")
        elapsed = time.monotonic() - started
        body = problem(resp, 503)
        assert resp.headers["retry-after"] == "2"
        assert "concurrency limit" in body["detail"]
        assert elapsed < 1.0, elapsed  # refused at once, not after the holder finished
        # Health and readiness never compete with business traffic.
        assert get(srv, "/healthz").status_code == 200
        assert get(srv, "/readyz").status_code == 200
        assert get(srv, "/metrics").status_code == 200
        assert metric(srv, "keel_admission_rejections_total", reason="limit",
                      priority="default") == 1
        assert metric(srv, "keel_admission_limit") == 1
    finally:
        r = held.read_response(timeout=5.0)
        held.close()
    assert r is not None and r.status == 200
    assert get(srv, "/hold/default?ms=0").status_code == 200  # the slot came back


def test_sheddable_is_refused_first_and_critical_last(echo_server):
    # Limit 4: sheddable may fill 2, default 3, critical all 4.
    srv = echo_server(overload__static_limit=4, overload__share_default=0.75,
                      overload__share_sheddable=0.5, **STATIC)
    held = [hold(srv, "sheddable", 2000), hold(srv, "sheddable", 2000)]
    try:
        wait_in_flight(srv, 2)
        body = problem(get(srv, "/hold/sheddable?ms=0"), 503)
        assert "reserved for more important" in body["detail"] and "sheddable" in body["detail"]
        held.append(hold(srv, "critical", 2000))
        wait_in_flight(srv, 3)
        problem(get(srv, "/hold/sheddable?ms=0"), 503)
        problem(get(srv, "/hold/default?ms=0"), 503)  # default's 3 slots are full too
        held.append(hold(srv, "critical", 2000))
        wait_in_flight(srv, 4)
        body = problem(get(srv, "/hold/critical?ms=0"), 503)
        assert "concurrency limit" in body["detail"]
        assert get(srv, "/healthz").status_code == 200
        assert metric(srv, "keel_admission_rejections_total", reason="priority",
                      priority="sheddable") == 2
        assert metric(srv, "keel_admission_rejections_total", reason="priority",
                      priority="default") == 1
        assert metric(srv, "keel_admission_rejections_total", reason="limit",
                      priority="critical") == 1
    finally:
        statuses = []
        for c in held:
            r = c.read_response(timeout=5.0)
            statuses.append(r.status if r else None)
            c.close()
    assert statuses == [200, 200, 200, 200]


def test_trusted_peer_may_set_the_priority(echo_server):
    srv = echo_server(overload__trusted_priority_peers="127.0.0.1/32")
    assert get(srv, "/hold/sheddable?ms=0", {"X-Priority": "critical"}).text == "critical"
    assert get(srv, "/hold/sheddable?ms=0", {"X-Priority": "bogus"}).text == "sheddable"
    other = echo_server(overload__trusted_priority_peers="10.0.0.0/8")
    assert get(other, "/hold/sheddable?ms=0", {"X-Priority": "critical"}).text == "sheddable"


def test_queued_request_is_admitted_when_a_slot_frees(echo_server):
    srv = echo_server(overload__limiter="static", overload__static_limit=1,
                      overload__queue_interval="3s", server__server_timing=True)
    held = hold(srv, "default", 400)
    try:
        wait_in_flight(srv, 1)
        started = time.monotonic()
        resp = get(srv, "/hold/default?ms=0")
        elapsed = time.monotonic() - started
        assert resp.status_code == 200, resp.text
        assert 0.1 <= elapsed < 3.0, elapsed
        assert "queue;dur=" in resp.headers.get("server-timing", ""), resp.headers
    finally:
        held.read_response(timeout=5.0)
        held.close()
    assert metric(srv, "keel_admission_queue_wait_seconds_count") >= 1


def test_queue_timeout_refuses(echo_server):
    srv = echo_server(overload__limiter="static", overload__static_limit=1,
                      overload__queue_interval="100ms")
    held = hold(srv, "default", 1500)
    try:
        wait_in_flight(srv, 1)
        started = time.monotonic()
        body = problem(get(srv, "/hold/default?ms=0"), 503)
        elapsed = time.monotonic() - started
        assert "waited for admission" in body["detail"]
        assert 0.08 <= elapsed < 1.0, elapsed
        assert metric(srv, "keel_admission_rejections_total", reason="queue_timeout") == 1
    finally:
        held.read_response(timeout=5.0)
        held.close()


def test_deadline_shorter_than_typical_service_time_is_refused_at_once(echo_server):
    srv = echo_server()
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda _: get(srv, "/hold/default?ms=200").status_code, range(12)))
    assert codes == [200] * 12
    started = time.monotonic()
    body = problem(get(srv, "/hold/default?ms=200", {"X-Request-Timeout": "100"}), 504)
    elapsed = time.monotonic() - started
    assert "typical service time" in body["detail"], body
    assert elapsed < 0.09, elapsed  # not after waiting out the 100 ms
    assert metric(srv, "keel_admission_rejections_total", reason="deadline") == 1
    # Another route has no history: the same budget is served.
    assert get(srv, "/items/new", {"X-Request-Timeout": "100"}).status_code == 200


RL = dict(ratelimit__enabled=True)


def test_rate_limit_429_with_retry_after_and_ratelimit_fields(echo_server):
    srv = echo_server(ratelimit__policies="GET /limited=2/m burst 1", **RL)
    first = get(srv, "/limited")
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == '"GET /limited";q=2;w=60'
    assert first.headers["ratelimit"] == '"GET /limited";r=1;t=30'
    second = get(srv, "/limited")
    assert second.status_code == 200
    assert second.headers["ratelimit"].startswith('"GET /limited";r=0;t=')
    third = get(srv, "/limited")
    body = problem(third, 429)
    assert body["type"] == "https://iana.org/assignments/http-problem-types#quota-exceeded"
    assert body["violated-policies"] == ["GET /limited"]
    retry = int(third.headers["retry-after"])
    assert 29 <= retry <= 30, retry  # one unit comes back every 60 s / 2
    assert third.headers["ratelimit-policy"] == '"GET /limited";q=2;w=60'
    assert third.headers["ratelimit"] == f'"GET /limited";r=0;t={retry}'
    # Other routes and health are not limited.
    assert get(srv, "/items/new").status_code == 200
    assert "ratelimit" not in get(srv, "/items/new").headers
    assert get(srv, "/healthz").status_code == 200
    assert metric(srv, "keel_ratelimit_rejections_total", policy="GET /limited") == 1
    assert metric(srv, "keel_ratelimit_keys", policy="GET /limited") == 1


def test_global_rate_limit(echo_server):
    srv = echo_server(ratelimit__global_rate="1/m burst 0", **RL)
    assert get(srv, "/items/new").status_code == 200
    resp = get(srv, "/items/1")
    assert problem(resp, 429)["violated-policies"] == ["global"]
    assert resp.headers["ratelimit-policy"] == '"global";q=1;w=60'
    assert get(srv, "/healthz").status_code == 200


def test_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(echo_server):
    srv = echo_server(ratelimit__policies="/limited=1/m burst 0", **RL)
    assert get(srv, "/limited", {"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    # 127.0.0.1 is not a trusted proxy: every request is the socket's client, one bucket.
    assert get(srv, "/limited", {"X-Forwarded-For": "198.51.100.2"}).status_code == 429
    assert get(srv, "/limited").status_code == 429


def test_forwarded_for_from_a_trusted_proxy_separates_clients(echo_server):
    srv = echo_server(ratelimit__policies="/limited=1/m burst 0",
                      ratelimit__trusted_proxies="127.0.0.1/32", **RL)
    assert get(srv, "/limited", {"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert get(srv, "/limited", {"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    assert get(srv, "/limited", {"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    # Entries left of the rightmost untrusted hop are the client's and are ignored.
    assert get(srv, "/limited",
               {"X-Forwarded-For": "203.0.113.77, 198.51.100.1"}).status_code == 429
    # No header: the proxy itself is the client.
    assert get(srv, "/limited").status_code == 200


def test_api_key_policy(echo_server):
    srv = echo_server(ratelimit__policies="/limited=1/m burst 0 key=api_key", **RL)
    assert get(srv, "/limited", {"X-Api-Key": "alpha"}).status_code == 200
    assert get(srv, "/limited", {"X-Api-Key": "beta"}).status_code == 200
    assert get(srv, "/limited", {"X-Api-Key": "alpha"}).status_code == 429
    assert get(srv, "/limited").status_code == 200  # no key: the client IP's bucket
    assert get(srv, "/limited").status_code == 429


def test_bad_policy_is_a_configuration_error_naming_the_key(echo_server):
    srv = echo_server(_wait=False, ratelimit__policies="GET /limited=ten/s")
    assert srv.wait_exit(10) == 2
    err = srv.stderr()
    assert "ratelimit.policies" in err and "ten/s" in err, err
    srv = echo_server(_wait=False, overload__share_default=0.3, overload__share_sheddable=0.6)
    assert srv.wait_exit(10) == 2
    assert "overload.share_sheddable" in srv.stderr(), srv.stderr()
