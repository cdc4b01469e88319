"""Retries: only idempotent calls, and never more than the retry budget allows, counted at the
dependency itself (fake-upstream's /_stats)."""

import httpx

CALLS = 100


def test_retry_budget_bounds_upstream_load(fake, demo_factory):
    demo = demo_factory(fake, **{
        "deps.flaky.breaker.enabled": False,
        "deps.flaky.retry.max_attempts": 3,
        "deps.flaky.retry.base": "1ms",
        "deps.flaky.retry.cap": "2ms",
        "deps.flaky.retry.budget_percent": 10,
        "deps.flaky.retry.budget_min_per_second": 0,
    })
    fake.control(route="echo", error={"p": 1, "status": 503})
    with httpx.Client(timeout=5) as client:
        for _ in range(CALLS):
            assert client.get(demo.base + "/call/flaky").status_code == 503
    upstream = fake.requests("echo")
    # Without a budget: 3 x 100. With it: the originals plus at most 10 % of them.
    assert CALLS < upstream <= CALLS + CALLS * 0.10 + 1, upstream
    assert demo.metric("keel_retries_total", dependency="flaky") == upstream - CALLS
    assert demo.metric("keel_retry_budget_exhausted_total", dependency="flaky") >= 80


def test_only_idempotent_calls_are_retried(fake, demo_factory):
    demo = demo_factory(fake, **{"deps.pay.breaker.enabled": False, "deps.pay.retry.base": "1ms",
                                 "deps.pay.retry.cap": "2ms"})
    fake.control(route="payments", error={"p": 1, "status": 503})
    assert demo.post("/pay", json={"amount": 5}).status_code == 503
    assert fake.requests("payments") == 1, "a POST without Idempotency-Key is never repeated"
    r = demo.post("/pay", json={"amount": 5}, headers={"Idempotency-Key": "order-1"})
    assert r.status_code == 503
    assert fake.requests("payments") == 1 + 3


def test_retry_succeeds_and_deadline_is_propagated(fake, demo_factory):
    demo = demo_factory(fake, **{"deps.flaky.retry.base": "1ms", "deps.flaky.retry.cap": "2ms"})
    r = demo.get("/call/flaky?path=/echo", headers={"X-Request-Timeout": "300"})
    assert r.status_code == 200
    sent = r.json()["x_request_timeout"]
    assert 100 < sent <= 300, sent
    fake.control(route="echo", error={"p": 0.5, "status": 503}, reset_stats=True)
    ok = sum(demo.get("/call/flaky").status_code == 200 for _ in range(20))
    assert ok >= 12  # 3 attempts at 50 % each: ~87.5 % of calls succeed (mean 17.5)
    assert fake.requests("echo") > 20, "failed attempts were retried"
