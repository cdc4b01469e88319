// The consumer of `order.created`: writes the order's confirmation into `notifications` (the
// simulated e-mail), exactly once per order however often the event is delivered.
//
// Delivery is at least once (a worker can die after the insert and before its ack; a lease can
// expire; an operator can retry), so the effect is made idempotent in SQL: one
// INSERT … SELECT … ON CONFLICT DO NOTHING, where both `event_key` (the job's dedupe key,
// "outbox:<event id>") and (order_id, kind) are unique. A second delivery inserts nothing and
// succeeds. Registered by Shop::RegisterJobHandlers with Background::RegisterEventHandler.
#pragma once

#include <chrono>
#include <keel/data/database.hpp>
#include <keel/jobs/worker_set.hpp>

namespace shop::orders {

// The notification kind written for a new order.
inline constexpr std::string_view kOrderConfirmation = "order_confirmation";

// `db` must outlive the handler. `test_delay` (shop.test_job_delay, test-only; 0 in production)
// is waited before the insert, so a test can kill a worker in the middle of the job.
[[nodiscard]] keel::jobs::JobHandler MakeOrderNotifier(keel::data::Database& db,
                                                       std::chrono::nanoseconds test_delay);

}  // namespace shop::orders
