-- keel-shop schema v2: what POST /v1/orders needs. (keel_idempotency_keys, keel_jobs and
-- keel_outbox come from the modules' own migration sources, versions 10000+ and 10100+.)

-- The payment of an order, separate from its fulfilment status: POST /v1/orders creates it
-- 'pending'; the payment step (src/orders/payment_seam.hpp) moves it to 'paid' or 'failed'.
ALTER TABLE orders ADD COLUMN payment_status TEXT NOT NULL DEFAULT 'pending'
  CHECK (payment_status IN ('pending', 'paid', 'failed'));

-- The simulated e-mail: one row per (order, kind), written by the consumer of the outbox event
-- that announced it. event_key is the event's identity ("outbox:<event id>"); both unique
-- constraints make a redelivered event insert nothing (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE notifications (
  id          INTEGER PRIMARY KEY,
  event_key   TEXT    NOT NULL UNIQUE,
  kind        TEXT    NOT NULL,
  order_id    INTEGER NOT NULL REFERENCES orders (id),
  user_id     INTEGER NOT NULL REFERENCES users (id),
  recipient   TEXT    NOT NULL,
  subject     TEXT    NOT NULL,
  body        TEXT    NOT NULL,
  created_at  TEXT    NOT NULL,
  UNIQUE (order_id, kind)
);
CREATE INDEX notifications_by_user ON notifications (user_id);
