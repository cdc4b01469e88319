#include "src/payments/payment_step.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/value.hpp>
#include <keel/http/json_body.hpp>

namespace shop::payments {

namespace {

std::size_t StatusIndex(PaymentStatus status) {
  return status == PaymentStatus::kPaid ? 0 : status == PaymentStatus::kPending ? 1 : 2;
}

}  // namespace

keel::Result<std::int64_t> ParseChargeJobArgs(std::string_view args) {
  auto json = keel::http::ParseJson(args);
  const boost::json::object* object = json ? json->if_object() : nullptr;
  const boost::json::value* id = object ? object->if_contains("order_id") : nullptr;
  if (id == nullptr || !id->is_int64() || id->get_int64() <= 0) {
    return keel::Error(keel::ErrorCode::kInvalidArgument,
                       "payment.charge: args must be {\"order_id\": <positive integer>}");
  }
  return id->get_int64();
}

keel::jobs::JobSpec ChargeJobSpec(std::int64_t order_id) {
  keel::jobs::JobSpec spec;
  spec.queue = std::string(kChargeJobQueue);
  spec.kind = std::string(kChargeJobKind);
  spec.args = "{\"order_id\":" + std::to_string(order_id) + "}";
  spec.priority = 1;  // money first
  spec.dedupe_key = "payment:" + std::to_string(order_id);
  return spec;
}

PaymentStep::PaymentStep(PaymentGateway& gateway, PaymentStore& store, keel::jobs::JobQueue& queue,
                         boost::asio::any_io_executor call_executor, keel::MetricSink* sink)
    : gateway_(gateway),
      store_(store),
      queue_(queue),
      call_executor_(std::move(call_executor)),
      sink_(sink) {
  if (sink_ == nullptr) {
    return;
  }
  const char* via[] = {"inline", "job"};
  const char* outcome[] = {"paid", "pending", "failed"};
  for (std::size_t v = 0; v < 2; ++v) {
    for (std::size_t o = 0; o < 3; ++o) {
      counters_[v][o] = &sink_->GetCounter("keel_shop_payments_total",
                                           "Charge outcomes of orders, inline or by the job",
                                           {{"via", via[v]}, {"outcome", outcome[o]}});
    }
  }
}

keel::Result<void> PaymentStep::EnqueueInOrderTx(keel::data::Tx& tx, std::int64_t order_id) {
  if (!gateway_.enabled()) {
    return {};  // nothing to charge against; the order stays pending
  }
  keel::jobs::JobSpec spec = ChargeJobSpec(order_id);
  spec.delay = kChargeJobDelay;
  auto enqueued = queue_.Enqueue(tx, spec);
  if (!enqueued) {
    return std::move(enqueued).error();
  }
  return {};
}

void PaymentStep::Count(std::string_view via, PaymentStatus status) {
  if (sink_ != nullptr) {
    counters_[via == "job" ? 1 : 0][StatusIndex(status)]->Add();
  }
}

boost::asio::awaitable<StepResult> PaymentStep::AfterCommit(ChargeRequest request,
                                                            keel::Deadline deadline,
                                                            keel::StageAccount* stages) {
  StepResult result;
  if (!gateway_.enabled()) {
    co_return result;  // pending, nothing to retry against
  }
  const ChargeOutcome outcome = co_await gateway_.Charge(request, deadline, stages);
  const keel::data::CallOptions db{.deadline = deadline, .stages = stages};
  if (outcome.status != PaymentStatus::kPending) {
    auto settled = co_await store_.Settle(request.order_id, outcome.status, db);
    if (settled) {
      result.status = outcome.status;
      Count("inline", outcome.status);
      co_return result;
    }
    // Paid at the provider but not recorded: the job records it (same key, no second charge).
  }
  Count("inline", PaymentStatus::kPending);
  result.retry_enqueued = true;  // since the order's transaction (EnqueueInOrderTx)
  co_return result;
}

boost::asio::awaitable<keel::Result<void>> PaymentStep::RunJob(keel::jobs::JobContext& job) {
  auto order_id = ParseChargeJobArgs(job.args());
  if (!order_id) {
    co_return std::move(order_id).error();
  }
  const keel::data::CallOptions db{.deadline = job.deadline()};
  auto order = co_await store_.Find(*order_id, db);
  if (!order) {
    co_return std::move(order).error();
  }
  if (!*order) {
    co_return keel::Error(keel::ErrorCode::kInvalidArgument,
                          "payment.charge: no order " + std::to_string(*order_id));
  }
  if ((*order)->payment_status != "pending") {
    co_return keel::Result<void>();  // settled already: a redelivery, or the inline charge won
  }
  if (!gateway_.enabled()) {
    co_return keel::Error(keel::ErrorCode::kUnavailable,
                          "payment.charge: payments are not configured (deps.payment.url)");
  }
  const ChargeRequest request{.order_id = *order_id, .amount_cents = (*order)->total_cents};
  // The client's connections belong to its I/O threads: run the call on one of them.
  auto charge = gateway_.Charge(request, job.deadline(), nullptr);
  const ChargeOutcome outcome =
      co_await boost::asio::co_spawn(call_executor_, std::move(charge), boost::asio::use_awaitable);
  Count("job", outcome.status);
  if (outcome.status == PaymentStatus::kPending) {
    co_return keel::Error(keel::ErrorCode::kUnavailable, "payment.charge: " + outcome.reason);
  }
  auto settled = co_await store_.Settle(*order_id, outcome.status, db);
  if (!settled) {
    co_return std::move(settled).error();
  }
  co_return keel::Result<void>();
}

}  // namespace shop::payments
