"""GET /v1/products/{id} (representation, ETag, conditional GET, Cache-Control, 404s),
POST /v1/products/batch, Server-Timing, GET /openapi.json. Read-only: uses the shared ro_server."""

from __future__ import annotations

import re

import pytest

from shop_helpers import (assert_field_error, assert_problem, db_queries,
                          db_rows, field_errors, is_strong_etag, json_dumps, product_matches_row,
                          server_timing)


@pytest.fixture(scope="module")
def product_rows(ro_db) -> dict[int, dict]:
    return {r["id"]: r for r in db_rows(ro_db, "SELECT * FROM products")}


def cache_control_tokens(r) -> list[str]:
    return [t.strip().lower() for t in r.headers.get("cache-control", "").split(",") if t.strip()]


# --- GET /v1/products/{id} ---------------------------------------------------------------------------

@pytest.mark.parametrize("pid", [1, 2, 1500, 3000])
def test_get_product(ro_server, product_rows, pid):
    r = ro_server.get(f"/v1/products/{pid}")
    assert r.status_code == 200, f"GET /v1/products/{pid} -> {r.status_code}: {r.text[:300]}"
    assert r.headers.get("content-type", "").split(";")[0].strip() == "application/json"
    product_matches_row(r.json(), product_rows[pid])


def test_get_product_etag_and_cache_control(ro_server):
    r = ro_server.get("/v1/products/1")
    assert r.status_code == 200
    etag = r.headers.get("etag")
    assert is_strong_etag(etag), f"ETag {etag!r} is not a strong entity tag"
    assert cache_control_tokens(r) == ["public", "max-age=60"], \
        f"Cache-Control {r.headers.get('cache-control')!r}, expected 'public, max-age=60'"
    again = ro_server.get("/v1/products/1")
    assert again.headers.get("etag") == etag, "ETag not stable across two GETs of an unchanged row"
    other = ro_server.get("/v1/products/2")
    assert other.headers.get("etag") != etag, "two different products share one ETag"


def test_if_none_match_same_etag_304(ro_server):
    etag = ro_server.get("/v1/products/5").headers["etag"]
    r = ro_server.get("/v1/products/5", headers={"If-None-Match": etag})
    assert r.status_code == 304, f"If-None-Match: {etag} -> {r.status_code}, expected 304"
    assert r.content == b"", f"304 with a body: {r.content[:200]!r}"
    assert r.headers.get("etag") == etag, f"304 ETag {r.headers.get('etag')!r} != {etag!r}"
    cl = r.headers.get("content-length")
    assert cl in (None, "0"), f"304 with Content-Length {cl}"


def test_if_none_match_other_200(ro_server, product_rows):
    r = ro_server.get("/v1/products/5", headers={"If-None-Match": '"other"'})
    assert r.status_code == 200, f'If-None-Match: "other" -> {r.status_code}'
    product_matches_row(r.json(), product_rows[5])


def test_if_none_match_star_304(ro_server):
    etag = ro_server.get("/v1/products/6").headers["etag"]
    r = ro_server.get("/v1/products/6", headers={"If-None-Match": "*"})
    assert r.status_code == 304, f"If-None-Match: * -> {r.status_code}, expected 304"
    assert r.content == b""
    assert r.headers.get("etag") == etag


def test_if_none_match_list_containing_etag_304(ro_server):
    """RFC 9110 §13.1.2: If-None-Match is a list; any match means 304."""
    etag = ro_server.get("/v1/products/7").headers["etag"]
    r = ro_server.get("/v1/products/7", headers={"If-None-Match": f'"nope", {etag}'})
    assert r.status_code == 304, f'If-None-Match: "nope", {etag} -> {r.status_code}'


def test_if_none_match_weak_form_of_etag_304(ro_server):
    """RFC 9110 §13.1.2: If-None-Match uses the weak comparison, so W/<etag> matches too."""
    etag = ro_server.get("/v1/products/8").headers["etag"]
    r = ro_server.get("/v1/products/8", headers={"If-None-Match": f"W/{etag}"})
    assert r.status_code == 304, f"If-None-Match: W/{etag} -> {r.status_code}"


def test_unknown_product_404(ro_server):
    r = ro_server.get("/v1/products/999999")
    assert_problem(r, 404)


@pytest.mark.parametrize("raw_id", ["abc", "1.5", "-1", "0", "99999999999999999999999", "1abc"])
def test_non_int_or_out_of_range_product_id(ro_server, raw_id):
    r = ro_server.get(f"/v1/products/{raw_id}")
    assert_problem(r, (404, 400))


def test_server_timing_counts_queries(ro_server):
    # POST /v1/products/batch is not cached: its one query is in the request's db stage.
    r = ro_server.post("/v1/products/batch", content=b'{"ids":[1,2]}',
                       headers={"Content-Type": "application/json"})
    st = server_timing(r)
    assert "db" in st, f"no db entry in Server-Timing {r.headers.get('server-timing')!r}"
    assert re.fullmatch(r"\d+\.\d+", r.headers["server-timing"].split("total;dur=")[-1]), \
        r.headers["server-timing"]
    assert db_queries(r) >= 1
    assert st["db"]["dur"] >= 0 and st["total"]["dur"] >= 0


def test_server_timing_has_cache_stage(ro_server):
    """GET /v1/products/{id} reads through the product cache: its time (lookup, and the wait for
    the load on a miss) is the request's `cache` stage; the load's query is not the request's."""
    r = ro_server.get("/v1/products/2")
    st = server_timing(r)
    assert "cache" in st, f"no cache entry in Server-Timing {r.headers.get('server-timing')!r}"
    assert st["cache"].get("desc") == "1 lookup", r.headers["server-timing"]
    assert st["cache"]["dur"] >= 0
    again = ro_server.get("/v1/products/2")
    assert again.headers.get("x-cache") == "hit", dict(again.headers)
    assert db_queries(again) == 0, again.headers["server-timing"]


# --- POST /v1/products/batch ---------------------------------------------------------------------

def batch(srv, body, content_type="application/json"):
    data = body if isinstance(body, (bytes, bytearray)) else json_dumps(body)
    headers = {} if content_type is None else {"Content-Type": content_type}
    return srv.post("/v1/products/batch", content=data, headers=headers)


def test_batch_order_and_missing(ro_server, product_rows):
    ids = [5, 999999, 3, 1, 888888, 2, 3000, 3001]
    r = batch(ro_server, {"ids": ids})
    assert r.status_code == 200, f"{ids} -> {r.status_code}: {r.text[:300]}"
    body = r.json()
    assert set(body) == {"items", "missing"}, body.keys()
    assert [i["id"] for i in body["items"]] == [5, 3, 1, 2, 3000], body
    assert body["missing"] == [999999, 888888, 3001], body["missing"]
    for item in body["items"]:
        product_matches_row(item, product_rows[item["id"]])


def test_batch_single_query(ro_server):
    ids = list(range(1, 200, 2))[:90] + [10**6 + i for i in range(10)]
    r = batch(ro_server, {"ids": ids})
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["items"]) == 90 and len(r.json()["missing"]) == 10
    st = server_timing(r)
    assert st.get("db", {}).get("desc") == "1 query", \
        f"batch of 100 ids: Server-Timing {r.headers.get('server-timing')!r}, expected db desc \"1 query\""


def test_batch_items_equal_get(ro_server):
    r = batch(ro_server, {"ids": [10, 11]})
    assert r.status_code == 200
    for item in r.json()["items"]:
        assert item == ro_server.get_json(f"/v1/products/{item['id']}")


def test_batch_100_ids_ok(ro_server):
    r = batch(ro_server, {"ids": list(range(1, 101))})
    assert r.status_code == 200, r.text[:300]
    assert [i["id"] for i in r.json()["items"]] == list(range(1, 101))
    assert r.json()["missing"] == []


def test_batch_all_missing(ro_server):
    r = batch(ro_server, {"ids": [424242, 434343]})
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"items": [], "missing": [424242, 434343]}


def test_batch_101_ids_400(ro_server):
    r = batch(ro_server, {"ids": list(range(1, 102))})
    assert_field_error(r, "ids", prefix=True)


@pytest.mark.parametrize("name,body,field", [
    ("empty_object", {}, "ids"),
    ("empty_list", {"ids": []}, "ids"),
    ("string_id", {"ids": ["x"]}, "ids"),
    ("ids_not_list", {"ids": "1,2"}, "ids"),
    ("top_level_array", [1, 2], None),
], ids=lambda v: v if isinstance(v, str) else None)
def test_batch_invalid_bodies(ro_server, name, body, field):
    r = batch(ro_server, body)
    if field is None:
        field_errors(r)
    else:
        assert_field_error(r, field, prefix=True)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_batch_non_json_content_type_415(ro_server, ctype):
    r = batch(ro_server, {"ids": [1]}, content_type=ctype)
    assert_problem(r, 415)


def test_batch_json_with_charset_ok(ro_server):
    r = batch(ro_server, {"ids": [1]}, content_type="application/json; charset=utf-8")
    assert r.status_code == 200, r.text[:300]


def test_batch_malformed_json_position(ro_server):
    r = batch(ro_server, b'{"ids": [1, 2,\n  3')
    body = assert_problem(r, 400)
    detail = body["detail"].lower()
    assert "line" in detail or "byte" in detail, f"detail does not give the position: {body['detail']!r}"


def test_batch_duplicate_keys_400(ro_server):
    r = batch(ro_server, b'{"ids": [1], "ids": [2]}')
    assert_problem(r, 400)


# --- OpenAPI ---------------------------------------------------------------------------------------

EXPECTED_OPERATIONS = [
    ("/v1/products", "get"),
    ("/v1/products/{}", "get"),
    ("/v1/products/{}", "patch"),
    ("/v1/products/batch", "post"),
    ("/v1/users/{}", "get"),
    ("/v1/users/{}/orders", "get"),
    ("/v1/users/{}/summary", "get"),
]


def test_openapi(ro_server):
    r = ro_server.get("/openapi.json")
    assert r.status_code == 200, r.text[:300]
    assert "json" in r.headers.get("content-type", ""), r.headers.get("content-type")
    doc = r.json()
    assert isinstance(doc.get("openapi"), str) and re.fullmatch(r"3\.1\.\d+", doc["openapi"]), \
        f"openapi = {doc.get('openapi')!r}, expected 3.1.x"
    paths = doc.get("paths")
    assert isinstance(paths, dict), f"/openapi.json has no 'paths' object: {r.text[:300]}"
    normalized = {}
    for p, ops in paths.items():
        normalized.setdefault(re.sub(r"\{[^}]*\}", "{}", p), set()).update(
            k.lower() for k in ops if k.lower() in ("get", "put", "post", "patch", "delete", "head"))
    missing = [(p, m) for p, m in EXPECTED_OPERATIONS if m not in normalized.get(p, set())]
    assert not missing, f"/openapi.json lacks {missing}; it has {sorted(paths)}"
    # required by OpenAPI 3.1 (§4.8.1): info with title and version
    info = doc.get("info")
    assert isinstance(info, dict) and "title" in info and "version" in info, f"info = {info!r}"
