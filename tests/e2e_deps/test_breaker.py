"""Circuit breaker over a real dependency: it opens on failures, fails fast without calling the
dependency while open, probes in half-open and closes again once the dependency recovers."""

import time

BREAKER = {
    "deps.recs.retry.max_attempts": 1,
    "deps.recs.breaker.window_size": 4,
    "deps.recs.breaker.minimum_calls": 4,
    # Long enough that the open-state checks below finish inside it on a loaded machine.
    "deps.recs.breaker.wait_in_open": "2s",
    "deps.recs.breaker.permitted_calls_in_half_open": 2,
}


def test_breaker_opens_fails_fast_and_recovers(fake, demo_factory):
    demo = demo_factory(fake, **BREAKER)
    assert demo.get("/recs/1").status_code == 200
    fake.control(route="recommendations", error={"p": 1, "status": 503})
    for _ in range(3):
        assert demo.get("/recs/1").headers.get("x-degraded") == "unavailable"
    assert demo.get("/breaker/recs").json()["state"] == "open"  # 3 of 4 failed >= 50 %
    assert demo.metric("keel_breaker_state", dependency="recs") == 1

    reached = fake.requests("recommendations")
    for _ in range(10):
        start = time.monotonic()
        r = demo.get("/recs/1")
        assert r.headers.get("x-degraded") == "unavailable"
        assert time.monotonic() - start < 0.5
    assert fake.requests("recommendations") == reached, "an open breaker must not call upstream"
    assert demo.metric("keel_breaker_calls_total", dependency="recs", outcome="not_permitted") == 10

    fake.control(route="recommendations")  # healthy again
    time.sleep(2.1)
    for _ in range(2):  # the two half-open trial calls
        r = demo.get("/recs/1")
        assert r.status_code == 200 and "x-degraded" not in r.headers
    assert demo.get("/breaker/recs").json()["state"] == "closed"
    assert fake.requests("recommendations") == reached + 2
    for frm, to in (("closed", "open"), ("open", "half_open"), ("half_open", "closed")):
        assert demo.metric("keel_breaker_transitions_total", dependency="recs", **{
            "from": frm, "to": to}) == 1, (frm, to)
    assert demo.metric("keel_breaker_state", dependency="recs") == 0
    assert '"msg":"circuit breaker transition"' in demo.logs()


def test_half_open_failure_reopens(fake, demo_factory):
    demo = demo_factory(fake, **BREAKER)
    fake.control(route="recommendations", error={"p": 1, "status": 500})
    for _ in range(4):
        demo.get("/recs/2")
    assert demo.get("/breaker/recs").json()["state"] == "open"
    time.sleep(2.1)
    demo.get("/recs/2")
    demo.get("/recs/2")
    assert demo.get("/breaker/recs").json()["state"] == "open"
    assert demo.metric("keel_breaker_transitions_total", dependency="recs",
                       **{"from": "half_open", "to": "open"}) == 1
