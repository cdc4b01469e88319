"""Admin listener: with --admin-listen, /metrics moves to the admin port; health stays on main."""

import time

import httpx
import pytest

from conftest import assert_problem, free_port, metric_samples, raw


@pytest.fixture
def split(echo_server):
    return echo_server(_admin=True)


def test_metrics_on_admin_port(split):
    r = httpx.get(split.url("/metrics", admin=True), timeout=5)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "keel_http_requests_total" in r.text or "keel_http_open_connections" in r.text


def test_metrics_404_on_main_port(split):
    res = raw(split, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", expect=1)
    assert_problem(res.first, 404)


def test_health_on_main_port(split):
    with httpx.Client(timeout=5) as c:
        assert c.get(split.url("/healthz")).status_code == 200
        assert c.get(split.url("/readyz")).status_code == 200


def test_admin_counts_main_traffic(split):
    with httpx.Client(timeout=5) as c:
        for _ in range(3):
            assert c.get(split.url("/items/new")).status_code == 200
        text = c.get(split.url("/metrics", admin=True)).text
    samples = metric_samples(text)
    assert any(n == "keel_http_requests_total" and l.get("route") == "/items/new"
               and l.get("method") == "GET" and l.get("code") == "200" and v >= 3
               for n, l, v in samples), text


def test_two_listening_log_lines(split):
    addrs = set()
    for _ in range(30):
        addrs = {l.get("address") for l in split.logs() if l.get("msg") == "listening"}
        if len(addrs) >= 2:
            break
        time.sleep(0.05)
    assert addrs == {f"127.0.0.1:{split.port}", f"127.0.0.1:{split.admin_port}"}, addrs
    assert len([l for l in split.logs() if l.get("msg") == "listening"]) == 2


def test_metrics_on_main_port_by_default(echo_server):
    srv = echo_server()
    r = httpx.get(srv.url("/metrics"), timeout=5)
    assert r.status_code == 200


def test_admin_listen_via_env(echo_server):
    p2 = free_port()
    srv = echo_server(server__admin_listen=f"127.0.0.1:{p2}")
    assert httpx.get(f"http://127.0.0.1:{p2}/metrics", timeout=5).status_code == 200
    assert httpx.get(srv.url("/metrics"), timeout=5).status_code == 404
