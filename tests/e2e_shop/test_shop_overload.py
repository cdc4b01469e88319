"""Overload protection is wired into keel-shop (docs/overload.md): with a tiny static concurrency
limit, requests beyond it are refused at once with 503 + Retry-After (problem+json) while health
and readiness still answer; the shop's sheddable routes are refused before its default ones; a
rate policy answers 429 with the RateLimit fields; overload.enabled = false (the benchmark
baseline) turns admission off in the same binary; contradictory settings stop `serve`.

Slots are held by GET /debug/slow-query?ms=N (shop.debug_routes), which keeps a reader busy for
N ms; the server's own gauge (keel_admission_in_flight on /metrics) says when they are in flight,
so no assertion depends on timing beyond generous bounds."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest

from shop_helpers import assert_problem

HOLD_MS = 1500
STATIC = {"overload__limiter": "static", "overload__queue_size": 0, "shop__debug_routes": True}


def metric(srv, name: str, **labels) -> float:
    total = 0.0
    for line in srv.get("/metrics").text.splitlines():
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def wait_in_flight(srv, n: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if metric(srv, "keel_admission_in_flight") >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"never {n} requests in flight (admission gauge)")


class Holders:
    """n concurrent GET /debug/slow-query?ms=HOLD_MS on their own connections."""

    def __init__(self, srv, n: int):
        self.results: list = [None] * n
        self.threads = [threading.Thread(target=self._run, args=(srv, i), daemon=True)
                        for i in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, srv, i: int) -> None:
        try:
            self.results[i] = httpx.get(srv.url("/debug/slow-query"), params={"ms": HOLD_MS},
                                        timeout=HOLD_MS / 1000 + 10).status_code
        except httpx.HTTPError as e:
            self.results[i] = repr(e)

    def join(self) -> list:
        for t in self.threads:
            t.join(timeout=HOLD_MS / 1000 + 12)
        return self.results


@pytest.fixture(scope="module")
def db(db_copy):
    return db_copy("overload")


def test_limit_reached_503_retry_after_while_health_answers(shop_server, db):
    # share_default = 1: default requests may fill the whole limit (0.8 x 2 would leave them 1).
    srv = shop_server(db, overload__static_limit=2, overload__share_default=1.0,
                      overload__retry_after="2s", **STATIC)
    assert srv.get("/v1/products/1").status_code == 200
    holders = Holders(srv, 2)
    try:
        wait_in_flight(srv, 2)
        started = time.monotonic()
        r = srv.get("/v1/products/1")
        elapsed = time.monotonic() - started
        body = assert_problem(r, 503)
        assert r.headers.get("retry-after") == "2", r.headers
        assert "concurrency limit" in body["detail"], body
        assert body["instance"] == r.headers.get("x-request-id"), body
        assert elapsed < 0.5, f"the refusal took {elapsed:.3f}s: it waited instead of refusing"
        # Health, readiness and metrics never compete with business traffic.
        for path in ("/healthz", "/readyz", "/metrics"):
            assert srv.get(path).status_code == 200, path
        assert metric(srv, "keel_admission_rejections_total", reason="limit",
                      priority="default") == 1
        assert metric(srv, "keel_admission_limit") == 2
    finally:
        statuses = holders.join()
    assert statuses == [200, 200], statuses
    assert srv.get("/v1/products/1").status_code == 200  # the slots came back


def test_sheddable_routes_are_refused_before_default_ones(shop_server, db):
    # Limit 4: sheddable routes may fill 2 slots, default ones 3 (share 0.8), critical all 4.
    srv = shop_server(db, overload__static_limit=4, **STATIC)
    holders = Holders(srv, 2)
    try:
        wait_in_flight(srv, 2)
        batch = srv.post("/v1/products/batch", json={"ids": [1, 2]})
        body = assert_problem(batch, 503)
        assert "sheddable" in body["detail"], body
        summary = srv.get("/v1/users/1/summary")
        assert_problem(summary, 503)
        # The product page and the user's account (default) still get the third slot.
        assert srv.get("/v1/products/1").status_code == 200
        assert srv.get("/v1/users/1").status_code == 200
        assert metric(srv, "keel_admission_rejections_total", reason="priority",
                      priority="sheddable") == 2
        assert metric(srv, "keel_admission_rejections_total", priority="default") == 0
    finally:
        statuses = holders.join()
    assert statuses == [200, 200], statuses
    assert srv.post("/v1/products/batch", json={"ids": [1, 2]}).status_code == 200


def test_disabled_admission_admits_everything(shop_server, db):
    """overload.enabled = false: the same tiny limit refuses nothing (bench/overload.sh's
    baseline), and no admission gauge is exported."""
    srv = shop_server(db, overload__enabled=False, overload__static_limit=1, **STATIC)
    holders = Holders(srv, 2)
    try:
        time.sleep(0.3)  # both holders are in their handlers by now (no gauge to wait on)
        assert srv.get("/v1/products/1").status_code == 200
        assert "keel_admission_limit" not in srv.get("/metrics").text
    finally:
        statuses = holders.join()
    assert statuses == [200, 200], statuses


def test_rate_policy_429_with_ratelimit_fields(shop_server, db):
    srv = shop_server(db, ratelimit__enabled=True,
                      ratelimit__policies="GET /v1/products/{id:int}=2/m burst 1 name=product")
    first = srv.get("/v1/products/1")
    assert first.status_code == 200, first.text
    assert first.headers.get("ratelimit-policy") == '"product";q=2;w=60', first.headers
    assert first.headers.get("ratelimit") == '"product";r=1;t=30', first.headers
    assert srv.get("/v1/products/2").status_code == 200
    third = srv.get("/v1/products/3")
    body = assert_problem(third, 429)
    assert body["violated-policies"] == ["product"], body
    retry = int(third.headers["retry-after"])
    assert 29 <= retry <= 30, retry
    assert third.headers.get("ratelimit") == f'"product";r=0;t={retry}', third.headers
    # Other routes, and health, are not limited by this policy.
    other = srv.get("/v1/users/1")
    assert other.status_code == 200 and "ratelimit" not in other.headers, other.headers
    assert srv.get("/healthz").status_code == 200
    assert metric(srv, "keel_ratelimit_rejections_total", policy="product") == 1


@pytest.mark.parametrize("env, key", [
    ({"overload__share_default": 0.3, "overload__share_sheddable": 0.6},
     "overload.share_sheddable"),
    ({"ratelimit__enabled": True, "ratelimit__policies": "GET /v1/products/{id:int}=ten/s"},
     "ratelimit.policies"),
])
def test_contradictory_settings_stop_serve(db, tmp_path, env, key):
    from shop_helpers import ShopServer  # started by hand: it must not become ready
    srv = ShopServer(db, tmp_path, "bad-overload", env)
    try:
        rc = srv.proc.wait(timeout=15)
        out = srv.stdout() + srv.stderr()
        assert rc == 2, f"exit status {rc}, expected 2\n{out[-1500:]}"
        assert key in out, f"the error does not name {key}:\n{out[-1500:]}"
    finally:
        srv.stop()
