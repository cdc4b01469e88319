// The payment of a new order, after its transaction committed, and its durable retry.
//
//   in the order's transaction: job `payment.charge` {"order_id":N} (queue "payments", dedupe
//     key "payment:<order id>"), due kChargeJobDelay later. It commits with the order, so no
//     crash can leave a pending order without its retry.
//   inline (POST /v1/orders, after commit):  charge within the order's remaining deadline and
//     deps.payment.timeout (300 ms) → paid: payment_status 'paid' | declined: 'failed' |
//     anything else (timeout, provider down, breaker open, bulkhead full): stays 'pending' and
//     the job retries it. The order is accepted (201) in every case.
//   job `payment.charge`: charges again with the same Idempotency-Key ("order-<id>"), so the
//     provider charges once however many attempts reach it; settles the order; a settled order
//     (the inline charge settled it, or a redelivery) completes at once without a call. A
//     pending outcome fails the attempt: the queue retries with its full-jitter backoff.
//
// Payments not configured (deps.payment.url unset): the order stays 'pending', no call, no job.
//
// Thread safety: AfterCommit() from the service's I/O threads; the job handler from the
// background runtime — its provider call is posted to Providers::calls_context().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <keel/core/deadline.hpp>
#include <keel/core/metrics.hpp>
#include <keel/core/stage_account.hpp>
#include <keel/jobs/queue.hpp>
#include <keel/jobs/worker_set.hpp>

#include "src/payments/gateway.hpp"
#include "src/payments/store.hpp"

namespace shop::payments {

inline constexpr std::string_view kChargeJobKind = "payment.charge";
inline constexpr std::string_view kChargeJobQueue = "payments";
// How long the in-transaction job waits: well past deps.payment.timeout, so the inline charge has
// normally settled the order by then. Should they overlap (a longer configured timeout), the
// shared Idempotency-Key and Settle's "only from pending" keep it to one charge.
inline constexpr std::chrono::seconds kChargeJobDelay{2};

// {"order_id":N} → N; kInvalidArgument (the job is discarded) for anything else.
[[nodiscard]] keel::Result<std::int64_t> ParseChargeJobArgs(std::string_view args);
[[nodiscard]] keel::jobs::JobSpec ChargeJobSpec(std::int64_t order_id);

struct StepResult {
  PaymentStatus status = PaymentStatus::kPending;
  bool retry_enqueued = false;  // pending, and the order's payment.charge job will retry it
};

class PaymentStep {
 public:
  // Everything must outlive the step. `call_executor` runs the job's provider calls (an
  // io_context the gateway's client was built for). `sink` may be null.
  PaymentStep(PaymentGateway& gateway, PaymentStore& store, keel::jobs::JobQueue& queue,
              boost::asio::any_io_executor call_executor, keel::MetricSink* sink);

  [[nodiscard]] bool enabled() const noexcept { return gateway_.enabled(); }

  // Inside the order's transaction: enqueues its payment.charge job (delayed kChargeJobDelay).
  // Nothing when payments are not configured. An error (e.g. the queue is full) rolls the order
  // back: it is answered 503, rather than accepted with a payment nobody will retry.
  [[nodiscard]] keel::Result<void> EnqueueInOrderTx(keel::data::Tx& tx, std::int64_t order_id);

  // After the order committed. Never fails the order: database errors while settling leave it
  // pending (the job enqueued by EnqueueInOrderTx settles it later).
  boost::asio::awaitable<StepResult> AfterCommit(ChargeRequest request, keel::Deadline deadline,
                                                 keel::StageAccount* stages);

  // The `payment.charge` job handler.
  boost::asio::awaitable<keel::Result<void>> RunJob(keel::jobs::JobContext& job);

 private:
  void Count(std::string_view via, PaymentStatus status);

  PaymentGateway& gateway_;
  PaymentStore& store_;
  keel::jobs::JobQueue& queue_;
  boost::asio::any_io_executor call_executor_;
  keel::MetricSink* sink_;
  keel::Counter* counters_[2][3] = {};  // [inline, job][paid, pending, failed]
};

}  // namespace shop::payments
