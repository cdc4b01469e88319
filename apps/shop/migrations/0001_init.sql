-- keel-shop schema v1: users, products, orders, order_items, pre-aggregated user summaries.
--
-- Every list endpoint reads in index order: each filter/sort shape has an index whose columns are
-- the equality filter (category, user_id, status) then the sort column. A secondary index of a
-- rowid table ends with the rowid implicitly, so (category, price_cents) is really
-- (category, price_cents, id): keyset pagination on (sort column, id) is an index range scan and
-- never a sort. apps/shop/src/products/list_plan_test.cpp checks every shape with EXPLAIN QUERY
-- PLAN. Timestamps are RFC 3339 UTC with milliseconds ("2024-05-01T12:00:00.000Z"): fixed width,
-- so text order is time order.

CREATE TABLE users (
  id          INTEGER PRIMARY KEY,
  email       TEXT    NOT NULL UNIQUE,
  name        TEXT    NOT NULL,
  created_at  TEXT    NOT NULL
);

CREATE TABLE products (
  id           INTEGER PRIMARY KEY,
  name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  category     TEXT    NOT NULL,
  price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
  stock        INTEGER NOT NULL CHECK (stock >= 0),
  rating       REAL    NOT NULL DEFAULT 0 CHECK (rating >= 0 AND rating <= 5),
  updated_at   TEXT    NOT NULL,
  version      INTEGER NOT NULL DEFAULT 1  -- bumped by every write; the strong ETag "p<id>-v<n>"
);
-- sort=id uses the table itself (rowid order); these serve the other sorts and the category filter.
CREATE INDEX products_by_category         ON products (category);
CREATE INDEX products_by_price            ON products (price_cents);
CREATE INDEX products_by_category_price   ON products (category, price_cents);
CREATE INDEX products_by_updated          ON products (updated_at);
CREATE INDEX products_by_category_updated ON products (category, updated_at);

CREATE TABLE orders (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  status       TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  total_cents  INTEGER NOT NULL CHECK (total_cents >= 0),
  created_at   TEXT    NOT NULL
);
-- A user's orders newest first, all of them or one status (both end in the implicit id).
CREATE INDEX orders_by_user        ON orders (user_id);
CREATE INDEX orders_by_user_status ON orders (user_id, status);

-- unit_price_cents is the price when the order was placed (products.price_cents may change).
CREATE TABLE order_items (
  order_id          INTEGER NOT NULL REFERENCES orders (id),
  product_id        INTEGER NOT NULL REFERENCES products (id),
  quantity          INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents  INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  PRIMARY KEY (order_id, product_id)
) WITHOUT ROWID;

-- Maintained at write time (the seeder now, order creation later), never computed on read:
-- order_count = count(orders of the user), total_spent_cents = sum(orders.total_cents).
CREATE TABLE user_summaries (
  user_id            INTEGER PRIMARY KEY REFERENCES users (id),
  order_count        INTEGER NOT NULL DEFAULT 0 CHECK (order_count >= 0),
  total_spent_cents  INTEGER NOT NULL DEFAULT 0 CHECK (total_spent_cents >= 0),
  updated_at         TEXT    NOT NULL
);
