"""The shop's read caches end to end (keel::cache in front of SQLite; docs/api.md "Caching"):

- reads-your-writes: a PATCH drops the product and every cached list page that shows it, so the
  client that wrote (and everyone after) sees the write at once, though both were cached;
- negative caching: an unknown id is answered from the cache the second time (no query);
- stampede: 1,000 concurrent requests for one expired hot product make exactly one database query
  (keel_db_query_duration_seconds_count{query="product_by_id"} on /metrics) and all get it;
- stale-if-error: when the reload fails (the only reader connection is held by
  /debug/slow-query, so the load cannot get one: 503 overloaded) inside cache.stale_if_error the
  stale product is served (X-Cache: stale, keel_cache_stale_served_total counted); after the
  window the error reaches the client.

Real binary, real SQLite file, real sockets; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time

import httpx
import pytest

from shop_helpers import assert_problem, json_dumps, run_cli

MERGE = "application/merge-patch+json"


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------

def metric(srv, name: str, **labels) -> float:
    """Sum of the samples of `name` whose labels include `labels` (Prometheus text format)."""
    total = 0.0
    for line in srv.get("/metrics").text.splitlines():
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def product_queries(srv) -> float:
    """Database queries that read one product by id (the product cache's loads)."""
    return metric(srv, "keel_db_query_duration_seconds_count", query="product_by_id")


_KEYS: set[str] | None = None


def config_keys() -> set[str]:
    """The configuration keys the binary declares (`serve --config-reference`)."""
    global _KEYS
    if _KEYS is None:
        p = run_cli(["serve", "--config-reference"])
        assert p.returncode == 0, p.stderr
        _KEYS = set(re.findall(r"^\| `([a-z0-9_.]+)`", p.stdout.decode(), re.M))
    return _KEYS


def without_admission_limit() -> dict:
    """Environment that switches admission control off (when the binary has it), so a burst of
    1,000 concurrent requests is not shed by the concurrency limit: this test is about the cache."""
    return {"overload__enabled": False} if "overload.enabled" in config_keys() else {}


def do_patch(srv, pid: int, change: dict, etag: str) -> httpx.Response:
    return srv.patch(f"/v1/products/{pid}", content=json_dumps(change),
                     headers={"Content-Type": MERGE, "If-Match": etag})


# ------------------------------------------------------------------------------------------------
# reads-your-writes and negative caching (default cache settings: 30 s products, 2 s lists)
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(shop_server_module, db_copy):
    # Long TTLs: anything the tests see after a PATCH comes from the invalidation, not an expiry.
    return shop_server_module(db_copy("cache-rw"), _name="cache-rw", cache__products_ttl="5m",
                              cache__lists_ttl="5m")


def test_patch_then_get_sees_the_write(server):
    pid = 3
    first = server.get(f"/v1/products/{pid}")
    assert first.status_code == 200 and first.headers.get("x-cache") == "miss", \
        f"first GET: {first.status_code} X-Cache {first.headers.get('x-cache')!r}"
    cached = server.get(f"/v1/products/{pid}")
    assert cached.headers.get("x-cache") == "hit" and cached.json() == first.json()
    page_params = {"limit": 5}  # sort=id: products 1..5, so the page shows product 3
    page = server.get("/v1/products", params=page_params)
    assert page.status_code == 200, page.text[:300]
    assert pid in [p["id"] for p in page.json()["items"]]
    assert server.get("/v1/products", params=page_params).headers.get("x-cache") == "hit"

    change = {"name": "cache-invalidated name", "price_cents": 777}
    r = do_patch(server, pid, change, first.headers["etag"])
    assert r.status_code == 200, f"PATCH -> {r.status_code}: {r.text[:300]}"
    new_etag = r.headers["etag"]

    after = server.get(f"/v1/products/{pid}")
    assert after.status_code == 200
    assert after.headers.get("x-cache") == "miss", "the PATCH did not invalidate the product"
    body = after.json()
    assert (body["name"], body["price_cents"]) == (change["name"], change["price_cents"]), body
    assert after.headers["etag"] == new_etag != first.headers["etag"]
    # The old ETag no longer validates; the new one does (304 comes from the cached entry).
    assert server.get(f"/v1/products/{pid}",
                      headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    not_modified = server.get(f"/v1/products/{pid}", headers={"If-None-Match": new_etag})
    assert not_modified.status_code == 304 and not_modified.headers.get("x-cache") == "hit"

    page_after = server.get("/v1/products", params=page_params)
    assert page_after.headers.get("x-cache") == "miss", "the PATCH did not drop the tagged page"
    item = next(p for p in page_after.json()["items"] if p["id"] == pid)
    assert (item["name"], item["price_cents"]) == (change["name"], change["price_cents"]), item


def test_page_without_the_product_stays_cached(server):
    """Tags are per product: a write drops the pages that show it, not every page."""
    params = {"limit": 3, "sort": "-price"}
    first = server.get("/v1/products", params=params)
    shown = [p["id"] for p in first.json()["items"]]
    other = next(i for i in range(10, 100) if i not in shown)
    cur = server.get(f"/v1/products/{other}")
    assert do_patch(server, other, {"stock": 3}, cur.headers["etag"]).status_code == 200
    again = server.get("/v1/products", params=params)
    assert again.headers.get("x-cache") == "hit" and again.json() == first.json()


def test_unknown_product_is_negatively_cached(server):
    before = product_queries(server)
    for i in range(3):
        r = server.get("/v1/products/987654")
        assert_problem(r, 404)
        assert r.headers.get("x-cache") == ("miss" if i == 0 else "hit"), dict(r.headers)
    assert product_queries(server) - before == 1, "repeated 404s reached the database"
    assert metric(server, "keel_cache_negative_hits_total", cache="products") >= 2


def test_user_summary_is_cached(server):
    first = server.get("/v1/users/1/summary")
    assert first.status_code == 200 and first.headers.get("x-cache") == "miss"
    second = server.get("/v1/users/1/summary")
    assert second.headers.get("x-cache") == "hit" and second.json() == first.json()
    missing = server.get("/v1/users/999999/summary")
    assert_problem(missing, 404)
    assert server.get("/v1/users/999999/summary").headers.get("x-cache") == "hit"


def test_cache_metrics_are_exported(server):
    server.get("/v1/products/4")
    server.get("/v1/products/4")
    text = server.get("/metrics").text
    for name in ("keel_cache_hits_total", "keel_cache_misses_total", "keel_cache_loads_total",
                 "keel_cache_negative_hits_total", "keel_cache_stale_served_total",
                 "keel_cache_load_errors_total", "keel_cache_coalesced_total",
                 "keel_cache_evictions_total", "keel_cache_entries", "keel_cache_weight"):
        for cache in ("products", "product_lists", "user_summaries"):
            assert re.search(rf'^{name}\{{[^}}]*cache="{cache}"', text, re.M), \
                f"{name}{{cache={cache!r}}} not on /metrics"
    assert metric(server, "keel_cache_entries", cache="products") >= 1
    assert metric(server, "keel_cache_weight", cache="products") > 0


def test_cache_can_be_switched_off(shop_server, db_copy):
    srv = shop_server(db_copy("cache-off"), _name="cache-off", cache__enabled=False)
    before = product_queries(srv)
    for _ in range(3):
        r = srv.get("/v1/products/1")
        assert r.status_code == 200 and "x-cache" not in r.headers
    assert product_queries(srv) - before == 3


@pytest.mark.parametrize("setting", ["cache.products_ttl=0s", "cache.lists_max_bytes=1000",
                                     "cache.stale_if_error=-1s", "cache.enabled=maybe"])
def test_invalid_cache_config_is_refused(setting):
    p = run_cli(["serve", "--print-config", "--set", setting])
    out = (p.stderr + p.stdout).decode("utf-8", "replace")
    assert p.returncode != 0 and setting.split("=")[0] in out, f"exit {p.returncode}: {out[-500:]}"


# ------------------------------------------------------------------------------------------------
# stampede: 1,000 concurrent requests for one expired hot product -> one query
# ------------------------------------------------------------------------------------------------

STAMPEDE = 1000
STAMPEDE_TTL = 5.0  # longer than the burst takes, so the burst itself never sees an expiry
# How long the only reader is held when the burst starts (below the route's 250 ms budget: every
# request of the burst must still be answered 200, not 504).
STAMPEDE_HOLD_MS = 200


async def _burst(host: str, port: int, path: str, n: int,
                 before_send=None) -> list[tuple[int, dict, bytes]]:
    """Opens n connections first, calls before_send() (blocking, in a thread), then sends one GET
    on each at once and reads every response (HTTP/1.1, Connection: close: a response ends at
    EOF)."""
    conns = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(n)))
    if before_send is not None:
        await asyncio.get_running_loop().run_in_executor(None, before_send)
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n").encode()
    for _, writer in conns:
        writer.write(request)
    await asyncio.gather(*(w.drain() for _, w in conns))

    async def read(reader, writer):
        try:
            raw = await asyncio.wait_for(reader.read(-1), timeout=30)
        finally:
            writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1]) if lines and lines[0].startswith("HTTP/") else 0
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers, body

    return await asyncio.gather(*(read(r, w) for r, w in conns))


def test_stampede_on_an_expired_product_makes_one_query(shop_server, db_copy):
    """The hot product's entry expires; then 1,000 requests for it arrive while its reload is
    still running. The reload is kept running by holding the only reader connection with
    /debug/slow-query for STAMPEDE_HOLD_MS (the load waits for it), so the burst really lands on
    an in-flight load instead of racing a sub-millisecond query."""
    env = {"cache__products_ttl": f"{int(STAMPEDE_TTL * 1000)}ms",
           "cache__stale_while_revalidate": "0s", "cache__stale_if_error": "0s",
           "cache__load_timeout": "10s", "db__readers": 1, "db__acquire_timeout": "8s",
           "shop__debug_routes": True, "server__request_timeout": "20s",
           **without_admission_limit()}
    srv = shop_server(db_copy("stampede"), _name="stampede", **env)
    pid = 42
    expected = srv.get(f"/v1/products/{pid}")
    assert expected.status_code == 200
    time.sleep(STAMPEDE_TTL + 0.3)  # the entry expires (no stale window): the next read must load

    slow: dict = {}

    def hold():
        slow["resp"] = httpx.get(srv.url("/debug/slow-query"), params={"ms": STAMPEDE_HOLD_MS},
                                 timeout=STAMPEDE_HOLD_MS / 1000 + 10)

    holder = threading.Thread(target=hold, daemon=True)
    before = product_queries(srv)
    coalesced_before = metric(srv, "keel_cache_coalesced_total", cache="products")

    def start_holding():
        holder.start()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and \
                metric(srv, "keel_db_connections_in_use", role="reader") < 1:
            time.sleep(0.002)

    t0 = time.monotonic()
    results = asyncio.run(_burst(srv.host, srv.port, f"/v1/products/{pid}", STAMPEDE,
                                 before_send=start_holding))
    elapsed = time.monotonic() - t0
    holder.join(timeout=STAMPEDE_HOLD_MS / 1000 + 12)
    queries = product_queries(srv) - before
    coalesced = metric(srv, "keel_cache_coalesced_total", cache="products") - coalesced_before

    bad = [(s, h.get("x-cache"), b[:120]) for s, h, b in results
           if s != 200 or b != expected.content or h.get("etag") != expected.headers["etag"]]
    assert not bad, f"{len(bad)} of {STAMPEDE} answers wrong, e.g. {bad[:3]}"
    statuses = [h.get("x-cache") for _, h, _ in results]
    summary = (f"{STAMPEDE} GETs in {elapsed:.2f}s: X-Cache miss {statuses.count('miss')}, "
               f"hit {statuses.count('hit')}; coalesced {coalesced:.0f}; "
               f"product_by_id queries {queries:.0f}")
    print(summary)
    assert elapsed < STAMPEDE_TTL, f"the burst outlived the TTL: {summary}"
    assert queries == 1, summary
    # Requests that arrived while the load ran joined it (the rest came after it and hit).
    assert coalesced >= 1 and coalesced == statuses.count("miss") - 1, summary
    assert slow.get("resp") is not None and slow["resp"].status_code == 200, slow


# ------------------------------------------------------------------------------------------------
# stale-if-error: a failing reload inside the window serves the stale value; after it, the error
# ------------------------------------------------------------------------------------------------

SIE_TTL = 1.0
SIE_WINDOW = 4.0
HOLD_MS = 9000


def test_stale_if_error_inside_the_window_then_the_error(shop_server, db_copy):
    env = {"db__readers": 1, "db__acquire_timeout": "200ms", "shop__debug_routes": True,
           "server__request_timeout": "20s", "cache__products_ttl": f"{int(SIE_TTL * 1000)}ms",
           "cache__stale_while_revalidate": "0s",
           "cache__stale_if_error": f"{int(SIE_WINDOW * 1000)}ms"}
    srv = shop_server(db_copy("sie"), _name="sie", **env)
    pid = 17
    t0 = time.monotonic()
    fresh = srv.get(f"/v1/products/{pid}")
    assert fresh.status_code == 200 and fresh.headers.get("x-cache") == "miss"

    # Hold the only reader connection: every load from now on waits 200 ms for one and fails
    # with 503 (overloaded). A real failure of the database read, not a mock.
    slow: dict = {}

    def hold():
        try:
            slow["resp"] = httpx.get(srv.url("/debug/slow-query"), params={"ms": HOLD_MS},
                                     timeout=HOLD_MS / 1000 + 10)
        except httpx.HTTPError as e:
            slow["error"] = e

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    time.sleep(0.5)
    assert holder.is_alive(), f"/debug/slow-query ended early: {slow}"
    time.sleep(max(0.0, t0 + SIE_TTL + 0.3 - time.monotonic()))  # past the TTL, inside the window

    stale_before = metric(srv, "keel_cache_stale_served_total", cache="products")
    errors_before = metric(srv, "keel_cache_load_errors_total", cache="products")
    inside = srv.get(f"/v1/products/{pid}")
    at = time.monotonic() - t0
    assert at < SIE_TTL + SIE_WINDOW, f"too slow to test inside the window ({at:.2f}s)"
    assert inside.status_code == 200, \
        f"reload failed inside stale-if-error ({at:.2f}s): {inside.status_code} {inside.text[:300]}"
    assert inside.headers.get("x-cache") == "stale", dict(inside.headers)
    assert inside.content == fresh.content and inside.headers["etag"] == fresh.headers["etag"]
    assert metric(srv, "keel_cache_stale_served_total", cache="products") - stale_before == 1
    assert metric(srv, "keel_cache_load_errors_total", cache="products") - errors_before == 1

    time.sleep(max(0.0, t0 + SIE_TTL + SIE_WINDOW + 0.3 - time.monotonic()))  # window over
    assert holder.is_alive(), "the reader was released too early: the test proves nothing"
    outside = srv.get(f"/v1/products/{pid}")
    assert outside.status_code == 503, \
        f"after the window: {outside.status_code} X-Cache {outside.headers.get('x-cache')!r}"
    assert_problem(outside, 503)
    assert metric(srv, "keel_cache_stale_served_total", cache="products") - stale_before == 1

    holder.join(timeout=HOLD_MS / 1000 + 12)
    recovered = srv.get(f"/v1/products/{pid}")
    assert recovered.status_code == 200 and recovered.headers.get("x-cache") == "miss"
    assert recovered.content == fresh.content
