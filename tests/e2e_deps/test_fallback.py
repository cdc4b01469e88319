"""Fallbacks: a failing dependency yields a degraded answer, marked and counted, never an error
and never a wait past the dependency's own timeout."""

import time


def test_hanging_dependency_gives_a_degraded_answer_in_time(fake, demo_factory):
    demo = demo_factory(fake, **{"deps.recs.timeout": "200ms", "deps.recs.retry.max_attempts": 1})
    fake.control(route="recommendations", hang={"p": 1})
    start = time.monotonic()
    r = demo.get("/recs/7")
    took = time.monotonic() - start
    assert r.status_code == 200
    assert r.headers["x-degraded"] == "timeout"
    assert r.json() == {"product_id": 7, "recommendations": []}
    assert 0.15 < took < 1.0
    assert demo.metric("keel_fallbacks_total", dependency="recs", reason="timeout") == 1
    # Either our timer fired first, or the upstream — told our remaining budget (floored to ms)
    # in X-Request-Timeout — answered 504 just before it: both are the deadline.
    timed_out = demo.metric("keel_http_client_errors_total", dependency="recs",
                            kind="deadline_exceeded")
    answered_504 = demo.metric("keel_http_client_responses_total", dependency="recs", **{
        "class": "5xx"})
    assert timed_out + answered_504 == 1


def test_reset_and_error_responses_are_unavailable(fake, demo_factory):
    demo = demo_factory(fake, **{"deps.recs.retry.max_attempts": 1})
    fake.control(route="recommendations", reset={"p": 1})
    r = demo.get("/recs/1")
    assert r.status_code == 200 and r.headers["x-degraded"] == "unavailable"
    fake.control(route="recommendations", error={"p": 1, "status": 502})
    r = demo.get("/recs/1")
    assert r.headers["x-degraded"] == "unavailable"
    assert demo.metric("keel_fallbacks_total", dependency="recs", reason="unavailable") == 2
    fake.control(route="recommendations")
    r = demo.get("/recs/1")
    assert "x-degraded" not in r.headers
    assert r.json()["recommendations"] == [2, 3, 4, 5]


def test_errors_without_fallback_map_to_problem_json(fake, demo_factory):
    demo = demo_factory(fake, **{"deps.pay.retry.max_attempts": 1})
    fake.control(route="payments", error={"p": 1, "status": 503, "retry_after": 2})
    r = demo.post("/pay", json={"amount": 1})
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == "2"
    assert "pay answered 503" in r.json()["detail"]
