"""Keyset pagination under concurrent inserts. There is no product-create endpoint, so rows are
inserted straight into the served SQLite file (WAL, busy_timeout=5000) while a cursor walk runs:
two rows after every page from the walking thread, plus a background thread inserting
continuously. Inserted rows copy existing prices and timestamps half of the time, so they land
inside groups of equal sort keys. New rows may or may not be visited, but no row may appear twice,
every row that existed before the walk and matches must be visited, and the visited sequence must
be in sort order (ties broken by id). Uses its own copy of the database."""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3
import threading
import time

import pytest

from shop_helpers import (SORTS, db_rows, product_filter, sort_key, tie_orders, walk)

PATH = "/v1/products"
TS_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BACKGROUND_CAP = 300  # rows per walk from the background thread


@pytest.fixture(scope="module")
def walk_db(db_copy):
    return db_copy("walk-concurrent")


@pytest.fixture(scope="module")
def server(shop_server_module, walk_db):
    return shop_server_module(walk_db, _name="walk")


class Inserter:
    def __init__(self, db, seed: int):
        self.rng = random.Random(seed)
        rows = db_rows(db, "SELECT category, price_cents, updated_at FROM products")
        self.categories = sorted({r["category"] for r in rows})
        self.prices = [r["price_cents"] for r in rows]
        self.stamps = [r["updated_at"] for r in rows]
        self.ts_format_known = all(TS_MS_Z.match(s) for s in self.stamps[:50])
        self.min_price, self.max_price = min(self.prices), max(self.prices)
        self.con = sqlite3.connect(str(db), timeout=5.0, isolation_level=None,
                                   check_same_thread=False)
        self.con.execute("PRAGMA busy_timeout=5000")
        self.con.execute("PRAGMA journal_mode=WAL")
        self.lock = threading.Lock()
        self.count = 0

    def _stamp(self) -> str:
        x = self.rng.random()
        if not self.ts_format_known or x < 0.5:
            return self.rng.choice(self.stamps)  # a tie with an existing row
        if x < 0.75:
            now = dt.datetime.now(dt.timezone.utc)
        else:  # somewhere inside the existing range
            lo = dt.datetime.strptime(min(self.stamps), "%Y-%m-%dT%H:%M:%S.%fZ")
            hi = dt.datetime.strptime(max(self.stamps), "%Y-%m-%dT%H:%M:%S.%fZ")
            now = lo + (hi - lo) * self.rng.random()
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    def insert(self, category: str | None = None) -> None:
        with self.lock:
            cat = category if category and self.rng.random() < 0.6 else self.rng.choice(self.categories)
            price = self.rng.choice(self.prices) if self.rng.random() < 0.5 else \
                self.rng.randint(self.min_price, self.max_price)
            stock = 0 if self.rng.random() < 0.3 else self.rng.randint(1, 100)
            self.count += 1
            self.con.execute(
                "INSERT INTO products (name, category, price_cents, stock, rating, updated_at, version)"
                " VALUES (?, ?, ?, ?, ?, ?, 1)",
                (f"concurrent insert {self.count}", cat, price, stock,
                 round(self.rng.uniform(0, 5), 1), self._stamp()))

    def close(self):
        self.con.close()


def strictly_ordered(ids, by_id, sort, tie) -> int | None:
    """Index of the first out-of-order pair, or None."""
    key = sort_key(sort, tie)
    for i in range(1, len(ids)):
        if not key(by_id[ids[i - 1]]) < key(by_id[ids[i]]):
            return i
    return None


@pytest.mark.parametrize("with_category", [False, True], ids=["all", "category"])
@pytest.mark.parametrize("sort", SORTS)
def test_walk_with_concurrent_inserts(server, walk_db, sort, with_category):
    cats = [r["category"] for r in db_rows(
        walk_db, "SELECT category, COUNT(*) n FROM products GROUP BY category ORDER BY n DESC")]
    category = cats[0] if with_category else None
    pred = product_filter(category=category)
    params = {"sort": sort, "limit": 25}
    if category:
        params["category"] = category
        params["limit"] = 10

    case = SORTS.index(sort) * 2 + int(with_category)
    ins = Inserter(walk_db, seed=1000 + case)
    bg = Inserter(walk_db, seed=2000 + case)
    before = {r["id"] for r in db_rows(walk_db, "SELECT * FROM products") if pred(r)}
    stop = threading.Event()
    bg_error = []

    def background():
        try:
            while not stop.is_set() and bg.count < BACKGROUND_CAP:
                bg.insert(category)
                time.sleep(0.003)
        except Exception as e:  # reported by the test
            bg_error.append(e)

    t = threading.Thread(target=background, daemon=True)
    t.start()
    try:
        items = walk(server, PATH, params,
                     on_page=lambda n, page: (ins.insert(category), ins.insert(category)))
    finally:
        stop.set()
        t.join(timeout=10)
        ins.close()
        bg.close()
    assert not bg_error, f"background inserter failed: {bg_error[0]!r}"
    inserted = ins.count + bg.count
    assert inserted > 0

    got = [i["id"] for i in items]
    by_id = {r["id"]: r for r in db_rows(walk_db, "SELECT * FROM products")}
    dups = sorted({i for i in got if got.count(i) > 1}) if len(got) != len(set(got)) else []
    assert not dups, f"walk {params} with {inserted} concurrent inserts visited rows twice: {dups[:10]}"
    unknown = [i for i in got if i not in by_id]
    assert not unknown, f"walk returned ids that are not in the database: {unknown[:10]}"
    wrong = [i for i in got if not pred(by_id[i])]
    assert not wrong, f"walk {params} returned rows not matching the filter: {wrong[:10]}"
    gaps = sorted(before - set(got))
    assert not gaps, (f"walk {params} with {inserted} concurrent inserts skipped {len(gaps)} rows "
                      f"that existed before it started: {gaps[:10]}")
    bad = {tie: strictly_ordered(got, by_id, sort, tie) for tie in tie_orders(sort)}
    if all(v is not None for v in bad.values()):
        i = min(bad.values())
        a, b = by_id[got[i - 1]], by_id[got[i]]
        pytest.fail(f"walk {params}: out of order at position {i}: "
                    f"{ {k: a[k] for k in ('id', 'price_cents', 'updated_at')} } before "
                    f"{ {k: b[k] for k in ('id', 'price_cents', 'updated_at')} }")
    new_visited = len(set(got) - before)
    print(f"{params}: {len(got)} visited, {len(before)} pre-existing, {inserted} inserted, "
          f"{new_visited} new visited")
