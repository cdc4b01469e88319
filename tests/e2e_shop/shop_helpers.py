"""Helpers for the keel-shop end-to-end suite: the binary, server processes, HTTP assertions,
Server-Timing parsing, cursor tampering and direct SQLite access.

The binary comes from KEEL_SHOP (set by CTest, see tests/CMakeLists.txt); when it is unset the
tests are skipped (handy when run by hand: `KEEL_SHOP=build/release/apps/shop/keel-shop
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e_shop`).

Every socket operation has a timeout; every server listens on a free 127.0.0.1 port, is waited for
with GET /readyz -> 200 and stopped by PID (SIGTERM, SIGKILL after 5 s). Its stdout and stderr go
to files next to its database. This module is named shop_helpers (not conftest) so that it can be
imported by the tests without clashing with tests/e2e/conftest.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterable

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pylib"))
from keel_proc import clean_env, config_env, free_port, stop_process, wait_ready  # noqa: E402,F401

TIMEOUT = 5.0          # every single request
READY_TIMEOUT = 15.0   # serve applies migrations at startup
STOP_GRACE = 5.0
CLI_TIMEOUT = 60.0     # migrate / seed / --print-config

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
PRODUCT_FIELDS = ("id", "name", "category", "price_cents", "stock", "rating", "updated_at",
                  "version")
USER_FIELDS = ("id", "email", "name", "created_at")
ORDER_FIELDS = ("id", "user_id", "status", "payment_status", "total_cents", "created_at", "items")
ORDER_ITEM_FIELDS = ("product_id", "name", "quantity", "unit_price_cents")
SUMMARY_FIELDS = ("user_id", "order_count", "total_spent_cents", "updated_at")
ORDER_STATUSES = ("pending", "paid", "shipped", "cancelled")
SCHEMA_TABLES = ("products", "users", "orders", "order_items", "user_summaries")

# Fixed cursor secrets: cursors of server A must be refused by a server with secret B.
SECRET_A = "e2e-cursor-secret-A-0123456789abcdef"
SECRET_B = "e2e-cursor-secret-B-fedcba9876543210"


# ------------------------------------------------------------------------------------------------
# binary, environment, CLI
# ------------------------------------------------------------------------------------------------

def shop_binary() -> str:
    path = os.environ.get("KEEL_SHOP")
    if not path:
        pytest.skip("KEEL_SHOP is not set: run through CTest (ctest -L e2e) or export "
                    "KEEL_SHOP=build/release/apps/shop/keel-shop")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.fail(f"KEEL_SHOP={path!r} is not an executable file")
    return path





def run_cli(args: Iterable[str], env: dict | None = None, timeout: float = CLI_TIMEOUT,
            cwd=None) -> subprocess.CompletedProcess:
    exe = shop_binary()
    e = clean_env()
    e.update(config_env(env or {}))
    cmd = [exe, *map(str, args)]
    try:
        return subprocess.run(cmd, env=e, cwd=cwd, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{cmd} did not exit within {timeout}s")


def describe(p: subprocess.CompletedProcess) -> str:
    return (f"cmd: {p.args}\nexit: {p.returncode}\nstdout: {p.stdout.decode('utf-8', 'replace')[-2000:]}"
            f"\nstderr: {p.stderr.decode('utf-8', 'replace')[-2000:]}")


def seed(db: Path, users: int, products: int, orders: int, seed_value: int | None = None,
         force: bool = False, env: dict | None = None) -> subprocess.CompletedProcess:
    args = ["seed", "--users", users, "--products", products, "--orders", orders]
    if seed_value is not None:
        args += ["--seed", seed_value]
    if force:
        args.append("--force")
    args += ["--set", f"db.path={db}"]
    return run_cli(args, env=env)


def checkpoint(db: Path) -> None:
    """Folds a WAL into the main file so that copying the file copies the whole database."""
    con = sqlite3.connect(str(db), timeout=5.0)
    try:
        con.execute("PRAGMA busy_timeout=5000")
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() == "wal":
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


# ------------------------------------------------------------------------------------------------
# server process
# ------------------------------------------------------------------------------------------------

class ShopServer:
    """A running `keel-shop serve` on a free port; requests through a keep-alive httpx.Client."""

    def __init__(self, db_path: Path, workdir: Path, name: str, env: dict | None = None,
                 args: Iterable[str] = ()):
        self.exe = shop_binary()
        self.db_path = Path(db_path)
        self.host = "127.0.0.1"
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{name}.stdout.log"
        self.err_path = workdir / f"{name}.stderr.log"
        self.env = clean_env()
        self.env.update(config_env(env or {}))
        self.cmd = [self.exe, "serve", "--listen", f"{self.host}:{self.port}",
                    "--set", f"db.path={self.db_path}", *map(str, args)]
        self._out = open(self.log_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self._out, stderr=self._err, env=self.env,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.client = httpx.Client(base_url=f"http://{self.host}:{self.port}", timeout=TIMEOUT)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        wait_ready(self.proc, self.url("/readyz"), lambda: (
            f"cmd: {self.cmd}\nstderr:\n{self.stderr()[-3000:]}\n"
            f"stdout:\n{self.stdout()[-3000:]}"), timeout)

    def stop(self) -> None:
        self.client.close()
        stop_process(self.proc, STOP_GRACE)
        self._out.close()
        self._err.close()

    def stdout(self) -> str:
        self._out.flush()
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def stderr(self) -> str:
        self._err.flush()
        return self.err_path.read_bytes().decode("utf-8", "replace")

    # -- requests -------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kw) -> httpx.Response:
        kw.setdefault("timeout", TIMEOUT)
        try:
            return self.client.request(method, path, **kw)
        except httpx.TransportError as e:
            raise AssertionError(f"{method} {path} {kw.get('params') or ''}: {e!r}; "
                                 f"{self.death_note()}") from None

    def death_note(self) -> str:
        """The server's state, for failure messages (a crash shows up as a connection error)."""
        try:
            rc = self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return "keel-shop is still running"
        how = f"killed by signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"exit status {rc}"
        return (f"keel-shop {how}; stderr tail:\n{self.stderr()[-1500:]}\n"
                f"stdout tail:\n{self.stdout()[-800:]}")

    def get(self, path: str, **kw) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def get_json(self, path: str, **kw):
        r = self.get(path, **kw)
        assert r.status_code == 200, f"GET {path} {kw.get('params', '')} -> {r.status_code}: {r.text[:500]}"
        ctype = r.headers.get("content-type", "")
        assert ctype.split(";")[0].strip().lower() == "application/json", \
            f"GET {path}: Content-Type {ctype!r}"
        return r.json()


def start_shop(db_path: Path, workdir: Path, name: str, env: dict | None = None,
               args: Iterable[str] = ()) -> ShopServer:
    """Starts and waits for a server; retries on a lost race for the free port."""
    last_error = None
    for attempt in range(3):
        srv = ShopServer(db_path, workdir, f"{name}-{attempt}" if attempt else name, env, args)
        try:
            srv.wait_ready()
            return srv
        except RuntimeError as e:
            last_error = e
            srv.stop()
            if "in use" not in str(e).lower():
                break
    raise last_error  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------
# response assertions
# ------------------------------------------------------------------------------------------------

def req_desc(r: httpx.Response) -> str:
    req = r.request
    body = req.content[:300] if req.content else b""
    return f"{req.method} {req.url.raw_path.decode()} {body!r}".strip()


def assert_problem(r: httpx.Response, status: int | tuple = None) -> dict:
    """An RFC 9457 problem+json response (status int or tuple of acceptable ints)."""
    allowed = status if isinstance(status, tuple) else (status,)
    assert r.status_code in allowed, \
        f"{req_desc(r)}: expected {'/'.join(map(str, allowed))}, got {r.status_code}: {r.text[:500]}"
    ctype = r.headers.get("content-type", "")
    assert ctype.split(";")[0].strip().lower() == PROBLEM_JSON, \
        f"{req_desc(r)}: Content-Type {ctype!r}, expected {PROBLEM_JSON} (body {r.text[:300]!r})"
    try:
        body = r.json()
    except ValueError:
        pytest.fail(f"{req_desc(r)}: problem body is not JSON: {r.text[:300]!r}")
    assert isinstance(body, dict), body
    for key in ("type", "title", "status", "detail", "instance"):
        assert key in body, f"{req_desc(r)}: problem body lacks {key!r}: {body}"
    assert isinstance(body["type"], str) and body["type"], body
    assert isinstance(body["title"], str) and body["title"], body
    assert type(body["status"]) is int and body["status"] == r.status_code, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    assert isinstance(body["instance"], str) and body["instance"], body
    return body


def field_errors(r: httpx.Response, status: int = 400) -> list[dict]:
    """A validation problem: status 400 with a non-empty "errors" list of {field, detail}."""
    body = assert_problem(r, status)
    errors = body.get("errors")
    assert isinstance(errors, list) and errors, \
        f"{req_desc(r)}: validation problem without a non-empty 'errors' list: {body}"
    for e in errors:
        assert isinstance(e, dict) and isinstance(e.get("field"), str) \
            and isinstance(e.get("detail"), str) and e["detail"], \
            f"{req_desc(r)}: malformed field error {e!r} in {body}"
    return errors


def field_name(f: str) -> str:
    """A field error's field as a dotted name: "ids", "/ids" (JSON Pointer) and "ids" agree;
    "/ids/0" -> "ids.0"."""
    return f.lstrip("/").replace("/", ".")


def assert_field_error(r: httpx.Response, field: str, prefix: bool = False) -> list[dict]:
    """A validation problem naming `field` (as a name or a JSON Pointer; with prefix=True a
    sub-field such as "ids[0]" or "/ids/0" counts too)."""
    errors = field_errors(r)
    fields = [field_name(e["field"]) for e in errors]
    if prefix:
        ok = any(f == field or f.startswith(field) for f in fields)
    else:
        ok = field in fields
    assert ok, f"{req_desc(r)}: expected a field error for {field!r}, got fields {fields}: {errors}"
    return errors


def is_strong_etag(etag: str | None) -> bool:
    return bool(etag) and re.fullmatch(r'"[\x21\x23-\x7e\x80-\xff]*"', etag) is not None


# ------------------------------------------------------------------------------------------------
# Server-Timing
# ------------------------------------------------------------------------------------------------

def server_timing(r: httpx.Response) -> dict:
    """{"db": {"dur": 0.123, "desc": "1 query"}, "total": {"dur": ...}, ...}."""
    value = r.headers.get("server-timing")
    assert value is not None, f"{req_desc(r)}: no Server-Timing header ({dict(r.headers)})"
    out = {}
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            continue
        parts = [p.strip() for p in entry.split(";")]
        metric = {}
        for p in parts[1:]:
            k, _, v = p.partition("=")
            v = v.strip()
            if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
                v = v[1:-1]
            metric[k.strip()] = v
        if "dur" in metric:
            metric["dur"] = float(metric["dur"])
        out[parts[0]] = metric
    assert "total" in out, f"{req_desc(r)}: Server-Timing without total: {value!r}"
    return out


def db_queries(r: httpx.Response) -> int:
    """The number of database calls from Server-Timing (0 when there is no db entry)."""
    st = server_timing(r)
    if "db" not in st:
        return 0
    desc = st["db"].get("desc", "")
    m = re.fullmatch(r"(\d+) (query|queries)", desc)
    assert m, f"{req_desc(r)}: Server-Timing db desc {desc!r} is not 'N queries'"
    n = int(m.group(1))
    assert m.group(2) == ("query" if n == 1 else "queries"), f"bad plural in {desc!r}"
    return n


# ------------------------------------------------------------------------------------------------
# cursors
# ------------------------------------------------------------------------------------------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CURSOR_RE = re.compile(r"^[A-Za-z0-9_.=-]+$")


def cursor_parts(cursor: str) -> list[tuple[int, int]]:
    """(start, end) spans of the cursor's base64url parts. With a '.' separator: the parts around
    it; without one: the first and the second half (payload and signature, roughly)."""
    if "." in cursor:
        spans, start = [], 0
        for piece in cursor.split("."):
            spans.append((start, start + len(piece)))
            start += len(piece) + 1
        return [s for s in spans if s[1] > s[0]]
    body = cursor.rstrip("=")
    half = len(body) // 2
    return [(0, half), (half, len(body))]


def flip_char(cursor: str, pos: int) -> str:
    """Replaces the character at pos with one that differs in the high bit of its 6-bit value (a
    middle character, so it never only touches base64 padding bits)."""
    c = cursor[pos]
    i = B64URL.find(c)
    new = B64URL[(i + 32) % 64] if i >= 0 else "A"
    return cursor[:pos] + new + cursor[pos + 1:]


def tampered_cursors(cursor: str) -> dict[str, str]:
    out = {}
    spans = cursor_parts(cursor)
    names = ["payload", "signature"] + [f"part{i}" for i in range(2, len(spans))]
    for name, (a, b) in zip(names, spans):
        out[name] = flip_char(cursor, (a + b) // 2)
    return out


# ------------------------------------------------------------------------------------------------
# time
# ------------------------------------------------------------------------------------------------

_TS_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_ts(s) -> dt.datetime:
    assert isinstance(s, str), f"timestamp {s!r} is not a string"
    m = _TS_RE.match(s)
    assert m, f"timestamp {s!r} is not RFC 3339"
    frac = m.group(7) or ""
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    tz = m.group(8)
    if tz in ("Z", "z"):
        tzinfo = dt.timezone.utc
    else:
        sign = 1 if tz[0] == "+" else -1
        tzinfo = dt.timezone(sign * dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
    return dt.datetime(*(int(m.group(i)) for i in range(1, 7)), micro, tzinfo=tzinfo)


def same_instant(api_value, db_value) -> bool:
    return parse_ts(api_value) == parse_ts(db_value)


# ------------------------------------------------------------------------------------------------
# SQLite
# ------------------------------------------------------------------------------------------------

def db_connect(path: Path, readonly: bool = True) -> sqlite3.Connection:
    if readonly:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    else:
        con = sqlite3.connect(str(path), timeout=5.0)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA busy_timeout=5000")
    return con


def db_rows(path: Path, sql: str, params=()) -> list[dict]:
    con = db_connect(path)
    try:
        return [dict(r) for r in con.execute(sql, params).fetchall()]
    finally:
        con.close()


def product_matches_row(item: dict, row: dict) -> None:
    """An API product (full representation) equals its SQLite row."""
    assert set(item) == set(PRODUCT_FIELDS), f"product keys {sorted(item)} != {sorted(PRODUCT_FIELDS)}"
    for k in ("id", "name", "category", "price_cents", "stock", "version"):
        assert item[k] == row[k], f"product {row['id']}: {k} = {item[k]!r}, SQLite has {row[k]!r}"
    for k in ("id", "price_cents", "stock", "version"):
        assert type(item[k]) is int, f"product {row['id']}: {k} {item[k]!r} is not an integer"
    assert isinstance(item["rating"], (int, float)) and not isinstance(item["rating"], bool)
    assert abs(item["rating"] - row["rating"]) < 1e-9, (item["rating"], row["rating"])
    assert same_instant(item["updated_at"], row["updated_at"]), (item["updated_at"], row["updated_at"])


def json_dumps(obj) -> bytes:
    return json.dumps(obj).encode()


def b64url_decode(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ------------------------------------------------------------------------------------------------
# product lists: walking pages and the expected order
# ------------------------------------------------------------------------------------------------

SORTS = ("id", "price", "-price", "-updated_at")
MAX_PAGES = 3000


def get_page(srv, path: str, params: dict) -> dict:
    r = srv.get(path, params=params)
    assert r.status_code == 200, f"GET {path} {params} -> {r.status_code}: {r.text[:500]}"
    body = r.json()
    assert isinstance(body, dict) and set(body) == {"items", "next_cursor"}, \
        f"GET {path} {params}: keys {sorted(body) if isinstance(body, dict) else type(body)}"
    assert isinstance(body["items"], list), body
    nc = body["next_cursor"]
    assert nc is None or (isinstance(nc, str) and CURSOR_RE.match(nc)), \
        f"next_cursor {nc!r} is neither null nor base64url"
    return body


def walk(srv, path: str, params: dict, on_page=None, max_pages: int = MAX_PAGES):
    """All items of a cursor walk. on_page(page_number, items) runs after each page."""
    items, cursor, pages = [], None, 0
    seen_cursors = set()
    while True:
        p = dict(params)
        if cursor is not None:
            p["cursor"] = cursor
        body = get_page(srv, path, p)
        limit = int(params.get("limit", 20))
        assert len(body["items"]) <= limit, f"{len(body['items'])} items with limit={limit}"
        items += body["items"]
        pages += 1
        if on_page:
            on_page(pages, body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert cursor not in seen_cursors, f"cursor repeated at page {pages}: {cursor!r} ({params})"
        seen_cursors.add(cursor)
        assert body["items"], f"empty page with a next_cursor at page {pages} ({params})"
        assert pages < max_pages, f"walk did not end after {max_pages} pages ({params})"


def product_filter(category=None, min_price=None, max_price=None, in_stock=None):
    def pred(row) -> bool:
        if category is not None and row["category"] != category:
            return False
        if min_price is not None and row["price_cents"] < int(min_price):
            return False
        if max_price is not None and row["price_cents"] > int(max_price):
            return False
        if in_stock is not None:
            want = str(in_stock).lower() == "true"
            if (row["stock"] > 0) != want:
                return False
        return True
    return pred


def sort_key(sort: str, tie: str):
    """A key such that ascending order of the key is the API order for `sort`, with ties broken
    by id ascending (tie="asc") or descending (tie="desc")."""
    t = (lambda r: r["id"]) if tie == "asc" else (lambda r: -r["id"])
    if sort == "id":
        return lambda r: (r["id"],)
    if sort == "price":
        return lambda r: (r["price_cents"], t(r))
    if sort == "-price":
        return lambda r: (-r["price_cents"], t(r))
    if sort == "-updated_at":
        # descending text order: negate each character's code point
        return lambda r: (tuple(-ord(c) for c in r["updated_at"]) + (1,), t(r))
    raise ValueError(sort)


def tie_orders(sort: str) -> tuple[str, ...]:
    """Acceptable tie-breaks: ascending sorts break ties by id ascending; descending sorts may
    use id descending (one backward index scan) or ascending, as long as it is consistent."""
    return ("asc",) if sort in ("id", "price") else ("desc", "asc")


def expected_ids(rows, sort: str, tie: str, pred=lambda r: True) -> list[int]:
    return [r["id"] for r in sorted((r for r in rows if pred(r)), key=sort_key(sort, tie))]
