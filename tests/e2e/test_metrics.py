"""GET /metrics: Prometheus text exposition with the documented series, valid for promtool."""

import os
import subprocess
import time
import uuid

import httpx
import pytest

from conftest import Conn, metric_samples

PROMTOOL = "/usr/bin/promtool"


def scrape(srv, admin=False):
    r = httpx.get(srv.url("/metrics", admin=admin), timeout=5)
    assert r.status_code == 200, r.text[:300]
    return r


def value(samples, name, **labels):
    found = [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
    return found[0]


def test_metrics_content_type(echo_server):
    r = scrape(echo_server())
    parts = [p.strip() for p in r.headers["content-type"].split(";")]
    assert parts[0] == "text/plain"
    assert "version=0.0.4" in parts[1:], r.headers["content-type"]
    assert set(parts[1:]) <= {"version=0.0.4", "charset=utf-8"}, r.headers["content-type"]


def test_request_counter_and_histogram(hello_server):
    srv = hello_server
    with httpx.Client(timeout=5) as c:
        for _ in range(7):
            assert c.get(srv.url("/plaintext")).status_code == 200
    samples = metric_samples(scrape(srv).text)
    n = value(samples, "keel_http_requests_total", route="/plaintext", method="GET", code="200")
    assert n >= 7
    buckets = sorted(((float(l["le"]), v) for name, l, v in samples
                      if name == "keel_http_request_duration_seconds_bucket"
                      and l.get("route") == "/plaintext"), key=lambda b: b[0])
    assert buckets, "no keel_http_request_duration_seconds_bucket for /plaintext"
    assert buckets[-1][0] == float("inf")
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), f"buckets not cumulative: {buckets}"
    count = [v for name, l, v in samples if name == "keel_http_request_duration_seconds_count"
             and l.get("route") == "/plaintext"]
    assert count and sum(count) == buckets[-1][1] and buckets[-1][1] >= 7


def test_counter_exact_increment(echo_server):
    """4 requests to a parameter route add exactly 4 to that route's counter (its label is the
    route pattern, whatever its spelling)."""
    srv = echo_server()

    def items_total():
        return sum(v for n, l, v in metric_samples(scrape(srv).text)
                   if n == "keel_http_requests_total" and l.get("method") == "GET"
                   and l.get("code") == "200" and l.get("route", "").startswith("/items/")
                   and l.get("route") != "/items/new")

    before = items_total()
    with httpx.Client(timeout=5) as c:
        for i in range(4):
            assert c.get(srv.url(f"/items/{i}")).text == f"int:{i}"
    assert items_total() - before == 4


def test_error_codes_counted(echo_server):
    srv = echo_server()
    with httpx.Client(timeout=5) as c:
        assert c.delete(srv.url("/items/1")).status_code == 405
    samples = metric_samples(scrape(srv).text)
    assert any(n == "keel_http_requests_total" and l.get("code") == "405" and v >= 1
               for n, l, v in samples), "no keel_http_requests_total sample with code=405"


def test_route_label_has_no_raw_paths(echo_server):
    """Unknown paths and parameter values never become label values (bounded cardinality)."""
    srv = echo_server()
    token = uuid.uuid4().hex
    with httpx.Client(timeout=5) as c:
        assert c.get(srv.url(f"/unknown-{token}")).status_code == 404
        assert c.get(srv.url(f"/items/{token}")).status_code == 200
        assert c.get(srv.url("/items/918273645")).status_code == 200
    text = scrape(srv).text
    assert token not in text
    assert "918273645" not in text


def test_process_and_runtime_series(echo_server):
    srv = echo_server()
    samples = metric_samples(scrape(srv).text)
    names = {n for n, _, _ in samples}
    rss = value(samples, "process_resident_memory_bytes")
    assert 1_000_000 < rss < 2_000_000_000, rss
    fds = value(samples, "process_open_fds")
    assert 3 <= fds < 10000, fds
    assert any(n == "keel_event_loop_lag_seconds" or n.startswith("keel_event_loop_lag_seconds_")
               for n in names), sorted(names)
    assert "keel_http_open_connections" in names


def test_open_connections_gauge(echo_server):
    srv = echo_server()
    base = value(metric_samples(scrape(srv).text), "keel_http_open_connections")
    conns = [Conn(srv) for _ in range(3)]
    try:
        for c in conns:
            assert c.request(b"GET /items/new HTTP/1.1\r\nHost: x\r\n\r\n").status == 200
        during = value(metric_samples(scrape(srv).text), "keel_http_open_connections")
        assert during >= base + 3, (base, during)
    finally:
        for c in conns:
            c.close()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        after = value(metric_samples(scrape(srv).text), "keel_http_open_connections")
        if after <= base:
            break
        time.sleep(0.1)
    assert after <= base, f"gauge did not go back down: base {base}, after {after}"


@pytest.mark.skipif(not os.access(PROMTOOL, os.X_OK), reason=f"{PROMTOOL} not installed")
def test_promtool_check_metrics(echo_server):
    srv = echo_server()
    with httpx.Client(timeout=5) as c:
        for path in ("/items/new", "/items/1", "/nope", "/canary"):
            c.get(srv.url(path))
    body = scrape(srv).content
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True, timeout=10)
    assert p.returncode == 0, f"promtool: {p.stdout.decode()}{p.stderr.decode()}"


def test_hello_metrics(hello_server):
    with httpx.Client(timeout=5) as c:
        for _ in range(3):
            c.get(hello_server.url("/json"))
        samples = metric_samples(c.get(hello_server.url("/metrics")).text)
    assert value(samples, "keel_http_requests_total", route="/json", method="GET",
                 code="200") >= 3
