"""PATCH /v1/products/{id}: JSON merge patch with optimistic concurrency (If-Match / ETag).
428 without If-Match, 412 on a stale ETag, 200 with version+1 and a new ETag, the write visible to
GET (and to SQLite), validation errors with field errors that leave the row unchanged, and two
PATCHes racing on one ETag (exactly one wins). Uses its own copy of the database; every test
works on its own product id."""

from __future__ import annotations

import threading

import httpx
import pytest

from shop_helpers import (TIMEOUT, assert_field_error, assert_problem, db_rows, is_strong_etag,
                          json_dumps, product_matches_row)

MERGE = "application/merge-patch+json"


@pytest.fixture(scope="module")
def patch_db(db_copy):
    return db_copy("patch")


@pytest.fixture
def server(shop_server, patch_db):
    """A server per test (on the module's database), so that one crash fails one test."""
    return shop_server(patch_db, _name="patch")


def row(db, pid) -> dict:
    rows = db_rows(db, "SELECT * FROM products WHERE id=?", (pid,))
    assert rows, f"product {pid} not in SQLite"
    return rows[0]


def current(srv, pid):
    r = srv.get(f"/v1/products/{pid}")
    assert r.status_code == 200, r.text[:300]
    return r.json(), r.headers["etag"]


def do_patch(srv, pid, body, etag=None, ctype=MERGE):
    headers = {"Content-Type": ctype}
    if etag is not None:
        headers["If-Match"] = etag
    data = body if isinstance(body, (bytes, bytearray)) else json_dumps(body)
    return srv.patch(f"/v1/products/{pid}", content=data, headers=headers)


@pytest.mark.parametrize("ctype", [MERGE, "application/json"])
def test_patch_ok(server, patch_db, ctype):
    pid = 101 if ctype == MERGE else 102
    before, etag = current(server, pid)
    change = {"name": f"patched {pid}", "price_cents": 4321, "stock": 17}
    r = do_patch(server, pid, change, etag, ctype)
    assert r.status_code == 200, f"PATCH /v1/products/{pid} {change} If-Match {etag} -> {r.status_code}: {r.text[:300]}"
    body = r.json()
    new_etag = r.headers.get("etag")
    assert is_strong_etag(new_etag) and new_etag != etag, f"ETag after PATCH {new_etag!r} (before {etag!r})"
    assert body["version"] == before["version"] + 1, (body["version"], before["version"])
    for k, v in change.items():
        assert body[k] == v, (k, body[k], v)
    for k in ("id", "category", "rating"):
        assert body[k] == before[k], (k, body[k], before[k])
    product_matches_row(body, row(patch_db, pid))
    # the write is visible to GET
    after, get_etag = current(server, pid)
    assert after == body, (after, body)
    assert get_etag == new_etag, (get_etag, new_etag)
    old = server.get(f"/v1/products/{pid}", headers={"If-None-Match": etag})
    assert old.status_code == 200, f"old ETag still gives {old.status_code} after a PATCH"
    new = server.get(f"/v1/products/{pid}", headers={"If-None-Match": new_etag})
    assert new.status_code == 304, f"new ETag gives {new.status_code}"


def test_patch_partial(server, patch_db):
    pid = 103
    before, etag = current(server, pid)
    r = do_patch(server, pid, {"price_cents": 0}, etag)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert body["price_cents"] == 0
    assert (body["name"], body["stock"]) == (before["name"], before["stock"])
    assert body["version"] == before["version"] + 1
    product_matches_row(body, row(patch_db, pid))


def test_patch_visible_in_list_and_batch(server):
    pid = 104
    _, etag = current(server, pid)
    r = do_patch(server, pid, {"name": "visible everywhere"}, etag)
    assert r.status_code == 200, r.text[:300]
    b = server.post("/v1/products/batch", content=json_dumps({"ids": [pid]}),
                    headers={"Content-Type": "application/json"})
    assert b.status_code == 200 and b.json()["items"] == [r.json()], b.text[:300]
    page = server.get("/v1/products", params={"limit": 100, "min_price": r.json()["price_cents"],
                                              "max_price": r.json()["price_cents"]})
    assert page.status_code == 200
    assert r.json() in page.json()["items"], "PATCHed product not (up to date) in the list"


def test_patch_without_if_match_428(server, patch_db):
    pid = 105
    before = row(patch_db, pid)
    assert_problem(do_patch(server, pid, {"name": "no precondition"}), 428)
    assert row(patch_db, pid) == before


def test_patch_stale_etag_412(server, patch_db):
    pid = 106
    before = row(patch_db, pid)
    assert_problem(do_patch(server, pid, {"name": "stale"}, '"stale-etag"'), 412)
    assert row(patch_db, pid) == before


def test_patch_same_if_match_twice(server, patch_db):
    pid = 107
    _, etag = current(server, pid)
    first = do_patch(server, pid, {"stock": 1}, etag)
    assert first.status_code == 200, first.text[:300]
    second = do_patch(server, pid, {"stock": 2}, etag)
    assert_problem(second, 412)
    assert row(patch_db, pid)["stock"] == 1


def test_patch_race_exactly_one_wins(server, patch_db):
    """Two PATCHes with one If-Match sent at the same moment: one 200, one 412 (no lost update)."""
    for attempt in range(5):
        pid = 110 + attempt
        before, etag = current(server, pid)
        barrier = threading.Barrier(2)
        results = [None, None]

        def send(i):
            with httpx.Client(base_url=server.url(""), timeout=TIMEOUT) as c:
                c.get("/readyz")  # connect before the barrier
                barrier.wait(timeout=5)
                try:
                    results[i] = c.patch(f"/v1/products/{pid}",
                                         content=json_dumps({"stock": 500 + i}),
                                         headers={"Content-Type": MERGE, "If-Match": etag})
                except httpx.HTTPError as e:
                    results[i] = e

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        errors = [r for r in results if not isinstance(r, httpx.Response)]
        assert not errors, f"racing PATCHes on product {pid}: {errors!r}; {server.death_note()}"
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 412], f"racing PATCHes with If-Match {etag}: {statuses}"
        winner = next(i for i, r in enumerate(results) if r.status_code == 200)
        final = row(patch_db, pid)
        assert final["stock"] == 500 + winner and final["version"] == before["version"] + 1, final


@pytest.mark.parametrize("name,body,field", [
    ("unknown_member", {"colour": "red"}, "colour"),
    ("unknown_with_valid", {"name": "ok", "colour": "red"}, "colour"),
    ("version_not_patchable", {"version": 99}, "version"),
    ("null_name", {"name": None}, "name"),
    ("null_price", {"price_cents": None}, "price_cents"),
    ("negative_price", {"price_cents": -1}, "price_cents"),
    ("empty_name", {"name": ""}, "name"),
    ("negative_stock", {"stock": -3}, "stock"),
    ("string_price", {"price_cents": "12"}, "price_cents"),
    ("float_price", {"price_cents": 12.5}, "price_cents"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_patch_validation_400(server, patch_db, name, body, field):
    pid = 120
    before = row(patch_db, pid)
    _, etag = current(server, pid)
    r = do_patch(server, pid, body, etag)
    assert_field_error(r, field)
    assert row(patch_db, pid) == before, f"a rejected PATCH {body} changed the row"


def test_patch_non_json_415(server, patch_db):
    pid = 121
    _, etag = current(server, pid)
    assert_problem(do_patch(server, pid, b"name=x", etag, "text/plain"), 415)


def test_patch_malformed_json_400(server, patch_db):
    pid = 121
    before = row(patch_db, pid)
    _, etag = current(server, pid)
    body = assert_problem(do_patch(server, pid, b'{"name": "x",', etag), 400)
    assert "line" in body["detail"].lower() or "byte" in body["detail"].lower(), body["detail"]
    assert row(patch_db, pid) == before


def test_patch_duplicate_keys_400(server, patch_db):
    pid = 122
    before = row(patch_db, pid)
    _, etag = current(server, pid)
    assert_problem(do_patch(server, pid, b'{"stock": 1, "stock": 2}', etag), 400)
    assert row(patch_db, pid) == before


def test_patch_unknown_product(server):
    r = do_patch(server, 999999, {"name": "ghost"}, '"whatever"')
    assert_problem(r, (404, 412))
