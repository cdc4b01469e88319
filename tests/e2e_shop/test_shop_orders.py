"""POST /v1/orders and GET /v1/orders/{id} over a real keel-shop process and SQLite file.

Covers: 201 + Location and the one-transaction effects (stock, summary, outbox → exactly one
notification), 400 without Idempotency-Key and for invalid bodies, 422 for unknown user/products
and for a key reused with another body, 409 for insufficient stock (per-item details, nothing
written), the replay header, 409 for a concurrent request with the same key, GET 404, and the
job admin routes on the admin listener only.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import sqlite3
import time
import uuid

import httpx
import pytest

from shop_helpers import (ORDER_FIELDS, ORDER_ITEM_FIELDS, assert_problem, db_connect, db_rows,
                          field_errors, free_port)

NOTIFY_TIMEOUT = 10.0


@pytest.fixture(scope="module")
def orders_db(db_copy):
    return db_copy("orders")


@pytest.fixture(scope="module")
def srv(orders_db, shop_server_module):
    return shop_server_module(orders_db, server__admin_listen=f"127.0.0.1:{free_port()}")


def key() -> str:
    return f"e2e-{uuid.uuid4()}"


def post_order(srv, body, idem_key: str | None = None, **headers) -> httpx.Response:
    h = {"Content-Type": "application/json", **headers}
    if idem_key is not None:
        h["Idempotency-Key"] = idem_key
    return srv.post("/v1/orders", content=json.dumps(body).encode(), headers=h)


def stocked_products(db, n: int, min_stock: int = 50) -> list[dict]:
    rows = db_rows(db, "SELECT id, price_cents, stock, name FROM products WHERE stock >= ? "
                       "ORDER BY id LIMIT ?", (min_stock, n))
    assert len(rows) == n, f"the seeded database has fewer than {n} products with stock"
    return rows


def summary(db, user_id: int) -> tuple[int, int]:
    rows = db_rows(db, "SELECT order_count, total_spent_cents FROM user_summaries "
                       "WHERE user_id = ?", (user_id,))
    return (rows[0]["order_count"], rows[0]["total_spent_cents"]) if rows else (0, 0)


def wait_notifications(db, order_ids: list[int], timeout: float = NOTIFY_TIMEOUT) -> list[dict]:
    marks = ",".join("?" * len(order_ids))
    deadline = time.monotonic() + timeout
    rows: list[dict] = []
    while time.monotonic() < deadline:
        rows = db_rows(db, f"SELECT order_id, event_key, kind, recipient FROM notifications "
                           f"WHERE order_id IN ({marks})", order_ids)
        if len({r["order_id"] for r in rows}) == len(set(order_ids)):
            return rows
        time.sleep(0.05)
    pytest.fail(f"notifications for {sorted(set(order_ids))} after {timeout}s: {rows}")


def test_create_returns_201_with_location_and_writes_everything_once(srv, orders_db):
    p1, p2 = stocked_products(orders_db, 2)
    user = 3
    before = summary(orders_db, user)
    body = {"user_id": user, "items": [{"product_id": p1["id"], "quantity": 2},
                                       {"product_id": p2["id"], "quantity": 1},
                                       {"product_id": p1["id"], "quantity": 1}]}
    r = post_order(srv, body, key())
    assert r.status_code == 201, r.text
    order = r.json()
    assert set(order) == set(ORDER_FIELDS), sorted(order)
    assert r.headers["location"] == f"/v1/orders/{order['id']}"
    assert r.headers["content-type"].startswith("application/json")
    assert "idempotent-replayed" not in r.headers
    assert order["user_id"] == user and order["status"] == "pending"
    assert order["payment_status"] == "pending"
    items = {i["product_id"]: i for i in order["items"]}
    assert all(set(i) == set(ORDER_ITEM_FIELDS) for i in order["items"])
    assert items[p1["id"]]["quantity"] == 3, "duplicate items are merged"
    assert items[p2["id"]]["quantity"] == 1
    assert items[p1["id"]]["unit_price_cents"] == p1["price_cents"]
    total = 3 * p1["price_cents"] + p2["price_cents"]
    assert order["total_cents"] == total

    got = srv.get_json(r.headers["location"])
    assert got == order

    stock = {row["id"]: row["stock"] for row in db_rows(
        orders_db, "SELECT id, stock FROM products WHERE id IN (?, ?)", (p1["id"], p2["id"]))}
    assert stock[p1["id"]] == p1["stock"] - 3 and stock[p2["id"]] == p2["stock"] - 1
    assert summary(orders_db, user) == (before[0] + 1, before[1] + total)
    events = db_rows(orders_db, "SELECT topic, payload FROM keel_outbox WHERE "
                                "json_extract(payload, '$.order_id') = ?", (order["id"],))
    assert [e["topic"] for e in events] == ["order.created"], events
    rows = wait_notifications(orders_db, [order["id"]])
    assert len(rows) == 1 and rows[0]["kind"] == "order_confirmation", rows
    assert rows[0]["event_key"].startswith("outbox:")
    # The user's orders list shows it too, with the new fields.
    page = srv.get_json(f"/v1/users/{user}/orders", params={"limit": 1})
    assert page["items"][0] == order


def test_missing_or_malformed_key_is_400_and_writes_nothing(srv, orders_db):
    (p,) = stocked_products(orders_db, 1)
    body = {"user_id": 1, "items": [{"product_id": p["id"], "quantity": 1}]}
    n = db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"]
    problem = assert_problem(post_order(srv, body), 400)
    assert "Idempotency-Key" in problem["detail"], problem
    assert_problem(post_order(srv, body, "bad key\x7f"), 400)
    assert_problem(post_order(srv, body, ""), 400)
    assert db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == n


@pytest.mark.parametrize("body,fields", [
    ({"user_id": 1}, {"/items"}),
    ({"user_id": "1", "items": [{"product_id": 1, "quantity": 1}]}, {"/user_id"}),
    ({"user_id": 1, "items": [{"product_id": 1, "quantity": 0}]}, {"/items/0/quantity"}),
    ({"user_id": 1, "items": [{"product_id": 1, "quantity": -2}, {"product_id": 0, "quantity": 1}]},
     {"/items/0/quantity", "/items/1/product_id"}),
    ({"user_id": 1, "items": [{"product_id": 1, "quantity": 1.5}]}, {"/items/0/quantity"}),
    ({"user_id": 1, "items": [{"product_id": 1, "quantity": 1}], "coupon": "x"}, {"/coupon"}),
    ([1, 2], {""}),
])
def test_invalid_bodies_are_400_with_every_field(srv, body, fields):
    errors = field_errors(post_order(srv, body, key()))
    assert {e["field"] for e in errors} == fields, errors


def test_malformed_json_and_media_type(srv):
    r = srv.post("/v1/orders", content=b'{"user_id": 1,', headers={
        "Content-Type": "application/json", "Idempotency-Key": key()})
    assert_problem(r, 400)
    r = srv.post("/v1/orders", content=b"user_id=1", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key()})
    assert_problem(r, 415)


def test_unknown_user_and_products_are_422_per_field(srv, orders_db):
    (p,) = stocked_products(orders_db, 1)
    r = post_order(srv, {"user_id": 999999, "items": [{"product_id": p["id"], "quantity": 1},
                                                     {"product_id": 99999999, "quantity": 1}]},
                   key())
    errors = field_errors(r, 422)
    assert {e["field"]: e["detail"] for e in errors} == {
        "/user_id": "no user with id 999999",
        "/items/1/product_id": "no product with id 99999999"}


def test_insufficient_stock_is_409_with_details_and_writes_nothing(srv, orders_db):
    p1, p2, p3 = stocked_products(orders_db, 3)
    con = db_connect(orders_db, readonly=False)
    with con:
        con.execute("UPDATE products SET stock = 1 WHERE id = ?", (p2["id"],))
        con.execute("UPDATE products SET stock = 0 WHERE id = ?", (p3["id"],))
    con.close()
    before = db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"]
    r = post_order(srv, {"user_id": 2, "items": [{"product_id": p1["id"], "quantity": 1},
                                                 {"product_id": p2["id"], "quantity": 2},
                                                 {"product_id": p3["id"], "quantity": 1}]}, key())
    errors = field_errors(r, 409)
    assert {e["field"]: e["detail"] for e in errors} == {
        "/items/1/quantity": f"product {p2['id']} has 1 in stock; 2 requested",
        "/items/2/quantity": f"product {p3['id']} has 0 in stock; 1 requested"}
    assert "insufficient stock" in r.json()["detail"]
    assert db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == before
    assert db_rows(orders_db, "SELECT stock FROM products WHERE id = ?",
                   (p1["id"],))[0]["stock"] == p1["stock"]


def test_replay_and_reuse_with_another_body(srv, orders_db):
    (p,) = stocked_products(orders_db, 1)
    k = key()
    body = {"user_id": 4, "items": [{"product_id": p["id"], "quantity": 1}]}
    first = post_order(srv, body, k)
    assert first.status_code == 201, first.text
    count = db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"]
    again = post_order(srv, body, k)
    assert again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.headers["location"] == first.headers["location"]
    assert again.json() == first.json()
    assert db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == count
    other = dict(body, items=[{"product_id": p["id"], "quantity": 2}])
    problem = assert_problem(post_order(srv, other, k), 422)
    assert "different request" in problem["detail"], problem
    # Keys are scoped to the caller: another caller's identical key is a new order.
    mine = post_order(srv, body, k, **{"X-Api-Key": "caller-b"})
    assert mine.status_code == 201 and "idempotent-replayed" not in mine.headers
    assert mine.json()["id"] != first.json()["id"]
    assert db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == count + 1


def test_concurrent_requests_with_one_key_make_one_order_and_409s(srv, orders_db):
    """The writer is held (BEGIN IMMEDIATE from here) while 6 requests with one key queue up;
    after the release the first locks the key and the others find it in flight: 409 +
    Retry-After, and exactly one order exists."""
    (p,) = stocked_products(orders_db, 1)
    k = key()
    body = {"user_id": 5, "items": [{"product_id": p["id"], "quantity": 1}]}
    before = db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"]
    holder = sqlite3.connect(str(orders_db), timeout=5.0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with cf.ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(lambda: httpx.post(
                srv.url("/v1/orders"), content=json.dumps(body).encode(), timeout=10.0,
                headers={"Content-Type": "application/json", "Idempotency-Key": k}))
                for _ in range(6)]
            time.sleep(0.3)
            holder.execute("ROLLBACK")
            responses = [f.result() for f in futures]
    finally:
        holder.close()
    statuses = sorted(r.status_code for r in responses)
    created = [r for r in responses if r.status_code == 201]
    busy = [r for r in responses if r.status_code == 409]
    assert len(created) + len(busy) == 6, [(r.status_code, r.text[:200]) for r in responses]
    assert busy, f"no 409 for requests sharing a key in flight: {statuses}"
    for r in busy:
        assert_problem(r, 409)
        assert r.headers.get("retry-after"), r.headers
        assert "still being processed" in r.json()["detail"]
    assert len({r.json()["id"] for r in created}) == 1
    assert db_rows(orders_db, "SELECT COUNT(*) AS n FROM orders")[0]["n"] == before + 1
    # Once it finished, the key replays.
    again = post_order(srv, body, k)
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"


def test_notification_exactly_once_per_order(srv, orders_db):
    products = stocked_products(orders_db, 5)
    ids = []
    for i in range(12):
        r = post_order(srv, {"user_id": 10 + i, "items": [
            {"product_id": products[i % 5]["id"], "quantity": 1}]}, key())
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    wait_notifications(orders_db, ids)
    time.sleep(0.5)  # a duplicate delivery would land by now
    marks = ",".join("?" * len(ids))
    rows = db_rows(orders_db, f"SELECT order_id, COUNT(*) AS n FROM notifications "
                              f"WHERE order_id IN ({marks}) GROUP BY order_id", ids)
    assert {r["order_id"]: r["n"] for r in rows} == {i: 1 for i in ids}
    jobs = db_rows(orders_db, "SELECT state, COUNT(*) AS n FROM keel_jobs WHERE kind = "
                              "'order.created' GROUP BY state")
    assert {j["state"] for j in jobs} <= {"completed"}, jobs


def test_get_order_404_and_bad_id(srv):
    problem = assert_problem(srv.get("/v1/orders/987654321"), 404)
    assert problem["detail"] == "no order with id 987654321"
    assert srv.get("/v1/orders/abc").status_code == 404


def test_job_admin_routes_are_on_the_admin_listener_only(srv):
    assert srv.get("/admin/jobs").status_code == 404
    admin = srv.env["KEEL_SERVER__ADMIN_LISTEN"]
    r = httpx.get(f"http://{admin}/admin/jobs", params={"state": "completed", "limit": 5},
                  timeout=5.0)
    assert r.status_code == 200, r.text
    jobs = r.json()["jobs"]
    assert jobs and all(j["state"] == "completed" for j in jobs)
    one = httpx.get(f"http://{admin}/admin/jobs/{jobs[0]['id']}", timeout=5.0)
    assert one.status_code == 200 and one.json()["id"] == jobs[0]["id"]
