"""Bulkheads: a slow dependency is refused at its own limit and does not slow calls to others."""

import concurrent.futures
import time

import httpx


def test_slow_dependency_does_not_slow_the_others(fake, demo_factory):
    demo = demo_factory(fake, **{
        "server.request_timeout": "3s",
        "deps.slow.timeout": "3s",
        "deps.slow.bulkhead.max_concurrent": 2,
        "deps.slow.bulkhead.max_queue": 0,
        "deps.slow.retry.max_attempts": 1,
    })
    fake.control(route="recommendations", latency={"fixed_ms": 1500})

    def slow_call():
        start = time.monotonic()
        r = httpx.get(demo.base + "/call/slow?path=/recommendations/1", timeout=5)
        return r.status_code, time.monotonic() - start, r.headers.get("retry-after")

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        slow = [pool.submit(slow_call) for _ in range(10)]
        time.sleep(0.3)  # the slow calls hold both bulkhead slots now
        fast = []
        for _ in range(10):
            start = time.monotonic()
            r = httpx.post(demo.base + "/pay", json={"amount": 1}, timeout=5)
            fast.append((r.status_code, time.monotonic() - start))
        results = [f.result() for f in slow]
    assert all(status == 201 for status, _ in fast), fast
    assert max(took for _, took in fast) < 0.5, fast
    admitted = [r for r in results if r[0] == 200]
    refused = [r for r in results if r[0] == 503]
    assert len(admitted) == 2, results
    assert len(refused) == 8, results
    assert all(took < 0.5 and retry_after is not None for _, took, retry_after in refused), refused
    assert demo.metric("keel_bulkhead_rejections_total", dependency="slow", reason="full") == 8
    assert fake.requests("recommendations") == 2
