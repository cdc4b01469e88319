// keel/jobs/outbox.hpp — the transactional outbox: events written with the business change,
// delivered to consumers as jobs at least once.
//
// Outbox::Add writes an event row in the caller's transaction, so the event exists if and only
// if the change committed. The OutboxRelay moves unpublished events, oldest first, to the job
// queue — queue = kind = the event's topic, args = its payload, dedupe key "outbox:<event id>"
// kept even after the job completed — and marks them published. With the SQLite queue both
// happen in one transaction; the dedupe key is what keeps a relay to a queue in another store
// (Redis, later) from duplicating an event when it crashes between enqueue and mark-published.
// When the target queue is full (kOverloaded) the relay stops for the round: events wait durably
// in the outbox, which is the backpressure.
//
//   keel::jobs::Outbox outbox;
//   auto done = co_await db.Transaction([&](keel::data::Tx& tx) -> keel::Result<void> {
//     auto order = InsertOrder(tx, ...);
//     if (!order) return std::move(order).error();
//     auto event = outbox.Add(tx, "order_created", OrderCreatedJson(*order));
//     return event ? keel::Result<void>() : keel::Result<void>(std::move(event).error());
//   }, {.deadline = ctx.deadline()});
//
//   keel::jobs::OutboxRelay relay(db, queue, {}, &metrics);   // once per database
//   relay.Start(runtime.Context(0).get_executor());
//   workers.Register("order_created", SendOrderNotification);  // consumers are job handlers
//
// Metrics: keel_outbox_relayed_total, keel_outbox_relay_errors_total, keel_outbox_backlog
// (unpublished events seen by the last round, capped at the batch size).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "keel/core/clock.hpp"
#include "keel/core/metrics.hpp"
#include "keel/data/database.hpp"
#include "keel/jobs/queue.hpp"

namespace keel::jobs {

// The dedupe key of the job an event becomes ("outbox:42").
[[nodiscard]] std::string OutboxDedupeKey(std::int64_t event_id);

class Outbox {
 public:
  // `clock` (null: steady) stamps created_at; `on_add` (may be empty; called on the writer
  // thread, it must only post) lets the app wake its relay at once.
  explicit Outbox(const Clock* clock = nullptr, std::function<void()> on_add = {});
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Writes the event in `tx` (a transaction of the database that has keel_outbox); returns its
  // id. kInvalidArgument for an empty topic or a payload that is not JSON.
  [[nodiscard]] Result<std::int64_t> Add(data::Tx& tx, std::string_view topic,
                                         std::string_view payload_json) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

struct OutboxRelaySettings {
  std::chrono::milliseconds interval{200};           // between rounds when idle
  std::size_t batch = 100;                           // events per transaction
  Duration keep_published = std::chrono::hours(24);  // then deleted
  int priority = 2;                                  // of the jobs it creates
};

class OutboxRelay {
 public:
  // `db` holds keel_outbox; `queue` must be able to enqueue in db's transactions (SqliteJobQueue
  // on the same database). All must outlive the relay's executor run.
  OutboxRelay(data::Database& db, JobQueue& queue, OutboxRelaySettings settings,
              MetricSink* sink = nullptr, const Clock* clock = nullptr);
  ~OutboxRelay();  // Stop()
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // One round: up to `batch` events to the queue, in one transaction. Returns how many were
  // relayed (fewer when the queue refused with kOverloaded). Errors: database errors (nothing
  // was published; the next round retries).
  [[nodiscard]] boost::asio::awaitable<Result<std::size_t>> RelayOnce(data::CallOptions options);
  // Deletes published events older than keep_published (one batch); returns how many.
  [[nodiscard]] boost::asio::awaitable<Result<std::int64_t>> Prune(data::CallOptions options);

  // Runs rounds on `executor` until Stop(): at once again while a round was full, else after
  // `interval` or Wake().
  void Start(boost::asio::any_io_executor executor);
  void Stop();  // any thread; a round in progress finishes
  void Wake();  // any thread

  // Called inside the relay transaction after each event's enqueue; an error aborts the round
  // (tests simulate a crash between enqueue and mark-published with it).
  void SetFaultForTest(std::function<Result<void>(std::int64_t event_id)> fault);

  struct State;  // private to outbox_relay.cpp

 private:
  std::shared_ptr<State> state_;
};

}  // namespace keel::jobs
