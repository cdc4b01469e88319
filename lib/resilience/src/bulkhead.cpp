#include "keel/resilience/bulkhead.hpp"

#include <algorithm>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace keel::resilience {

namespace asio = boost::asio;

// A waiting call. Shared between the waiting coroutine and a releasing thread, which marks it
// granted under the mutex and wakes it by posting to its executor — timers are touched only on
// their own thread, and the last reference is always dropped there too.
struct Bulkhead::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : executor(ex), timer(ex) {}
  asio::any_io_executor executor;
  asio::steady_timer timer;
  bool granted = false;  // a slot was handed over (counted in in_use_)
};

BulkheadPermit& BulkheadPermit::operator=(BulkheadPermit&& o) noexcept {
  if (this != &o) {
    if (owner_ != nullptr) {
      owner_->Release();
    }
    owner_ = std::exchange(o.owner_, nullptr);
  }
  return *this;
}

BulkheadPermit::~BulkheadPermit() {
  if (owner_ != nullptr) {
    owner_->Release();
  }
}

Bulkhead::Bulkhead(BulkheadSettings settings, MetricSink& sink) : settings_(std::move(settings)) {
  const MetricLabels labels{{"dependency", settings_.name}};
  in_use_gauge_ = &sink.GetGauge("keel_bulkhead_in_use", "Calls holding a bulkhead slot", labels);
  waiting_gauge_ =
      &sink.GetGauge("keel_bulkhead_waiting", "Calls waiting for a bulkhead slot", labels);
  auto rejected = [&](const char* reason) {
    return &sink.GetCounter("keel_bulkhead_rejections_total", "Calls refused by a bulkhead",
                            {{"dependency", settings_.name}, {"reason", reason}});
  };
  rejected_full_ = rejected("full");
  rejected_timeout_ = rejected("timeout");
  wait_ =
      &sink.GetHistogram("keel_bulkhead_wait_seconds", "Time waited for a bulkhead slot", labels);
}

Bulkhead::~Bulkhead() = default;

Error Bulkhead::Refusal(std::string_view why) const {
  return Error(ErrorCode::kOverloaded, "bulkhead for " + settings_.name + " " + std::string(why))
      .WithRetryAfter(settings_.retry_after);
}

std::size_t Bulkhead::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

std::size_t Bulkhead::waiting() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

void Bulkhead::Release() {
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) {
      --in_use_;
      in_use_gauge_->Set(static_cast<double>(in_use_));
      return;
    }
    next = std::move(waiters_.front());  // the slot passes on: in_use_ unchanged
    waiters_.pop_front();
    next->granted = true;
    waiting_gauge_->Set(static_cast<double>(waiters_.size()));
  }
  auto executor = next->executor;
  asio::post(executor, [w = std::move(next)] { w->timer.cancel(); });
}

Result<BulkheadPermit> Bulkhead::TryAcquire() {
  std::lock_guard lock(mu_);
  if (in_use_ < settings_.max_concurrent && waiters_.empty()) {
    ++in_use_;
    in_use_gauge_->Set(static_cast<double>(in_use_));
    return BulkheadPermit(this);
  }
  rejected_full_->Add();
  return Refusal("is full (" + std::to_string(settings_.max_concurrent) + " calls in flight)");
}

asio::awaitable<Result<BulkheadPermit>> Bulkhead::Acquire(Deadline deadline) {
  {
    std::lock_guard lock(mu_);
    if (in_use_ < settings_.max_concurrent && waiters_.empty()) {
      ++in_use_;
      in_use_gauge_->Set(static_cast<double>(in_use_));
      co_return BulkheadPermit(this);
    }
    if (waiters_.size() >= settings_.max_queue || settings_.max_wait.count() <= 0) {
      rejected_full_->Add();
      co_return Refusal("is full and its queue too");
    }
  }
  co_return co_await Wait(deadline);
}

void Bulkhead::Abandon(const std::shared_ptr<Waiter>& w) {
  std::lock_guard lock(mu_);
  if (auto it = std::find(waiters_.begin(), waiters_.end(), w); it != waiters_.end()) {
    waiters_.erase(it);
    waiting_gauge_->Set(static_cast<double>(waiters_.size()));
  }
}

asio::awaitable<Result<BulkheadPermit>> Bulkhead::Wait(Deadline deadline) {
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = started + settings_.max_wait;
  const bool deadline_first = deadline.when() <= give_up;
  auto w = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  w->timer.expires_at(deadline_first ? deadline.when() : give_up);
  {
    std::lock_guard lock(mu_);
    if (in_use_ < settings_.max_concurrent && waiters_.empty()) {
      ++in_use_;  // freed while we got ready
      in_use_gauge_->Set(static_cast<double>(in_use_));
      co_return BulkheadPermit(this);
    }
    waiters_.push_back(w);
    waiting_gauge_->Set(static_cast<double>(waiters_.size()));
  }
  // Owns the outcome whatever happens to this frame: a granted slot is kept by the permit below
  // or released; an ungranted waiter leaves the queue.
  struct Settle {
    Bulkhead* b;
    std::shared_ptr<Waiter> w;
    bool taken = false;
    ~Settle() {
      b->Abandon(w);
      bool granted;
      {
        std::lock_guard lock(b->mu_);
        granted = w->granted;
      }
      if (granted && !taken) {
        b->Release();
      }
    }
  } settle{this, w};
  auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  wait_->Record(std::chrono::steady_clock::now() - started);
  bool granted;
  {
    std::lock_guard lock(mu_);
    granted = w->granted;
  }
  if (granted) {
    settle.taken = true;
    co_return BulkheadPermit(this);
  }
  if (ec == asio::error::operation_aborted) {
    co_return Error(ErrorCode::kCancelled, "wait for a bulkhead slot cancelled");
  }
  rejected_timeout_->Add();
  if (deadline_first) {
    co_return Error(ErrorCode::kDeadlineExceeded,
                    "deadline passed while waiting for the bulkhead of " + settings_.name);
  }
  co_return Refusal("had no free slot within max_wait");
}

}  // namespace keel::resilience
