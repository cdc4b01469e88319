"""Fixtures for the keel-shop end-to-end suite: real binary, real SQLite file, real sockets.

- template_db (session): one database seeded once with
  `keel-shop seed --users 200 --products 3000 --orders 2000 --seed 42 --set db.path=<tmp>/tmpl.db`.
  It is never served or written: tests take a copy (db_copy) and serve or modify that.
- db_copy(name): a fresh copy of the template (use one per module that mutates data).
- shop_server(db_path, **env) (function scope) / shop_server_module (module scope): starts
  `keel-shop serve --listen 127.0.0.1:<free> --set db.path=<db>`, extra configuration through the
  environment (db__readers=1 -> KEEL_DB__READERS=1). server.server_timing is on by default (it is
  true in apps/shop/shop.toml, which these servers do not load) and shop.cursor_secret is SECRET_A.
- ro_server (session): a shared server on a read-only-by-convention copy of the template, for
  modules that do not write.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from shop_helpers import (SECRET_A, checkpoint, db_rows, describe, seed,  # noqa: E402
                          shop_binary, start_shop)

TEMPLATE_SIZES = {"users": 200, "products": 3000, "orders": 2000}
TEMPLATE_SEED = 42

DEFAULT_ENV = {"server__server_timing": True, "shop__cursor_secret": SECRET_A}


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    shop_binary()
    path = tmp_path_factory.mktemp("template") / "tmpl.db"
    p = seed(path, TEMPLATE_SIZES["users"], TEMPLATE_SIZES["products"], TEMPLATE_SIZES["orders"],
             seed_value=TEMPLATE_SEED)
    assert p.returncode == 0, f"seeding the template database failed\n{describe(p)}"
    assert path.is_file(), f"seed exited 0 but {path} does not exist\n{describe(p)}"
    checkpoint(path)
    return path


@pytest.fixture(scope="session")
def db_copy(template_db, tmp_path_factory):
    """db_copy(name) -> path of a fresh copy of the seeded template database."""
    def make(name: str) -> Path:
        d = tmp_path_factory.mktemp(name)
        dst = d / f"{name}.db"
        shutil.copyfile(template_db, dst)
        return dst
    return make


def _factory(workdir_for, started: list):
    counter = [0]

    def factory(db_path: Path, _args=(), _name: str | None = None, **env):
        counter[0] += 1
        merged = dict(DEFAULT_ENV)
        merged.update(env)
        srv = start_shop(Path(db_path), workdir_for(), f"{_name or 'shop'}{counter[0]}", merged,
                         _args)
        started.append(srv)
        return srv

    return factory


@pytest.fixture
def shop_server(tmp_path) -> Iterator:
    """shop_server(db_path, _args=(), _name=None, **env) -> a started ShopServer (stopped after
    the test). env keys: db__readers=1 or KEEL_DB__READERS=1."""
    started: list = []
    yield _factory(lambda: tmp_path, started)
    for srv in started:
        srv.stop()


@pytest.fixture(scope="module")
def shop_server_module(tmp_path_factory) -> Iterator:
    """Like shop_server, but the servers live until the end of the module."""
    started: list = []
    workdir = [None]

    def workdir_for():
        if workdir[0] is None:
            workdir[0] = tmp_path_factory.mktemp("srv")
        return workdir[0]

    yield _factory(workdir_for, started)
    for srv in started:
        srv.stop()


@pytest.fixture(scope="session")
def ro_db(db_copy) -> Path:
    """The database behind ro_server. Tests must not write to it (through the API or SQLite)."""
    return db_copy("ro")


@pytest.fixture(scope="session")
def ro_server(ro_db, tmp_path_factory) -> Iterator:
    srv = start_shop(ro_db, tmp_path_factory.mktemp("ro-srv"), "ro", dict(DEFAULT_ENV))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def categories(ro_db) -> list[str]:
    rows = db_rows(ro_db, "SELECT category, COUNT(*) AS n FROM products GROUP BY category "
                          "ORDER BY n DESC, category")
    assert rows, "the seeded database has no products"
    return [r["category"] for r in rows]
