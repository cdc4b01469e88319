"""Crash tests of the order-writing path (bounded: each well under 60 s).

1. A client sends a burst of POST /v1/orders and retries every failed or unanswered request with
   the same Idempotency-Key and body, while the server is SIGKILLed and restarted several times.
   At the end: every acknowledged order exists exactly once (one order per key, the id every
   answer for that key carried), stock and user summaries add up, and every order has exactly
   one notification row (the outbox survived the kills; redelivered events wrote nothing twice).
2. A `keel-shop worker` process killed while it handles an order.created job: the job's lease
   expires, a new worker runs it again, and its effect (the notification) exists once.

Short idempotency.lock_timeout and jobs.lease keep the waits after a kill short; the test-only
shop.test_job_delay holds the consumer mid-job so the kill lands inside it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pytest

from shop_helpers import (SECRET_A, clean_env, config_env, db_connect, db_rows, shop_binary,
                          start_shop)

ORDERS = 240           # distinct keys in the burst
CLIENTS = 8
KILLS = 4
PRODUCTS = 12
USERS = 20
CRASH_ENV = {
    "shop__cursor_secret": SECRET_A,
    # A request killed mid-flight leaves its key locked; a retry may take it over after this
    # (it must exceed the order route's 1 s budget).
    "idempotency__lock_timeout": "2s",
    "jobs__lease": "2s",
    "jobs__poll_interval": "50ms",
    "log__access": "off",
}
SETTLE_TIMEOUT = 20.0


def snapshot(db: Path) -> tuple[dict, dict, int]:
    stock = {r["id"]: r["stock"] for r in db_rows(db, "SELECT id, stock FROM products")}
    summaries = {r["user_id"]: (r["order_count"], r["total_spent_cents"]) for r in db_rows(
        db, "SELECT user_id, order_count, total_spent_cents FROM user_summaries")}
    max_order = db_rows(db, "SELECT COALESCE(MAX(id), 0) AS m FROM orders")[0]["m"]
    return stock, summaries, max_order


class Burst:
    """The retrying client: every key is sent until it gets a final answer."""

    def __init__(self, bodies: list[tuple[str, dict]]):
        self.todo = list(bodies)
        self.lock = threading.Lock()
        self.url = ""
        self.answers: dict[str, list[int]] = defaultdict(list)   # key -> order ids seen (201)
        self.final: dict[str, int] = {}                            # key -> final status
        self.retries = 0
        self.errors: list[str] = []

    def next_body(self):
        with self.lock:
            return self.todo.pop() if self.todo else None

    def run_client(self, deadline: float) -> None:
        client = httpx.Client(timeout=3.0)
        try:
            while time.monotonic() < deadline:
                item = self.next_body()
                if item is None:
                    return
                k, body = item
                self.send_until_final(client, k, body, deadline)
                time.sleep(0.02)  # paced so that the burst spans the kills
        finally:
            client.close()

    def send_until_final(self, client, k: str, body: dict, deadline: float) -> None:
        payload = json.dumps(body).encode()
        while time.monotonic() < deadline:
            try:
                r = client.post(f"{self.url}/v1/orders", content=payload, headers={
                    "Content-Type": "application/json", "Idempotency-Key": k})
            except httpx.HTTPError:
                r = None
            if r is not None and r.status_code == 201:
                with self.lock:
                    self.answers[k].append(r.json()["id"])
                    self.final[k] = 201
                return
            if r is not None and r.status_code in (400, 409, 422) and \
                    "still being processed" not in r.text:
                with self.lock:
                    self.final[k] = r.status_code
                    self.errors.append(f"{k}: {r.status_code} {r.text[:200]}")
                return
            with self.lock:
                self.retries += 1   # unanswered, 5xx or in flight: the same key again
            time.sleep(0.05)


def test_orders_survive_sigkill_exactly_once(db_copy, tmp_path):
    db = db_copy("crash")
    con = db_connect(db, readonly=False)
    with con:  # plenty of stock: every order must succeed, so every key must end in one order
        con.execute("UPDATE products SET stock = 100000 WHERE id <= ?", (PRODUCTS,))
    con.close()
    stock0, summaries0, max_order0 = snapshot(db)
    rng = random.Random(7)
    bodies = []
    for _ in range(ORDERS):
        items = [{"product_id": rng.randint(1, PRODUCTS), "quantity": rng.randint(1, 3)}
                 for _ in range(rng.randint(1, 3))]
        bodies.append((f"crash-{uuid.uuid4()}", {"user_id": rng.randint(1, USERS),
                                                 "items": items}))
    burst = Burst(bodies)
    server = start_shop(db, tmp_path, "crash0", CRASH_ENV)
    burst.url = server.url("")
    deadline = time.monotonic() + 40.0
    clients = [threading.Thread(target=burst.run_client, args=(deadline,)) for _ in range(CLIENTS)]
    for c in clients:
        c.start()
    kills_mid_burst = 0
    try:
        for i in range(KILLS):
            time.sleep(random.uniform(0.3, 0.7))
            with burst.lock:
                kills_mid_burst += 1 if burst.todo else 0
            os.kill(server.pid, signal.SIGKILL)
            server.proc.wait(timeout=5)
            server.stop()
            server = start_shop(db, tmp_path, f"crash{i + 1}", CRASH_ENV)
            burst.url = server.url("")
        for c in clients:
            c.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not any(c.is_alive() for c in clients), "the burst did not finish in 40 s"
        assert len(burst.final) == ORDERS, f"{ORDERS - len(burst.final)} keys never answered"
        assert not burst.errors, burst.errors[:5]
        # The kills must have hit the burst (requests failed and were retried).
        assert kills_mid_burst >= KILLS - 1 and burst.retries > 0, (kills_mid_burst, burst.retries)

        # Every key: one order, and every 201 for it named the same order.
        for k, ids in burst.answers.items():
            assert len(set(ids)) == 1, f"{k} was answered with different orders {ids}"
        acknowledged = {k: ids[0] for k, ids in burst.answers.items()}
        new_orders = db_rows(db, "SELECT id, user_id, total_cents FROM orders WHERE id > ?",
                             (max_order0,))
        assert len(new_orders) == ORDERS, \
            f"{len(new_orders)} orders for {ORDERS} keys (retries: {burst.retries})"
        assert sorted(acknowledged.values()) == sorted(o["id"] for o in new_orders)

        # Each order holds what its key's body asked for.
        by_key = dict(bodies)
        items = defaultdict(dict)
        for row in db_rows(db, "SELECT order_id, product_id, quantity FROM order_items "
                               "WHERE order_id > ?", (max_order0,)):
            items[row["order_id"]][row["product_id"]] = row["quantity"]
        orders_by_id = {o["id"]: o for o in new_orders}
        taken = Counter()
        for k, order_id in acknowledged.items():
            want = Counter()
            for it in by_key[k]["items"]:
                want[it["product_id"]] += it["quantity"]
            assert items[order_id] == dict(want), (k, order_id, items[order_id], want)
            assert orders_by_id[order_id]["user_id"] == by_key[k]["user_id"]
            taken.update(want)

        # Stock and summaries add up.
        stock1, summaries1, _ = snapshot(db)
        for pid in range(1, PRODUCTS + 1):
            assert stock1[pid] == stock0[pid] - taken[pid], (pid, stock0[pid], stock1[pid])
        per_user = defaultdict(lambda: [0, 0])
        for o in new_orders:
            per_user[o["user_id"]][0] += 1
            per_user[o["user_id"]][1] += o["total_cents"]
        for uid, (n, spent) in per_user.items():
            c0, s0 = summaries0.get(uid, (0, 0))
            assert summaries1[uid] == (c0 + n, s0 + spent), (uid, summaries0.get(uid),
                                                              summaries1[uid], n, spent)

        # Every order gets exactly one notification (the final server's workers catch up).
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            n = db_rows(db, "SELECT COUNT(DISTINCT order_id) AS n FROM notifications "
                            "WHERE order_id > ?", (max_order0,))[0]["n"]
            if n == ORDERS:
                break
            time.sleep(0.1)
        rows = db_rows(db, "SELECT order_id, COUNT(*) AS n FROM notifications WHERE order_id > ? "
                           "GROUP BY order_id", (max_order0,))
        counts = {r["order_id"]: r["n"] for r in rows}
        assert counts == {o["id"]: 1 for o in new_orders}, \
            f"{len(counts)} of {ORDERS} orders notified; duplicates: " \
            f"{[o for o, n in counts.items() if n != 1][:5]}"
        # Each key holds one completed idempotency record.
        records = db_rows(db, "SELECT state, COUNT(*) AS n FROM keel_idempotency_keys WHERE "
                              "idem_key LIKE 'crash-%' GROUP BY state")
        assert records == [{"state": "completed", "n": ORDERS}], records
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------------
# a worker killed mid-job
# ------------------------------------------------------------------------------------------------

class Worker:
    def __init__(self, db: Path, workdir: Path, name: str, env: dict):
        e = clean_env()
        e.update(config_env(env))
        self.err_path = workdir / f"{name}.stderr.log"
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen([shop_binary(), "worker", "--set", f"db.path={db}"], env=e,
                                     stdout=self._err, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

    def log(self) -> str:
        if not self._err.closed:
            self._err.flush()
        return self.err_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)
        self._err.close()

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=15)
        self._err.close()
        return rc


def wait_for(what: str, predicate, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def test_worker_killed_mid_job_is_redelivered_and_applied_once(db_copy, tmp_path):
    db = db_copy("worker_crash")
    # An API-only server (no workers in serve) and a separate worker process.
    server = start_shop(db, tmp_path, "api", dict(CRASH_ENV, shop__serve_workers=False))
    worker_env = dict(CRASH_ENV, shop__test_job_delay="1500ms", jobs__workers=2)
    worker = Worker(db, tmp_path, "worker1", worker_env)
    try:
        product = db_rows(db, "SELECT id FROM products WHERE stock > 5 ORDER BY id LIMIT 1")[0]
        r = server.post("/v1/orders", content=json.dumps(
            {"user_id": 7, "items": [{"product_id": product["id"], "quantity": 1}]}).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": "worker-crash-1"})
        assert r.status_code == 201, r.text
        order_id = r.json()["id"]
        job_sql = ("SELECT id, state, attempt FROM keel_jobs WHERE kind = 'order.created' AND "
                   "json_extract(args, '$.order_id') = ?")
        job = wait_for("the worker to start the job", lambda: next(
            (j for j in db_rows(db, job_sql, (order_id,)) if j["state"] == "running"), None), 10.0)
        assert job["attempt"] == 1
        worker.kill()   # SIGKILL inside the handler's (test-only) delay: no ack, no effect yet
        assert db_rows(db, "SELECT COUNT(*) AS n FROM notifications WHERE order_id = ?",
                       (order_id,))[0]["n"] == 0
        assert db_rows(db, job_sql, (order_id,))[0]["state"] == "running"

        worker = Worker(db, tmp_path, "worker2", worker_env)
        done = wait_for("the job to be redelivered and completed", lambda: next(
            (j for j in db_rows(db, job_sql, (order_id,)) if j["state"] == "completed"), None),
            20.0, 0.1)
        assert done["attempt"] == 2, done
        rows = db_rows(db, "SELECT event_key FROM notifications WHERE order_id = ?", (order_id,))
        assert len(rows) == 1, rows
        last_error = db_rows(db, "SELECT last_error FROM keel_jobs WHERE id = ?",
                             (done["id"],))[0]["last_error"]
        assert last_error and "lease expired" in last_error, last_error
        assert worker.terminate() == 0, worker.log()[-2000:]
        assert '"msg":"stopped"' in worker.log(), worker.log()[-2000:]
    finally:
        worker.kill() if worker.proc.poll() is None else None
        server.stop()
