#include "keel/idempotency/purger.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <optional>

namespace keel::idempotency {

namespace asio = boost::asio;

struct Purger::State {
  State(IdempotencyStore& s, Duration i, MetricSink* sink)
      : store(s),
        interval(i),
        metrics(sink != nullptr ? *sink : own),
        expired(metrics.GetCounter("keel_idempotency_purged_total",
                                   "Idempotency records deleted by the purge",
                                   {{"reason", "expired"}})),
        evicted(metrics.GetCounter("keel_idempotency_purged_total",
                                   "Idempotency records deleted by the purge",
                                   {{"reason", "cap"}})),
        errors(metrics.GetCounter("keel_idempotency_purge_errors_total",
                                  "Purges that failed (retried at the next interval)")),
        keys(metrics.GetGauge("keel_idempotency_keys",
                              "Idempotency records after the last purge")) {}

  IdempotencyStore& store;
  Duration interval;
  DiscardingMetricSink own;
  MetricSink& metrics;
  Counter& expired;
  Counter& evicted;
  Counter& errors;
  Gauge& keys;

  std::atomic<bool> stopped{false};
  std::mutex mutex;  // guards executor and timer
  std::optional<asio::any_io_executor> executor;
  asio::steady_timer* timer = nullptr;  // the loop's timer, used on the loop's executor only
};

namespace {
asio::awaitable<void> PurgeOnce(Purger::State& s) {
  const data::CallOptions options{.deadline = Deadline::After(s.interval)};
  auto purged = co_await s.store.Purge(options);
  if (!purged) {
    s.errors.Add();
    co_return;
  }
  s.expired.Add(static_cast<std::uint64_t>(purged->expired));
  s.evicted.Add(static_cast<std::uint64_t>(purged->evicted));
  s.keys.Set(static_cast<double>(purged->remaining));
}

asio::awaitable<void> PurgeLoop(std::shared_ptr<Purger::State> s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  {
    std::lock_guard lock(s->mutex);
    s->timer = &timer;
  }
  while (!s->stopped.load()) {
    timer.expires_after(s->interval);
    (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (s->stopped.load()) {
      break;
    }
    co_await PurgeOnce(*s);
  }
  std::lock_guard lock(s->mutex);
  s->timer = nullptr;
}
}  // namespace

Purger::Purger(IdempotencyStore& store, Duration interval, MetricSink* sink)
    : state_(std::make_shared<State>(store, interval, sink)) {}

Purger::~Purger() {
  Stop();
}

void Purger::Start(asio::any_io_executor executor) {
  {
    std::lock_guard lock(state_->mutex);
    state_->executor = executor;
  }
  asio::co_spawn(executor, PurgeLoop(state_), asio::detached);
}

void Purger::Stop() {
  state_->stopped.store(true);
  std::lock_guard lock(state_->mutex);
  if (state_->executor) {
    asio::post(*state_->executor, [s = state_] {
      std::lock_guard inner(s->mutex);
      if (s->timer != nullptr) {
        s->timer->cancel();
      }
    });
  }
}

}  // namespace keel::idempotency
