"""keel-shop's command line: --help, migrate, seed (refusal, --force, determinism, consistency of
the generated data), --print-config secret masking, bad configuration, serve migrating at startup."""

from __future__ import annotations

import re
import sqlite3
import tomllib
from pathlib import Path

import pytest

from shop_helpers import (SCHEMA_TABLES, db_connect, db_rows, describe, free_port, run_cli, seed,
                          start_shop)

# The shop's own migrations (apps/shop/migrations/NNNN_name.sql, versions below 10000); modules
# (jobs, idempotency) add theirs from 10000 up.
SHOP_MIGRATIONS = sorted(
    int(p.name.split("_", 1)[0])
    for p in (Path(__file__).resolve().parents[2] / "apps" / "shop" / "migrations").glob("*.sql"))


def shop_versions(versions: list[int]) -> list[int]:
    return sorted(v for v in versions if v < 10000)


SMALL = {"users": 20, "products": 50, "orders": 40}

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(d) -> float:
    assert isinstance(d, str), f"duration printed as {d!r}, expected a string like '60s'"
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", d):
        assert m.start() == pos, f"unparsable duration {d!r}"
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    assert pos == len(d) and pos > 0, f"unparsable duration {d!r}"
    return total


def print_config(env=None, args=()):
    """The effective configuration. The standard flags live on the subcommands in keel's CLI
    (`keel-shop serve --print-config`); `keel-shop --print-config` is tried first."""
    p = run_cli(["--print-config", *args], env=env)
    if p.returncode != 0:
        p = run_cli(["serve", "--print-config", *args], env=env)
    assert p.returncode == 0, describe(p)
    try:
        return p, tomllib.loads(p.stdout.decode())
    except tomllib.TOMLDecodeError as e:
        pytest.fail(f"--print-config output is not TOML ({e}):\n{p.stdout.decode()}")


def table_dump(path, table: str, order: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    finally:
        con.close()


def schema_objects(path) -> list[tuple]:
    return db_rows(path, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")


# --- --help ----------------------------------------------------------------------------------------

def test_help_lists_subcommands():
    p = run_cli(["--help"])
    assert p.returncode == 0, describe(p)
    out = p.stdout.decode()
    for sub in ("serve", "migrate", "seed"):
        assert re.search(rf"\b{sub}\b", out), f"--help does not list the {sub!r} subcommand:\n{out}"


def test_seed_help_lists_options():
    p = run_cli(["seed", "--help"])
    assert p.returncode == 0, describe(p)
    out = p.stdout.decode()
    for opt in ("--users", "--products", "--orders", "--seed", "--force", "--set"):
        assert opt in out, f"seed --help does not mention {opt}:\n{out}"


# --- migrate -----------------------------------------------------------------------------------------

def test_migrate_empty_file_creates_schema(tmp_path):
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    p = run_cli(["migrate", "--set", f"db.path={db}"])
    assert p.returncode == 0, describe(p)
    tables = {r["name"] for r in db_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    for t in SCHEMA_TABLES + ("schema_migrations",):
        assert t in tables, f"after migrate, sqlite_master lacks table {t!r} (has {sorted(tables)})"
    versions = [r["version"] for r in db_rows(db, "SELECT version FROM schema_migrations")]
    assert shop_versions(versions) == SHOP_MIGRATIONS, \
        f"schema_migrations versions {versions}, expected the shop's {SHOP_MIGRATIONS} first"
    for t in SCHEMA_TABLES:
        n = db_rows(db, f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
        assert n == 0, f"migrate put {n} rows into {t}"


def test_migrate_twice_is_a_noop(tmp_path):
    db = tmp_path / "twice.db"
    db.write_bytes(b"")
    p = run_cli(["migrate", "--set", f"db.path={db}"])
    assert p.returncode == 0, describe(p)
    before_schema = schema_objects(db)
    before_mig = db_rows(db, "SELECT * FROM schema_migrations ORDER BY version")
    con = db_connect(db, readonly=False)
    con.execute("INSERT INTO users (id, email, name, created_at) "
                "VALUES (777, 'keep@example.com', 'Keep Me', '2024-01-01T00:00:00.000Z')")
    con.commit()
    con.close()
    p = run_cli(["migrate", "--set", f"db.path={db}"])
    assert p.returncode == 0, f"second migrate failed\n{describe(p)}"
    assert schema_objects(db) == before_schema, "the second migrate changed the schema"
    assert db_rows(db, "SELECT * FROM schema_migrations ORDER BY version") == before_mig, \
        "the second migrate changed schema_migrations"
    assert db_rows(db, "SELECT name FROM users WHERE id=777") == [{"name": "Keep Me"}], \
        "the second migrate lost data"


def test_migrate_on_seeded_database_is_a_noop(db_copy):
    db = db_copy("cli-migrate-seeded")
    before = table_dump(db, "products", "id")
    before_mig = db_rows(db, "SELECT * FROM schema_migrations ORDER BY version")
    p = run_cli(["migrate", "--set", f"db.path={db}"])
    assert p.returncode == 0, describe(p)
    assert table_dump(db, "products", "id") == before
    assert db_rows(db, "SELECT * FROM schema_migrations ORDER BY version") == before_mig


def test_serve_applies_migrations_at_startup(tmp_path):
    db = tmp_path / "fresh.db"
    db.write_bytes(b"")
    srv = start_shop(db, tmp_path, "fresh", {"shop__cursor_secret": "x" * 32})
    try:
        r = srv.get("/v1/products")
        assert r.status_code == 200, f"GET /v1/products on a fresh database -> {r.status_code}: {r.text[:300]}"
        assert r.json() == {"items": [], "next_cursor": None}, r.text[:300]
        r = srv.get("/v1/products/1")
        assert r.status_code == 404, r.text[:300]
    finally:
        srv.stop()
    tables = {r["name"] for r in db_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(SCHEMA_TABLES) <= tables, sorted(tables)
    versions = [r["version"] for r in db_rows(db, "SELECT version FROM schema_migrations")]
    assert shop_versions(versions) == SHOP_MIGRATIONS, versions


# --- seed ----------------------------------------------------------------------------------------------

def counts(db) -> dict:
    return {t: db_rows(db, f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]
            for t in ("users", "products", "orders")}


def test_seed_creates_requested_sizes(tmp_path):
    db = tmp_path / "sizes.db"
    p = seed(db, **SMALL, seed_value=1)
    assert p.returncode == 0, describe(p)
    assert counts(db) == SMALL


def test_seed_refuses_to_overwrite_without_force(tmp_path):
    db = tmp_path / "refuse.db"
    p = seed(db, **SMALL, seed_value=1)
    assert p.returncode == 0, describe(p)
    before = table_dump(db, "products", "id")
    p = seed(db, users=5, products=7, orders=3, seed_value=2)
    assert p.returncode != 0, f"seed overwrote a database with data without --force\n{describe(p)}"
    assert table_dump(db, "products", "id") == before, "a refused seed still changed the products"
    assert counts(db) == SMALL


def test_seed_force_overwrites(tmp_path):
    db = tmp_path / "force.db"
    p = seed(db, **SMALL, seed_value=1)
    assert p.returncode == 0, describe(p)
    p = seed(db, users=5, products=7, orders=3, seed_value=2, force=True)
    assert p.returncode == 0, f"seed --force failed\n{describe(p)}"
    assert counts(db) == {"users": 5, "products": 7, "orders": 3}


def test_seed_on_migrated_empty_database(tmp_path):
    """A database with the schema but no data is not 'a database with data': no --force needed."""
    db = tmp_path / "migrated.db"
    db.write_bytes(b"")
    assert run_cli(["migrate", "--set", f"db.path={db}"]).returncode == 0
    p = seed(db, **SMALL, seed_value=1)
    assert p.returncode == 0, describe(p)
    assert counts(db) == SMALL


def test_seed_is_deterministic(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for db in (a, b):
        p = seed(db, **SMALL, seed_value=7)
        assert p.returncode == 0, describe(p)
    pa, pb = table_dump(a, "products", "id"), table_dump(b, "products", "id")
    assert len(pa) == SMALL["products"]
    diff = [(x, y) for x, y in zip(pa, pb) if x != y]
    assert pa == pb, f"same --seed gave different product rows, e.g. {diff[:3]}"


@pytest.mark.parametrize("table,order", [("users", "id"), ("orders", "id"),
                                         ("order_items", "order_id, product_id"),
                                         ("user_summaries", "user_id")])
def test_seed_is_deterministic_other_tables(tmp_path, table, order):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for db in (a, b):
        p = seed(db, **SMALL, seed_value=7)
        assert p.returncode == 0, describe(p)
    ta, tb = table_dump(a, table, order), table_dump(b, table, order)
    diff = [(x, y) for x, y in zip(ta, tb) if x != y]
    assert ta == tb, f"same --seed gave different {table} rows, e.g. {diff[:3]}"


def test_seeded_orders_add_up(template_db):
    bad = db_rows(template_db, """
        SELECT o.id, o.total_cents, SUM(i.quantity * i.unit_price_cents) AS s, COUNT(i.order_id) AS n
        FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
        GROUP BY o.id
        HAVING s IS NULL OR s != o.total_cents OR n < 1 OR n > 5""")
    assert not bad, f"{len(bad)} orders whose total is not the sum of items or with !=1..5 items: {bad[:5]}"
    orphans = db_rows(template_db, """
        SELECT i.order_id, i.product_id FROM order_items i
        LEFT JOIN products p ON p.id = i.product_id WHERE p.id IS NULL LIMIT 5""")
    assert not orphans, f"order items referencing missing products: {orphans}"
    orphans = db_rows(template_db, """
        SELECT o.id, o.user_id FROM orders o LEFT JOIN users u ON u.id = o.user_id
        WHERE u.id IS NULL LIMIT 5""")
    assert not orphans, f"orders of missing users: {orphans}"
    statuses = {r["status"] for r in db_rows(template_db, "SELECT DISTINCT status FROM orders")}
    assert statuses <= {"pending", "paid", "shipped", "cancelled"}, statuses


def test_seeded_user_summaries_add_up(template_db):
    bad = db_rows(template_db, """
        SELECT u.id, s.order_count, s.total_spent_cents,
               (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id) AS n,
               (SELECT COALESCE(SUM(total_cents), 0) FROM orders o WHERE o.user_id = u.id) AS t
        FROM users u LEFT JOIN user_summaries s ON s.user_id = u.id
        WHERE COALESCE(s.order_count, 0) != n OR COALESCE(s.total_spent_cents, 0) != t""")
    assert not bad, f"{len(bad)} users whose summary != COUNT/SUM of their orders: {bad[:5]}"


def test_template_sizes(template_db):
    assert counts(template_db) == {"users": 200, "products": 3000, "orders": 2000}


# --- configuration -------------------------------------------------------------------------------------

def test_print_config_masks_cursor_secret_from_env():
    secret = "s3cr3t-from-env-5f1d0c"
    p, cfg = print_config(env={"shop__cursor_secret": secret})
    out = p.stdout.decode() + p.stderr.decode()
    assert secret not in out, f"--print-config shows shop.cursor_secret in clear:\n{out}"
    assert "shop" in cfg and "cursor_secret" in cfg["shop"], f"no shop.cursor_secret key:\n{p.stdout.decode()}"
    assert cfg["shop"]["cursor_secret"] != secret


def test_print_config_masks_cursor_secret_from_set():
    secret = "s3cr3t-from-set-9a8b7c"
    p, cfg = print_config(args=["--set", f"shop.cursor_secret={secret}"])
    out = p.stdout.decode() + p.stderr.decode()
    assert secret not in out, f"--print-config shows shop.cursor_secret in clear:\n{out}"


def test_print_config_shop_defaults():
    _, cfg = print_config()
    assert "db" in cfg and "shop" in cfg, cfg
    for key in ("path", "readers", "acquire_timeout", "query_timeout"):
        assert key in cfg["db"], f"db.{key} missing from --print-config: {cfg['db']}"
    for key in ("cursor_secret", "product_max_age", "debug_routes"):
        assert key in cfg["shop"], f"shop.{key} missing from --print-config: {cfg['shop']}"
    assert seconds(cfg["shop"]["product_max_age"]) == 60
    assert cfg["shop"]["debug_routes"] is False
    assert isinstance(cfg["db"]["readers"], int) and cfg["db"]["readers"] >= 1


@pytest.mark.parametrize("how", ["env", "set"])
def test_bad_readers_exits_2(tmp_path, how):
    args = ["serve", "--listen", f"127.0.0.1:{free_port()}", "--set", f"db.path={tmp_path / 'x.db'}"]
    env = {}
    if how == "env":
        env = {"db__readers": 0}
    else:
        args += ["--set", "db.readers=0"]
    p = run_cli(args, env=env, timeout=10)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode == 2, f"db.readers=0: exit {p.returncode}, expected 2\n{describe(p)}"
    assert "db.readers" in err, f"stderr does not name db.readers:\n{err}"


def test_bad_acquire_timeout_exits_2(tmp_path):
    p = run_cli(["serve", "--listen", f"127.0.0.1:{free_port()}",
                 "--set", f"db.path={tmp_path / 'x.db'}"],
                env={"db__acquire_timeout": "soon"}, timeout=10)
    assert p.returncode == 2, describe(p)
    assert "db.acquire_timeout" in p.stderr.decode("utf-8", "replace"), describe(p)


def test_product_max_age_configures_cache_control(shop_server, db_copy):
    srv = shop_server(db_copy("cli-maxage"), shop__product_max_age="5m")
    r = srv.get("/v1/products/1")
    assert r.status_code == 200, r.text[:300]
    cc = [t.strip().lower() for t in r.headers.get("cache-control", "").split(",")]
    assert "public" in cc and "max-age=300" in cc, f"Cache-Control {r.headers.get('cache-control')!r}"


def test_debug_routes_off_by_default(ro_server):
    r = ro_server.get("/debug/slow-query", params={"ms": 10})
    assert r.status_code == 404, f"/debug/slow-query answered {r.status_code} without shop.debug_routes"
