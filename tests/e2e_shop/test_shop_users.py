"""GET /v1/users/{id}, /v1/users/{id}/orders (newest first, items, totals, status filter, cursor
walk, constant number of queries) and /v1/users/{id}/summary, compared with the SQLite file.
Read-only: uses the shared ro_server."""

from __future__ import annotations

from collections import defaultdict

import pytest

from shop_helpers import (ORDER_FIELDS, ORDER_ITEM_FIELDS, ORDER_STATUSES, SUMMARY_FIELDS,
                          USER_FIELDS, assert_field_error, assert_problem, db_queries, db_rows,
                          get_page, same_instant, tampered_cursors, walk)


@pytest.fixture(scope="module")
def users(ro_db) -> dict[int, dict]:
    return {r["id"]: r for r in db_rows(ro_db, "SELECT * FROM users")}


@pytest.fixture(scope="module")
def orders(ro_db) -> dict[int, list[dict]]:
    """user id -> orders (newest first), each with its items (by product id) and product names."""
    items = defaultdict(list)
    for it in db_rows(ro_db, """SELECT i.*, p.name FROM order_items i
                                JOIN products p ON p.id = i.product_id"""):
        items[it["order_id"]].append(it)
    out = defaultdict(list)
    for o in db_rows(ro_db, "SELECT * FROM orders ORDER BY id DESC"):
        o["items"] = sorted(items[o["id"]], key=lambda i: i["product_id"])
        out[o["user_id"]].append(o)
    return out


@pytest.fixture(scope="module")
def busiest(orders) -> int:
    return max(orders, key=lambda u: (len(orders[u]), -u))


def check_order(api: dict, db: dict) -> None:
    assert set(api) == set(ORDER_FIELDS), f"order keys {sorted(api)}"
    assert api["id"] == db["id"]
    assert api["status"] == db["status"], (api["status"], db["status"])
    assert api["total_cents"] == db["total_cents"], (api["id"], api["total_cents"], db["total_cents"])
    assert same_instant(api["created_at"], db["created_at"]), (api["created_at"], db["created_at"])
    assert isinstance(api["items"], list) and 1 <= len(api["items"]) <= 5, \
        f"order {api['id']} has {len(api['items'])} items"
    for it in api["items"]:
        assert set(it) == set(ORDER_ITEM_FIELDS), f"order item keys {sorted(it)}"
    assert api["total_cents"] == sum(i["quantity"] * i["unit_price_cents"] for i in api["items"]), \
        f"order {api['id']}: total_cents {api['total_cents']} != sum of its items {api['items']}"
    got = sorted(api["items"], key=lambda i: i["product_id"])
    want = [{k: i[k] for k in ORDER_ITEM_FIELDS} for i in db["items"]]
    assert got == want, f"order {api['id']} items {got} != SQLite {want}"


# --- users ---------------------------------------------------------------------------------------

def test_get_users(ro_server, users):
    ids = sorted(users)
    for uid in ids[:10] + ids[-10:] + ids[::17]:
        body = ro_server.get_json(f"/v1/users/{uid}")
        assert set(body) == set(USER_FIELDS), f"user keys {sorted(body)}"
        u = users[uid]
        assert (body["id"], body["email"], body["name"]) == (u["id"], u["email"], u["name"])
        assert same_instant(body["created_at"], u["created_at"])


@pytest.mark.parametrize("path", ["/v1/users/999999", "/v1/users/999999/summary"])
def test_unknown_user_404(ro_server, path):
    assert_problem(ro_server.get(path), 404)


@pytest.mark.parametrize("raw_id", ["abc", "1.5", "-1"])
def test_bad_user_id(ro_server, raw_id):
    assert_problem(ro_server.get(f"/v1/users/{raw_id}"), (404, 400))


# --- orders --------------------------------------------------------------------------------------

def test_orders_newest_first_match_sqlite(ro_server, orders, busiest):
    uid = busiest
    body = get_page(ro_server, f"/v1/users/{uid}/orders", {"limit": 100})
    got = body["items"]
    ids = [o["id"] for o in got]
    assert all(a > b for a, b in zip(ids, ids[1:])), f"order ids not strictly decreasing: {ids}"
    want = orders[uid][:100]
    assert ids == [o["id"] for o in want], f"user {uid}: orders {ids} != SQLite {[o['id'] for o in want]}"
    for a, d in zip(got, want):
        check_order(a, d)


def test_orders_all_users(ro_server, orders, users):
    """Every user's first page equals SQLite (order ids, items, totals)."""
    for uid in sorted(users):
        body = get_page(ro_server, f"/v1/users/{uid}/orders", {"limit": 100})
        want = orders.get(uid, [])[:100]
        assert [o["id"] for o in body["items"]] == [o["id"] for o in want], f"user {uid}"
        for a, d in zip(body["items"], want):
            check_order(a, d)


def test_orders_default_limit(ro_server, orders, busiest):
    body = get_page(ro_server, f"/v1/users/{busiest}/orders", {})
    n = len(orders[busiest])
    assert len(body["items"]) == min(20, n), f"default page has {len(body['items'])} orders"


@pytest.mark.parametrize("status", ORDER_STATUSES)
def test_orders_status_filter(ro_server, orders, busiest, status):
    uid = busiest
    items = walk(ro_server, f"/v1/users/{uid}/orders", {"status": status, "limit": 3})
    want = [o["id"] for o in orders[uid] if o["status"] == status]
    assert [o["id"] for o in items] == want, f"user {uid} status={status}"
    assert all(o["status"] == status for o in items)


@pytest.mark.parametrize("status", ["lost", "PAID", "paid,shipped"])
def test_orders_invalid_status_400(ro_server, busiest, status):
    assert_field_error(ro_server.get(f"/v1/users/{busiest}/orders", params={"status": status}), "status")


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_orders_invalid_limit_400(ro_server, busiest, limit):
    assert_field_error(ro_server.get(f"/v1/users/{busiest}/orders", params={"limit": limit}), "limit")


@pytest.mark.parametrize("limit", [1, 2, 7])
def test_orders_cursor_walk(ro_server, orders, busiest, limit):
    items = walk(ro_server, f"/v1/users/{busiest}/orders", {"limit": limit})
    ids = [o["id"] for o in items]
    assert len(ids) == len(set(ids)), f"orders visited twice: {ids}"
    assert ids == [o["id"] for o in orders[busiest]], f"cursor walk (limit={limit}) != SQLite"


def test_orders_tampered_cursor_400(ro_server, busiest):
    path = f"/v1/users/{busiest}/orders"
    body = get_page(ro_server, path, {"limit": 2})
    assert body["next_cursor"]
    for part, bad in tampered_cursors(body["next_cursor"]).items():
        r = ro_server.get(path, params={"limit": 2, "cursor": bad})
        assert r.status_code == 400, f"tampered orders cursor ({part}) -> {r.status_code}"
        assert_problem(r, 400)


def test_orders_query_count_independent_of_limit(ro_server, orders, busiest):
    path = f"/v1/users/{busiest}/orders"
    assert len(orders[busiest]) > 5, "the busiest user has too few orders for this test"
    small = ro_server.get(path, params={"limit": 5})
    big = ro_server.get(path, params={"limit": 100})
    assert small.status_code == big.status_code == 200
    assert len(big.json()["items"]) > 5
    ns, nb = db_queries(small), db_queries(big)
    assert ns == nb, (f"N+1: limit=5 made {ns} queries, limit=100 ({len(big.json()['items'])} orders) "
                      f"made {nb} (Server-Timing {big.headers.get('server-timing')!r})")
    assert 1 <= nb <= 3, f"{nb} queries for one orders page (at most 3 expected)"


# --- summary -------------------------------------------------------------------------------------

def test_summaries_match_sqlite(ro_server, orders, users):
    for uid in sorted(users):
        body = ro_server.get_json(f"/v1/users/{uid}/summary")
        assert set(body) == set(SUMMARY_FIELDS), f"summary keys {sorted(body)}"
        mine = orders.get(uid, [])
        want = (uid, len(mine), sum(o["total_cents"] for o in mine))
        got = (body["user_id"], body["order_count"], body["total_spent_cents"])
        assert got == want, f"/v1/users/{uid}/summary (user_id, order_count, total_spent_cents) = {got}, SQLite {want}"
        assert isinstance(body["updated_at"], str)


def test_cursor_of_other_endpoint_400(ro_server, busiest):
    """A cursor is bound to its endpoint: an orders cursor is refused by /v1/products and a
    products cursor by /v1/users/{id}/orders (both signed with the same secret)."""
    orders_cursor = get_page(ro_server, f"/v1/users/{busiest}/orders", {"limit": 2})["next_cursor"]
    products_cursor = get_page(ro_server, "/v1/products", {"limit": 2})["next_cursor"]
    assert orders_cursor and products_cursor
    assert_problem(ro_server.get("/v1/products", params={"limit": 2, "cursor": orders_cursor}), 400)
    assert_problem(ro_server.get(f"/v1/users/{busiest}/orders",
                                 params={"limit": 2, "cursor": products_cursor}), 400)


def test_orders_cursor_of_other_user_400(ro_server, orders, busiest):
    """A user's orders cursor is refused for another user's orders."""
    other = next(u for u in sorted(orders, key=lambda u: -len(orders[u])) if u != busiest)
    c = get_page(ro_server, f"/v1/users/{busiest}/orders", {"limit": 2})["next_cursor"]
    assert c
    r = ro_server.get(f"/v1/users/{other}/orders", params={"limit": 2, "cursor": c})
    assert r.status_code == 400, f"user {busiest}'s cursor accepted for user {other}: {r.status_code}"
    assert_problem(r, 400)
