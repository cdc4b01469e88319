#include "worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "connection.hpp"

namespace keel::load {

namespace asio = boost::asio;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr auto kSweepPeriod = std::chrono::milliseconds(10);
constexpr auto kFlushPeriod = std::chrono::milliseconds(200);
constexpr auto kDrainPoll = std::chrono::milliseconds(2);
constexpr std::size_t kMaxBatch = 256;
// Sleeping until an arrival costs a timer re-arm and two context switches (~10 us on a VM);
// when the next arrival is closer than this, the pacer polls I/O instead. Only rates above
// ~1/kSpinHorizon per thread spin continuously, and there the sleeps would cost more than the
// requests.
constexpr auto kSpinHorizon =
    std::chrono::microseconds(50);  // arrivals dispatched before letting connections run

void Rethrow(std::exception_ptr e) {
  if (e) {
    std::rethrow_exception(e);
  }
}

}  // namespace

Worker::Worker(const RunShared& shared, int index, int connections, int max_connections,
               Aggregator& aggregator)
    : shared_(shared),
      index_(index),
      initial_connections_(connections),
      max_connections_(max_connections),
      aggregator_(aggregator),
      random_(shared.seed * 0x9e3779b97f4a7c15ULL + static_cast<uint64_t>(index)),
      writer_(shared.scenario, shared.samplers, random_),
      picker_(shared.scenario.requests),
      recorder_(shared.scenario.requests.size()),
      start_timer_(io_),
      pace_timer_(io_),
      sweep_timer_(io_),
      flush_timer_(io_) {}

Worker::~Worker() = default;

Nanos Worker::Now() const noexcept {
  return std::chrono::steady_clock::now() - start_;
}

void Worker::Run() {
  start_ = std::chrono::steady_clock::now() + std::chrono::hours(24 * 365);  // until Start
  for (int i = 0; i < initial_connections_; ++i) {
    OpenConnection(false);
  }
  asio::co_spawn(io_, Lifecycle(), Rethrow);
  asio::co_spawn(io_, Sweep(), Rethrow);
  asio::co_spawn(io_, FlushLoop(), Rethrow);
  io_.run();
  finished_.store(true);
}

void Worker::Start(TimePoint start) {
  asio::post(io_, [this, start] {
    start_ = start;
    started_ = true;
    start_timer_.cancel();
  });
}

void Worker::Stop(bool abort) {
  asio::post(io_, [this, abort] {
    stop_ = true;
    if (pacer_) {
      pacer_->Stop();
    }
    start_timer_.cancel();
    pace_timer_.cancel();
    if (abort) {
      CancelAll();
    }
  });
}

void Worker::CancelAll() {
  const Nanos now = Now();
  for (auto& c : connections_) {
    if (c->busy() || c->deadline()) {
      c->Abort(Connection::AbortReason::kCancel);
    }
  }
  for (const auto& p : queue_) {
    recorder_.OnCancelled(p.type, p.scheduled, now);
  }
  queue_.clear();
}

void Worker::OpenConnection(bool extra) {
  connections_.push_back(std::make_unique<Connection>(*this, extra));
  if (extra) {
    ++extras_starting_;
    ++recorder_.connections().extra;
  }
  asio::co_spawn(io_, connections_.back()->Run(), Rethrow);
}

void Worker::OnInitialConnect(bool ok, const std::string& error) {
  if (ok) {
    initial_ok_.fetch_add(1);
  } else {
    std::lock_guard lock(error_mu_);
    if (first_connect_error_.empty()) {
      first_connect_error_ = error;
    }
  }
  initial_done_.fetch_add(1);
}

std::string Worker::first_connect_error() const {
  std::lock_guard lock(error_mu_);
  return first_connect_error_;
}

std::size_t Worker::InFlight() const noexcept {
  std::size_t n = queue_.size();
  for (const auto& c : connections_) {
    n += c->busy() ? 1 : 0;
  }
  return n;
}

asio::awaitable<void> Worker::Lifecycle() {
  while (!started_ && !stop_) {
    start_timer_.expires_at(asio::steady_timer::time_point::max());
    co_await start_timer_.async_wait(kAwait);
  }
  if (started_ && !stop_) {
    pacer_.emplace(ArrivalSchedule(shared_.profile, static_cast<uint64_t>(index_),
                                   static_cast<uint64_t>(shared_.threads)),
                   start_);
    while (!stop_) {
      const auto next = pacer_->NextAt();
      if (!next) {
        break;
      }
      const auto now = std::chrono::steady_clock::now();
      if (*next > now && *next - now <= kSpinHorizon) {
        co_await asio::post(io_, asio::use_awaitable);  // poll I/O instead of sleeping
        continue;
      }
      if (*next > now) {
        pace_timer_.expires_at(*next);
        co_await pace_timer_.async_wait(kAwait);
        continue;
      }
      pacer_->TakeDue(std::chrono::steady_clock::now(), kMaxBatch,
                      [this](const Arrival& a) { Dispatch(a); });
      co_await asio::post(io_, asio::use_awaitable);  // let the connections run
    }
  }
  // The timeline lasts its whole duration even when its last arrival came early (low rates).
  asio::steady_timer drain(io_);
  if (started_ && !stop_) {
    pace_timer_.expires_at(start_ + shared_.profile.settings.duration);
    co_await pace_timer_.async_wait(kAwait);
  }
  // Drain: every request in flight ends by its timeout (enforced by the sweep) or is cancelled.
  while (InFlight() > 0 || extras_starting_ > 0) {
    drain.expires_after(kDrainPoll);
    co_await drain.async_wait(kAwait);
  }
  Shutdown();
}

void Worker::Dispatch(const Arrival& a) {
  const Pending p{a.index, a.at, picker_.Pick(random_)};
  if (!idle_.empty()) {
    Connection* c = idle_.front();
    idle_.pop_front();
    recorder_.OnScheduled(p.type, p.scheduled, false);
    c->Assign(p);
    return;
  }
  recorder_.OnScheduled(p.type, p.scheduled, true);
  queue_.push_back(p);
  const auto open = static_cast<int>(connections_.size());
  if (open<max_connections_&& static_cast<int>(queue_.size())> extras_starting_) {
    OpenConnection(true);
  }
}

std::optional<Pending> Worker::TakeQueued() {
  const Nanos now = Now();
  while (!queue_.empty()) {
    const Pending p = queue_.front();
    queue_.pop_front();
    if (now - p.scheduled < shared_.timeout) {
      return p;
    }
    recorder_.OnError(p.type, p.scheduled, now, ErrorKind::kTimeout);  // expired unsent
  }
  return std::nullopt;
}

void Worker::AddIdle(Connection* c) {
  idle_.push_back(c);
}

asio::awaitable<void> Worker::Sweep() {
  while (!stopping_) {
    sweep_timer_.expires_after(kSweepPeriod);
    co_await sweep_timer_.async_wait(kAwait);
    const Nanos now = Now();
    const TimePoint abs_now = std::chrono::steady_clock::now();
    for (auto& c : connections_) {
      if (const auto d = c->deadline(); d && abs_now >= *d) {
        c->Abort(Connection::AbortReason::kTimeout);
      }
    }
    while (!queue_.empty() && now - queue_.front().scheduled >= shared_.timeout) {
      recorder_.OnError(queue_.front().type, queue_.front().scheduled, now, ErrorKind::kTimeout);
      queue_.pop_front();
    }
  }
}

asio::awaitable<void> Worker::FlushLoop() {
  while (!stopping_) {
    flush_timer_.expires_after(kFlushPeriod);
    co_await flush_timer_.async_wait(kAwait);
    if (!started_ || stopping_) {
      continue;
    }
    // Nothing scheduled before the next arrival is still to come from this thread.
    Nanos watermark = Now();
    if (pacer_ && pacer_->NextAt()) {
      watermark = std::min(watermark, *pacer_->NextAt() - start_);
    }
    Flush(watermark);
  }
}

void Worker::Flush(Nanos watermark) {
  recorder_.Flush(aggregator_, index_, std::max(Nanos(0), watermark));
}

void Worker::Shutdown() {
  stopping_ = true;
  for (Connection* c : idle_) {
    c->Wake();
  }
  idle_.clear();
  for (auto& c : connections_) {
    if (c->deadline()) {  // still in its initial connect (the run ended before it did)
      c->Abort(Connection::AbortReason::kCancel);
    }
  }
  sweep_timer_.cancel();
  flush_timer_.cancel();
  Flush(Nanos::max() / 2);
}

}  // namespace keel::load
