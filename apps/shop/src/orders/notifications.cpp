#include "src/orders/notifications.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "src/common/time.hpp"

namespace shop::orders {

namespace {

// The recipient and wording come from the order and its user as they are when the job runs.
// `WHERE o.id = ?3` also disambiguates the upsert clause of INSERT … SELECT (SQLite's rule).
constexpr keel::data::Query kNotify{
    "notification_insert",
    "INSERT INTO notifications (event_key, kind, order_id, user_id, recipient, subject, body, "
    "created_at) "
    "SELECT ?1, ?2, o.id, o.user_id, u.email, 'Your order #' || o.id || ' is confirmed', "
    "'Hello ' || u.name || ', we received your order #' || o.id || ' (' || "
    "(SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id) || ' item(s), total ' || "
    "o.total_cents || ' cents).', ?4 "
    "FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ?3 "
    "ON CONFLICT DO NOTHING"};

// {"order_id": N, ...} → N; kInvalidArgument (the job is discarded: it can never succeed).
keel::Result<std::int64_t> OrderIdOf(std::string_view args) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(args, ec);
  const auto* object = ec ? nullptr : v.if_object();
  const auto* id = object == nullptr ? nullptr : object->if_contains("order_id");
  if (id == nullptr || !id->is_int64() || id->get_int64() <= 0) {
    return keel::Error(keel::ErrorCode::kInvalidArgument,
                       "order.created args have no positive integer order_id: " +
                           std::string(args.substr(0, 200)));
  }
  return id->get_int64();
}

boost::asio::awaitable<keel::Result<void>> Notify(keel::data::Database& db,
                                                  std::chrono::nanoseconds test_delay,
                                                  keel::jobs::JobContext& job) {
  auto order_id = OrderIdOf(job.args());
  if (!order_id) {
    co_return std::move(order_id).error();
  }
  if (test_delay.count() > 0) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(test_delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  // Outbox events always carry their dedupe key; a job enqueued by hand falls back to its id.
  std::string event_key(job.dedupe_key());
  if (event_key.empty()) {
    event_key = "job:" + std::to_string(job.id());
  }
  const keel::data::CallOptions options{.deadline = job.deadline()};
  auto params =
      keel::data::Params(event_key, std::string(kOrderConfirmation), *order_id, NowTimestamp());
  auto written = co_await db.Execute(kNotify, std::move(params), options);
  if (!written) {
    co_return std::move(written).error();  // a failed attempt: retried with backoff
  }
  co_return keel::Result<void>();
}

}  // namespace

keel::jobs::JobHandler MakeOrderNotifier(keel::data::Database& db,
                                         std::chrono::nanoseconds test_delay) {
  return [&db, test_delay](keel::jobs::JobContext& job) { return Notify(db, test_delay, job); };
}

}  // namespace shop::orders
