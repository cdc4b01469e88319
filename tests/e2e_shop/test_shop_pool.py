"""Reader pool exhaustion: with one reader connection held by GET /debug/slow-query?ms=3000, reads
are refused quickly with 503 + Retry-After (problem+json) instead of queueing, and the service
recovers once the slow query ends."""

from __future__ import annotations

import threading
from email.utils import parsedate_to_datetime
import time

import httpx
import pytest

from shop_helpers import TIMEOUT, assert_problem

SLOW_MS = 3000


CONTRACT_ENV = {"db__readers": 1, "db__acquire_timeout": "200ms", "shop__debug_routes": True}


@pytest.fixture
def server(shop_server, db_copy):
    # server.request_timeout (default 1 s) bounds every request, the slow query included: raise it
    # so that the slow query really holds the only reader for SLOW_MS.
    return shop_server(db_copy("pool"), server__request_timeout="10s", _name="pool", **CONTRACT_ENV)


def test_slow_query_runs_for_requested_time(shop_server, db_copy):
    """With exactly the configuration of the contract's scenario, /debug/slow-query?ms=3000 holds
    a reader for about 3 s and then answers 200."""
    srv = shop_server(db_copy("pool-contract"), _name="pool-contract", **CONTRACT_ENV)
    t0 = time.monotonic()
    r = srv.get("/debug/slow-query", params={"ms": SLOW_MS}, timeout=SLOW_MS / 1000 + 10)
    elapsed = time.monotonic() - t0
    assert r.status_code == 200 and elapsed >= SLOW_MS / 1000 * 0.8, \
        f"GET /debug/slow-query?ms={SLOW_MS} (env {CONTRACT_ENV}) -> {r.status_code} after " \
        f"{elapsed:.2f}s, expected 200 after ~{SLOW_MS / 1000:.0f}s: {r.text[:300]}"


def test_pool_exhaustion_503_then_recovers(server):
    assert server.get("/v1/products/2").status_code == 200  # not 1: nothing to serve from a cache
    slow_result = {}

    def slow():
        t0 = time.monotonic()
        try:
            slow_result["resp"] = httpx.get(server.url("/debug/slow-query"), params={"ms": SLOW_MS},
                                            timeout=SLOW_MS / 1000 + 10)
        except httpx.HTTPError as e:
            slow_result["error"] = e
        slow_result["elapsed"] = time.monotonic() - t0

    st = threading.Thread(target=slow, daemon=True)
    st.start()
    time.sleep(0.5)  # let the slow query take the only reader
    assert st.is_alive(), f"/debug/slow-query?ms={SLOW_MS} ended early: {slow_result}"

    barrier = threading.Barrier(5)
    results: list = [None] * 5

    def probe(i):
        with httpx.Client(timeout=TIMEOUT) as c:
            barrier.wait(timeout=5)
            t0 = time.monotonic()
            try:
                results[i] = (c.get(server.url("/v1/products/1")), time.monotonic() - t0)
            except httpx.HTTPError as e:
                results[i] = (e, time.monotonic() - t0)

    probes = [threading.Thread(target=probe, args=(i,)) for i in range(5)]
    for t in probes:
        t.start()
    for t in probes:
        t.join(timeout=10)
    still_running = st.is_alive()
    st.join(timeout=SLOW_MS / 1000 + 12)

    assert "error" not in slow_result, f"slow query request failed: {slow_result['error']!r}"
    assert still_running, "the slow query finished before the probes did: the test proves nothing"
    for i, (r, elapsed) in enumerate(results):
        assert isinstance(r, httpx.Response), f"probe {i}: {r!r} after {elapsed:.2f}s"
        assert r.status_code == 503, \
            f"probe {i}: GET /v1/products/1 while the only reader is busy -> {r.status_code} " \
            f"after {elapsed:.2f}s, expected 503: {r.text[:200]}"
        assert_problem(r, 503)
        ra = r.headers.get("retry-after")
        assert ra is not None and (ra.strip().isdigit() or parsedate_to_datetime(ra)), \
            f"probe {i}: Retry-After {ra!r}"
        assert elapsed < 2.0, f"probe {i}: 503 took {elapsed:.2f}s (bound 2 s)"
    r = server.get("/v1/products/1")
    assert r.status_code == 200, f"after the slow query ended: GET /v1/products/1 -> {r.status_code}"
    slow_resp = slow_result.get("resp")
    assert slow_resp is not None and slow_resp.status_code == 200, \
        f"/debug/slow-query?ms={SLOW_MS} -> {slow_resp.status_code if slow_resp else None}: " \
        f"{slow_resp.text[:200] if slow_resp else ''}"
    assert slow_result["elapsed"] >= SLOW_MS / 1000 * 0.8, \
        f"slow query returned after {slow_result['elapsed']:.2f}s, expected about {SLOW_MS / 1000}s"
