"""Hedging: a slow endpoint is hedged to another after the observed latency, the hedge wins and
the slow attempt is cancelled; the hedge budget bounds the extra load."""

import time

SLOW_MS = 800


def hedged(fake_slow, fake_fast, **extra):
    config = {
        "deps.hedged.url": f"{fake_slow.base},{fake_fast.base}",
        "deps.hedged.hedge.enabled": True,
        "deps.hedged.hedge.min_samples": 5,
        "deps.hedged.hedge.min_delay": "20ms",
        "deps.hedged.hedge.budget_percent": 100,
        "deps.hedged.timeout": "3s",
    }
    config.update(extra)
    return config


def test_hedge_wins_over_a_slow_endpoint(fake_factory, demo_factory):
    slow, fast = fake_factory(), fake_factory()
    demo = demo_factory(slow, **hedged(slow, fast))
    for _ in range(5):  # warm the latency estimate while both endpoints are fast
        assert demo.get("/call/hedged?path=/recommendations/1").status_code == 200
    slow.control(route="recommendations", latency={"fixed_ms": SLOW_MS})
    took = []
    for _ in range(10):
        start = time.monotonic()
        r = demo.get("/call/hedged?path=/recommendations/1")
        took.append(time.monotonic() - start)
        assert r.status_code == 200
    assert max(took) < SLOW_MS / 1000 / 2, took
    assert demo.metric("keel_hedges_won_total", dependency="hedged") >= 10
    assert fast.requests("recommendations") >= 10
    # Every losing attempt was cancelled (its connection closed), none was awaited to the end.
    assert demo.metric("keel_http_client_errors_total", dependency="hedged",
                       kind="cancelled") >= 10


def test_hedge_budget_refuses_extra_load(fake_factory, demo_factory):
    slow, fast = fake_factory(), fake_factory()
    demo = demo_factory(slow, **hedged(slow, fast, **{
        "deps.hedged.hedge.budget_percent": 0,
        "deps.hedged.hedge.budget_min_per_second": 0,
    }))
    for _ in range(5):
        demo.get("/call/hedged?path=/recommendations/1")
    slow.control(route="recommendations", latency={"fixed_ms": 300})
    start = time.monotonic()
    assert demo.get("/call/hedged?path=/recommendations/1").status_code == 200
    assert time.monotonic() - start >= 0.3
    assert demo.metric("keel_hedges_total", dependency="hedged") == 0
    assert demo.metric("keel_hedge_budget_refusals_total", dependency="hedged") >= 1
    assert fast.requests("recommendations") == 0
