"""keel-shop calling its third-party providers (fake-upstream processes) without inheriting their
failures: GET /v1/products/{id}/recommendations (hedged, bulkhead + breaker, fallback to the
category's top-rated products marked X-Degraded) and the payment of POST /v1/orders (300 ms
budget, pending + payment.charge job when the provider is slow, paid later by the job).
docs/dependencies.md "keel-shop's providers"."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_upstream import FakeUpstream  # noqa: E402
from shop_helpers import db_rows, describe, free_port, run_cli  # noqa: E402


@pytest.fixture
def fakes(tmp_path):
    started: list[FakeUpstream] = []

    def make(seed: int = 1) -> FakeUpstream:
        f = FakeUpstream(tmp_path, f"fake{len(started)}", seed)
        started.append(f)
        return f

    yield make
    for f in started:
        f.stop()


@pytest.fixture(scope="module")
def deps_db(db_copy) -> Path:
    return db_copy("deps")


def metric(srv, name: str, **labels: str) -> float:
    total = 0.0
    for line in httpx.get(srv.url("/metrics"), timeout=5.0).text.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def recs_env(*fakes: FakeUpstream, **extra) -> dict:
    env = {"deps__recommendations__url": ",".join(f.base for f in fakes), "log__access": "off"}
    env.update(extra)
    return env


def product(db: Path, pid: int) -> dict:
    return db_rows(db, f"SELECT id, category, rating FROM products WHERE id = {pid}")[0]


def assert_top_rated(db: Path, pid: int, body: dict) -> None:
    """The fallback: the category's best-rated products except the product, best first."""
    cat = product(db, pid)["category"]
    expected = [r["id"] for r in db_rows(
        db, f"SELECT id FROM products WHERE category = '{cat}' AND id <> {pid} "
            "ORDER BY rating DESC, id DESC LIMIT 10")]
    assert body["source"] == "top_rated"
    assert [p["id"] for p in body["items"]] == expected
    assert all(p["category"] == cat for p in body["items"])


def test_recommendations_from_the_provider(fakes, shop_server, deps_db):
    fake = fakes()
    srv = shop_server(deps_db, **recs_env(fake))
    r = srv.get("/v1/products/10/recommendations")
    assert r.status_code == 200, r.text
    assert "x-degraded" not in r.headers
    body = r.json()
    assert body["product_id"] == 10 and body["source"] == "provider"
    # fake-upstream recommends id+1..id+4, best first; the shop answers those products in order.
    assert [p["id"] for p in body["items"]] == [11, 12, 13, 14]
    assert set(body["items"][0]) >= {"id", "name", "category", "price_cents", "rating"}
    assert fake.requests("recommendations") == 1
    r = srv.get("/v1/products/999999/recommendations")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert fake.requests("recommendations") == 1  # an unknown product never reaches the provider


def test_without_a_provider_top_rated_is_the_answer_not_degraded(ro_server, ro_db):
    r = ro_server.get("/v1/products/10/recommendations")
    assert r.status_code == 200, r.text
    assert "x-degraded" not in r.headers
    assert_top_rated(ro_db, 10, r.json())


def test_failing_provider_falls_back_marked_degraded(fakes, shop_server, deps_db):
    fake = fakes()
    srv = shop_server(deps_db, **recs_env(fake))
    fake.control(route="recommendations", error={"p": 1.0, "status": 503})
    r = srv.get("/v1/products/20/recommendations")
    assert r.status_code == 200, r.text
    assert r.headers["x-degraded"] == "unavailable"
    assert r.headers["cache-control"] == "no-store"
    assert_top_rated(deps_db, 20, r.json())
    assert metric(srv, "keel_fallbacks_total", dependency="recommendations",
                  reason="unavailable") == 1

    # A hung provider costs at most deps.recommendations.timeout, then the fallback.
    fake.control(route="recommendations", hang={"p": 1.0})
    started = time.monotonic()
    r = srv.get("/v1/products/20/recommendations")
    elapsed = time.monotonic() - started
    assert r.status_code == 200, r.text
    assert r.headers["x-degraded"] == "timeout"
    assert elapsed < 0.4, f"took {elapsed:.3f}s with a 150 ms provider timeout"
    assert_top_rated(deps_db, 20, r.json())


def test_hedging_goes_to_the_second_endpoint_on_a_stalled_share(fakes, shop_server, deps_db):
    slow, fast = fakes(seed=3), fakes(seed=4)
    # A stalled share past the provider timeout: without a hedge each would be a fallback.
    slow.control(route="recommendations", slow={"p": 0.2, "ms": 400})
    srv = shop_server(deps_db, **recs_env(slow, fast, deps__recommendations__hedge__min_samples=5,
                                          deps__recommendations__hedge__budget_percent=50))
    degraded = 0
    for i in range(80):
        r = srv.get(f"/v1/products/{30 + i}/recommendations")
        assert r.status_code == 200, r.text
        degraded += "x-degraded" in r.headers
    hedges = metric(srv, "keel_hedges_total", dependency="recommendations")
    won = metric(srv, "keel_hedges_won_total", dependency="recommendations")
    assert hedges >= 5 and won >= 5, (hedges, won)
    assert fast.requests("recommendations") >= won  # hedges went to the other endpoint
    assert slow.requests("recommendations") == 80    # every first attempt goes to endpoint 0
    assert hedges <= 0.5 * 80                        # within the hedge budget
    # ~16 stalled first attempts: each would time out (150 ms) into the fallback unless hedged.
    assert degraded <= 5, f"{degraded} fallbacks: the stalled share was not hedged"


def test_breaker_opens_fails_fast_and_recovers_through_half_open(fakes, shop_server, deps_db):
    fake = fakes()
    srv = shop_server(deps_db, **recs_env(
        fake, deps__recommendations__breaker__window_size=10,
        deps__recommendations__breaker__minimum_calls=5,
        deps__recommendations__breaker__wait_in_open="1500ms",
        deps__recommendations__breaker__permitted_calls_in_half_open=2))
    fake.control(route="recommendations", error={"p": 1.0, "status": 503})
    for _ in range(5):
        r = srv.get("/v1/products/40/recommendations")
        assert r.headers.get("x-degraded") == "unavailable"
    seen = fake.requests("recommendations")
    # A failed attempt of a hedged call sends its hedge at once (gRPC A6): at most 2 per call.
    assert 5 <= seen <= 10
    assert metric(srv, "keel_breaker_state", dependency="recommendations") == 1  # open
    # Open: answered from the fallback without calling the provider.
    for _ in range(20):
        r = srv.get("/v1/products/40/recommendations")
        assert r.status_code == 200 and r.headers.get("x-degraded") == "unavailable"
        assert_top_rated(deps_db, 40, r.json())
    assert fake.requests("recommendations") == seen
    assert metric(srv, "keel_breaker_calls_total", dependency="recommendations",
                  outcome="not_permitted") >= 20

    fake.control(route="recommendations")  # healthy again
    time.sleep(1.7)
    for _ in range(2):  # the half-open trials
        r = srv.get("/v1/products/40/recommendations")
        assert r.status_code == 200 and "x-degraded" not in r.headers, r.headers
    assert metric(srv, "keel_breaker_state", dependency="recommendations") == 0  # closed
    assert fake.requests("recommendations") == seen + 2
    r = srv.get("/v1/products/40/recommendations")
    assert r.json()["source"] == "provider"


# ------------------------------------------------------------------------------------------------
# payments

def pay_env(fake: FakeUpstream | None, **extra) -> dict:
    env = {"log__access": "off", "jobs__backoff_base": "200ms", "jobs__backoff_cap": "1s"}
    if fake is not None:
        env["deps__payment__url"] = fake.base
    env.update(extra)
    return env


def order(srv, db: Path) -> tuple[httpx.Response, float]:
    pid = db_rows(db, "SELECT id FROM products WHERE stock >= 100 ORDER BY id LIMIT 1")[0]["id"]
    started = time.monotonic()
    r = srv.post("/v1/orders", json={"user_id": 1, "items": [{"product_id": pid, "quantity": 1}]},
                 headers={"Idempotency-Key": f"e2e-{time.monotonic_ns()}"})
    return r, time.monotonic() - started


def payment_jobs(db: Path, order_id: int) -> list[dict]:
    return db_rows(db, "SELECT state, attempt, queue FROM keel_jobs WHERE kind = 'payment.charge' "
                       "AND json_extract(args, '$.order_id') = ?", (order_id,))


def payment_status(db: Path, order_id: int) -> str:
    return db_rows(db, "SELECT payment_status FROM orders WHERE id = ?", (order_id,))[0][
        "payment_status"]


def test_order_paid_inline_when_the_provider_answers(fakes, shop_server, db_copy):
    db = db_copy("pay-ok")
    fake = fakes()
    srv = shop_server(db, **pay_env(fake))
    r, _ = order(srv, db)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["payment_status"] == "paid"
    assert payment_status(db, body["id"]) == "paid"
    assert fake.requests("payments") == 1
    # The retry job committed with the order (so no crash can lose it); the inline charge settled
    # the order first, so the job completes without calling the provider again.
    jobs = payment_jobs(db, body["id"])
    assert len(jobs) == 1 and jobs[0]["queue"] == "payments", jobs
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and payment_jobs(db, body["id"])[0]["state"] != "completed":
        time.sleep(0.1)
    assert payment_jobs(db, body["id"])[0]["state"] == "completed"
    assert fake.requests("payments") == 1
    assert payment_status(db, body["id"]) == "paid"


def test_slow_provider_order_pending_within_budget_then_paid_by_the_job(fakes, shop_server,
                                                                         db_copy):
    db = db_copy("pay-slow")
    fake = fakes()
    srv = shop_server(db, **pay_env(fake))
    fake.control(route="payments", latency={"fixed_ms": 2000})
    r, elapsed = order(srv, db)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["payment_status"] == "pending"
    # 300 ms payment budget (deps.payment.timeout), plus the order's own transaction and enqueue.
    assert elapsed < 0.5, f"order took {elapsed:.3f}s with a 2 s payment provider"
    jobs = payment_jobs(db, body["id"])
    assert len(jobs) == 1 and jobs[0]["queue"] == "payments", jobs
    fake.control(route="payments", latency={"fixed_ms": 5})  # the provider recovers
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and payment_status(db, body["id"]) != "paid":
        time.sleep(0.1)
    assert payment_status(db, body["id"]) == "paid"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and payment_jobs(db, body["id"])[0]["state"] != "completed":
        time.sleep(0.1)
    assert payment_jobs(db, body["id"])[0]["state"] == "completed"
    assert metric(srv, "keel_shop_payments_total", via="job", outcome="paid") == 1


def test_open_breaker_orders_answer_pending_at_once(fakes, shop_server, db_copy):
    db = db_copy("pay-open")
    fake = fakes()
    srv = shop_server(db, **pay_env(fake, deps__payment__breaker__window_size=5,
                                    deps__payment__breaker__minimum_calls=3,
                                    deps__payment__retry__max_attempts=1,
                                    jobs__workers=0))  # no job calls: count the inline ones
    fake.control(route="payments", error={"p": 1.0, "status": 503})
    for _ in range(3):
        r, _ = order(srv, db)
        assert r.status_code == 201 and r.json()["payment_status"] == "pending", r.text
    assert fake.requests("payments") == 3
    assert metric(srv, "keel_breaker_state", dependency="payment") == 1  # open
    r, elapsed = order(srv, db)
    assert r.status_code == 201 and r.json()["payment_status"] == "pending"
    assert elapsed < 0.2, f"{elapsed:.3f}s: an open breaker must fail fast"
    assert fake.requests("payments") == 3
    assert len(payment_jobs(db, r.json()["id"])) == 1


def test_without_a_payment_provider_orders_stay_pending_without_a_job(shop_server, db_copy):
    db = db_copy("pay-none")
    srv = shop_server(db, **pay_env(None))
    r, _ = order(srv, db)
    assert r.status_code == 201, r.text
    assert r.json()["payment_status"] == "pending"
    assert payment_jobs(db, r.json()["id"]) == []


@pytest.mark.parametrize("env, key", [
    ({"deps__payment__url": "ftp://127.0.0.1:1"}, "deps.payment.url"),
    ({"deps__recommendations__url": "http://127.0.0.1:1",
      "deps__recommendations__attempt_timeout": "1s"}, "deps.recommendations.attempt_timeout"),
    ({"deps__payment__url": "http://127.0.0.1:1", "deps__payment__retry__base": "1s",
      "deps__payment__retry__cap": "10ms"}, "deps.payment.retry.base"),
])
def test_invalid_provider_configuration_stops_startup_naming_the_key(tmp_path, env, key):
    p = run_cli(["serve", "--listen", f"127.0.0.1:{free_port()}", "--set",
                 f"db.path={tmp_path / 'x.db'}"], env=env, timeout=30)
    assert p.returncode == 2, describe(p)
    assert key in (p.stdout + p.stderr).decode(), describe(p)
