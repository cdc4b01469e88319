"""GET /v1/products: filters, sorts (ties broken by id), limit validation, sparse fieldsets, and
HMAC-signed keyset cursors (complete walks, tampering, foreign secret, reuse with other
sort/filters). Read-only: uses the shared ro_server; complete walks are compared with the SQLite
file row by row."""

from __future__ import annotations

import pytest

from shop_helpers import (CURSOR_RE, PRODUCT_FIELDS, SECRET_B, SORTS, assert_field_error,
                          assert_problem, db_rows, expected_ids, get_page, product_filter,
                          product_matches_row, tampered_cursors, tie_orders, walk)

PATH = "/v1/products"


@pytest.fixture(scope="module")
def rows(ro_db) -> list[dict]:
    return db_rows(ro_db, "SELECT * FROM products ORDER BY id")


@pytest.fixture(scope="module")
def by_id(rows) -> dict[int, dict]:
    return {r["id"]: r for r in rows}


@pytest.fixture(scope="module")
def prices(rows) -> list[int]:
    return sorted(r["price_cents"] for r in rows)


def check_walk(srv, rows, params: dict, by_id=None):
    """Walks every page and compares the id sequence with SQLite (one acceptable tie order)."""
    items = walk(srv, PATH, params)
    got = [i["id"] for i in items]
    assert len(got) == len(set(got)), f"{params}: {len(got) - len(set(got))} rows visited twice"
    flt = {k: v for k, v in params.items() if k in ("category", "min_price", "max_price", "in_stock")}
    pred = product_filter(**flt)
    sort = params.get("sort", "id")
    candidates = {tie: expected_ids(rows, sort, tie, pred) for tie in tie_orders(sort)}
    if got not in candidates.values():
        exp = next(iter(candidates.values()))
        missing = set(exp) - set(got)
        extra = set(got) - set(exp)
        first_diff = next((i for i, (a, b) in enumerate(zip(got, exp)) if a != b), None)
        pytest.fail(f"walk {params}: {len(got)} rows, expected {len(exp)}; missing {sorted(missing)[:10]}, "
                    f"unexpected {sorted(extra)[:10]}; first order difference at position {first_diff}: "
                    f"got {got[first_diff:first_diff + 5] if first_diff is not None else None}, "
                    f"expected {exp[first_diff:first_diff + 5] if first_diff is not None else None}")
    if by_id is not None:
        for item in items:
            product_matches_row(item, by_id[item["id"]])
    return items


# --- basic page ----------------------------------------------------------------------------------

def test_default_page(ro_server, rows):
    body = get_page(ro_server, PATH, {})
    assert [i["id"] for i in body["items"]] == [r["id"] for r in rows[:20]], \
        "default page is not the first 20 products by id"
    for item, row in zip(body["items"], rows):
        product_matches_row(item, row)
    assert isinstance(body["next_cursor"], str) and CURSOR_RE.match(body["next_cursor"])


@pytest.mark.parametrize("limit", [1, 2, 37, 100])
def test_valid_limits(ro_server, rows, limit):
    body = get_page(ro_server, PATH, {"limit": limit})
    assert [i["id"] for i in body["items"]] == [r["id"] for r in rows[:limit]]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "99999999999999999999"])
def test_invalid_limit_400(ro_server, limit):
    assert_field_error(ro_server.get(PATH, params={"limit": limit}), "limit")


@pytest.mark.parametrize("field,value", [
    ("min_price", "-1"), ("min_price", "abc"), ("max_price", "-5"), ("max_price", "1.5"),
    ("in_stock", "yes"), ("in_stock", "1"), ("sort", "name"), ("sort", "price,id"),
    ("sort", "+price"), ("fields", "id,colour"), ("fields", "password"),
])
def test_invalid_parameters_400(ro_server, field, value):
    assert_field_error(ro_server.get(PATH, params={field: value}), field)


def test_unknown_category_is_empty(ro_server):
    body = get_page(ro_server, PATH, {"category": "no-such-category-xyz"})
    assert body == {"items": [], "next_cursor": None}


# --- complete walks --------------------------------------------------------------------------------

def filter_sets(categories, prices):
    lo, hi = prices[len(prices) // 4], prices[(3 * len(prices)) // 4]
    return {
        "all": {},
        "category": {"category": categories[0]},
        "price_range": {"min_price": lo, "max_price": hi},
        "in_stock": {"in_stock": "true"},
        "out_of_stock": {"in_stock": "false"},
        "combined": {"category": categories[1 % len(categories)], "in_stock": "true",
                     "min_price": lo},
    }


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("fset", ["all", "category", "price_range", "in_stock", "out_of_stock",
                                  "combined"])
def test_walk_matches_sqlite(ro_server, rows, by_id, categories, prices, sort, fset):
    params = dict(filter_sets(categories, prices)[fset])
    params.update({"sort": sort, "limit": 100})
    check_walk(ro_server, rows, params, by_id if fset in ("all", "category") else None)


@pytest.mark.parametrize("sort", ["price", "-price", "-updated_at"])
def test_walk_small_pages(ro_server, rows, categories, sort):
    """Small pages put many page boundaries inside groups of equal sort keys."""
    check_walk(ro_server, rows, {"sort": sort, "limit": 7, "category": categories[0]})


def test_price_bounds_inclusive(ro_server, rows, prices):
    p = prices[len(prices) // 2]
    items = walk(ro_server, PATH, {"min_price": p, "max_price": p, "limit": 100})
    want = sorted(r["id"] for r in rows if r["price_cents"] == p)
    assert sorted(i["id"] for i in items) == want, \
        f"min_price=max_price={p}: got {[i['id'] for i in items]}, expected {want} (bounds inclusive)"


def test_explicit_sort_id_equals_default(ro_server):
    a = get_page(ro_server, PATH, {"limit": 50})
    b = get_page(ro_server, PATH, {"limit": 50, "sort": "id"})
    assert [i["id"] for i in a["items"]] == [i["id"] for i in b["items"]]


# --- sparse fieldsets ----------------------------------------------------------------------------

@pytest.mark.parametrize("fields", ["id,name,price_cents", "name", "updated_at,version",
                                    ",".join(PRODUCT_FIELDS)])
def test_sparse_fields(ro_server, by_id, fields):
    want = fields.split(",")
    body = get_page(ro_server, PATH, {"fields": fields, "limit": 5})
    ref = get_page(ro_server, PATH, {"limit": 5})["items"]
    assert len(body["items"]) == 5
    for item, full in zip(body["items"], ref):
        assert set(item) == set(want), f"fields={fields}: item keys {sorted(item)}"
        for k in want:
            assert item[k] == full[k], (k, item[k], full[k])


def test_sparse_fields_walk_without_id(ro_server, rows, categories):
    """The cursor must not depend on the selected fields."""
    params = {"fields": "name,price_cents", "sort": "-price", "limit": 30, "category": categories[0]}
    items = walk(ro_server, PATH, params)
    pred = product_filter(category=categories[0])
    candidates = []
    for tie in tie_orders("-price"):
        ids = expected_ids(rows, "-price", tie, pred)
        byid = {r["id"]: r for r in rows}
        candidates.append([(byid[i]["name"], byid[i]["price_cents"]) for i in ids])
    got = [(i["name"], i["price_cents"]) for i in items]
    assert got in candidates, f"sparse walk differs from SQLite ({len(got)} vs {len(candidates[0])} rows)"


# --- cursors ---------------------------------------------------------------------------------------

def first_cursor(srv, params):
    body = get_page(srv, PATH, params)
    assert body["next_cursor"], f"{params}: no next_cursor on the first page"
    return body["next_cursor"], body["items"]


def test_cursor_is_reusable(ro_server, categories):
    params = {"sort": "price", "limit": 10, "category": categories[0]}
    c, _ = first_cursor(ro_server, params)
    a = get_page(ro_server, PATH, {**params, "cursor": c})
    b = get_page(ro_server, PATH, {**params, "cursor": c})
    assert a == b


@pytest.mark.parametrize("sort", SORTS)
def test_tampered_cursor_400(ro_server, categories, sort):
    params = {"sort": sort, "limit": 10, "category": categories[0]}
    c, _ = first_cursor(ro_server, params)
    for part, bad in tampered_cursors(c).items():
        assert bad != c
        r = ro_server.get(PATH, params={**params, "cursor": bad})
        assert r.status_code == 400, f"cursor with a flipped character in its {part} " \
            f"({c!r} -> {bad!r}) gave {r.status_code}, expected 400: {r.text[:300]}"
        assert_problem(r, 400)


@pytest.mark.parametrize("bad", ["not-a-cursor", "AAAA", "!!!", "eyJpZCI6MX0", "a.b"])
def test_garbage_cursor_400(ro_server, bad):
    assert_problem(ro_server.get(PATH, params={"cursor": bad}), 400)


def test_truncated_cursor_400(ro_server):
    c, _ = first_cursor(ro_server, {"limit": 10})
    for bad in (c[:-1], c[:len(c) // 2], c + "A"):
        assert_problem(ro_server.get(PATH, params={"limit": 10, "cursor": bad}), 400)


def test_cursor_from_other_secret_400(ro_server, shop_server, ro_db, categories):
    other = shop_server(ro_db, shop__cursor_secret=SECRET_B, _name="secret-b")
    params = {"sort": "price", "limit": 10, "category": categories[0]}
    cb, _ = first_cursor(other, params)
    assert get_page(other, PATH, {**params, "cursor": cb})["items"], "B refuses its own cursor"
    r = ro_server.get(PATH, params={**params, "cursor": cb})
    assert r.status_code == 400, f"server A accepted a cursor signed with B's secret: {r.status_code}"
    assert_problem(r, 400)
    ca, _ = first_cursor(ro_server, params)
    assert_problem(other.get(PATH, params={**params, "cursor": ca}), 400)


def reuse_cases(categories, prices):
    mid = prices[len(prices) // 2]
    base = {"sort": "price", "limit": 10, "category": categories[0], "in_stock": "true"}
    return base, {
        "sort_id": {**base, "sort": "id"},
        "sort_desc": {**base, "sort": "-price"},
        "sort_updated": {**base, "sort": "-updated_at"},
        "sort_default": {k: v for k, v in base.items() if k != "sort"},
        "other_category": {**base, "category": categories[1 % len(categories)]},
        "no_category": {k: v for k, v in base.items() if k != "category"},
        "in_stock_false": {**base, "in_stock": "false"},
        "no_in_stock": {k: v for k, v in base.items() if k != "in_stock"},
        "add_min_price": {**base, "min_price": mid},
        "add_max_price": {**base, "max_price": mid},
    }


@pytest.mark.parametrize("case", ["sort_id", "sort_desc", "sort_updated", "sort_default",
                                  "other_category", "no_category", "in_stock_false",
                                  "no_in_stock", "add_min_price", "add_max_price"])
def test_cursor_reused_with_other_query_400(ro_server, categories, prices, case):
    base, cases = reuse_cases(categories, prices)
    c, _ = first_cursor(ro_server, base)
    params = {**cases[case], "cursor": c}
    r = ro_server.get(PATH, params=params)
    assert r.status_code == 400, \
        f"cursor from {base} reused with {cases[case]} -> {r.status_code}, expected 400: {r.text[:200]}"
    assert_problem(r, 400)
