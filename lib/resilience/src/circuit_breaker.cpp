#include "keel/resilience/circuit_breaker.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "circuit_breaker_window.hpp"

namespace keel::resilience {

namespace {

constexpr std::size_t kStates = 5;

std::chrono::seconds CeilSeconds(Duration d) {
  const auto s = std::chrono::ceil<std::chrono::seconds>(d);
  return std::max(s, std::chrono::seconds(1));
}

}  // namespace

std::string_view BreakerStateName(BreakerState s) noexcept {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
    case BreakerState::kDisabled:
      return "disabled";
    case BreakerState::kForcedOpen:
      return "forced_open";
  }
  return "unknown";
}

CallOutcome DefaultBreakerClassifier(const Error& error) noexcept {
  switch (error.code()) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kOverloaded:
    case ErrorCode::kRateLimited:
    case ErrorCode::kInternal:
      return CallOutcome::kFailure;
    case ErrorCode::kCancelled:
      return CallOutcome::kIgnored;
    default:
      return CallOutcome::kSuccess;
  }
}

// ---- permit ------------------------------------------------------------------------------------

BreakerPermit& BreakerPermit::operator=(BreakerPermit&& other) noexcept {
  if (this != &other) {
    if (breaker_ != nullptr) {
      breaker_->Release(*this);
    }
    breaker_ = std::exchange(other.breaker_, nullptr);
    started_ = other.started_;
    generation_ = other.generation_;
  }
  return *this;
}

BreakerPermit::~BreakerPermit() {
  if (breaker_ != nullptr) {
    breaker_->Release(*this);
  }
}

void BreakerPermit::Failure(const Error& error) {
  if (breaker_ != nullptr) {
    Record(breaker_->settings_.classify ? breaker_->settings_.classify(error)
                                        : DefaultBreakerClassifier(error));
  }
}

void BreakerPermit::Record(CallOutcome outcome) {
  if (breaker_ != nullptr) {
    breaker_->OnRecord(*this, outcome);
    breaker_ = nullptr;
  }
}

namespace {

// Transitions collected under the mutex, reported after it is released.
struct Pending {
  std::array<BreakerTransition, 2> items{};
  std::size_t size = 0;
};

// Runs the callback for each transition, after the mutex is released (it may log or read state).
void Report(const Pending& pending, const BreakerTransitionCallback& callback) {
  for (std::size_t i = 0; i < pending.size && callback; ++i) {
    callback(pending.items[i]);
  }
}

struct Rates {
  bool evaluated = false;
  double failure = -1;
  double slow = -1;
};

Rates Evaluate(const WindowTotals& t, std::uint64_t minimum) {
  if (t.calls == 0 || t.calls < minimum) {
    return {};
  }
  const double calls = static_cast<double>(t.calls);
  return {.evaluated = true,
          .failure = static_cast<double>(t.failed) * 100.0 / calls,
          .slow = static_cast<double>(t.slow) * 100.0 / calls};
}

// Calls needed before rates count: count-based windows cap it at their size (resilience4j), the
// half-open trial window at the permitted calls (#1351); time-based windows do not cap it.
std::uint64_t MinimumCalls(const CircuitBreakerSettings& s, bool trial) {
  if (trial) {
    return std::min(s.minimum_calls, std::max<std::uint32_t>(s.permitted_calls_in_half_open, 1));
  }
  return s.window_type == BreakerWindow::kCountBased ? std::min(s.minimum_calls, s.window_size)
                                                     : s.minimum_calls;
}

bool Trips(const CircuitBreakerSettings& s, const Rates& r) {
  return r.evaluated &&
         (r.failure >= s.failure_rate_threshold || r.slow >= s.slow_call_rate_threshold);
}

}  // namespace

// ---- state machine -----------------------------------------------------------------------------

struct CircuitBreaker::Impl {
  Impl(const CircuitBreakerSettings& s, MetricSink& sink)
      : sink(sink),
        window(s.window_type == BreakerWindow::kTimeBased, s.window_size),
        trial(false, std::max<std::uint32_t>(s.permitted_calls_in_half_open, 1)) {
    const MetricLabels labels{{"dependency", s.name}};
    state_gauge = &sink.GetGauge("keel_breaker_state",
                                 "Circuit breaker state: 0 closed, 1 open, 2 half-open, "
                                 "3 disabled, 4 forced open",
                                 labels);
    auto calls = [&](const char* outcome) {
      return &sink.GetCounter("keel_breaker_calls_total", "Calls through a circuit breaker",
                              {{"dependency", s.name}, {"outcome", outcome}});
    };
    success = calls("success");
    failure = calls("failure");
    slow_success = calls("slow_success");
    slow_failure = calls("slow_failure");
    ignored = calls("ignored");
    not_permitted = calls("not_permitted");
  }

  // Moves to `to` (the caller holds the mutex) and records the transition.
  void MoveTo(const CircuitBreakerSettings& settings, BreakerState to, TimePoint now, Rates rates,
              Pending& pending) {
    const BreakerState from = state;
    state = to;
    ++generation;
    state_gauge->Set(static_cast<double>(to));
    TransitionCounter(settings.name, from, to).Add();
    switch (to) {
      case BreakerState::kOpen: {
        const double factor = std::pow(std::max(settings.wait_in_open_multiplier, 1.0),
                                       static_cast<double>(reopen_count));
        const auto wait =
            std::min<Duration>(std::chrono::duration_cast<Duration>(settings.wait_in_open * factor),
                               std::max(settings.max_wait_in_open, settings.wait_in_open));
        open_until = now + wait;
        ++reopen_count;
        break;
      }
      case BreakerState::kHalfOpen:
        trial.Clear();
        trial_permits_left = std::max<std::uint32_t>(settings.permitted_calls_in_half_open, 1);
        half_open_since = now;
        break;
      case BreakerState::kClosed:
        window.Clear();
        reopen_count = 0;
        break;
      default:
        break;
    }
    if (pending.size < pending.items.size()) {
      pending.items[pending.size++] = {.name = settings.name,
                                       .from = from,
                                       .to = to,
                                       .failure_rate = rates.failure,
                                       .slow_rate = rates.slow};
    }
  }

  Counter& TransitionCounter(const std::string& name, BreakerState from, BreakerState to) {
    auto& slot = transitions[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
    if (slot == nullptr) {  // rare: obtained on first use, under the breaker's mutex
      slot = &sink.GetCounter("keel_breaker_transitions_total", "Circuit breaker state changes",
                              {{"dependency", name},
                               {"from", std::string(BreakerStateName(from))},
                               {"to", std::string(BreakerStateName(to))}});
    }
    return *slot;
  }

  MetricSink& sink;
  mutable std::mutex mu;
  BreakerState state = BreakerState::kClosed;
  std::uint64_t generation = 1;
  SlidingWindow window;  // CLOSED
  SlidingWindow trial;   // HALF_OPEN: a fresh count window of the permitted calls
  std::uint32_t trial_permits_left = 0;
  TimePoint open_until{};
  TimePoint half_open_since{};
  std::uint32_t reopen_count = 0;  // consecutive re-opens from HALF_OPEN (open back-off)

  Gauge* state_gauge;
  Counter* success;
  Counter* failure;
  Counter* slow_success;
  Counter* slow_failure;
  Counter* ignored;
  Counter* not_permitted;
  std::array<std::array<Counter*, kStates>, kStates> transitions{};
};

CircuitBreaker::CircuitBreaker(CircuitBreakerSettings settings, const Clock& clock,
                               MetricSink& sink, BreakerTransitionCallback on_transition)
    : settings_(std::move(settings)),
      clock_(clock),
      impl_(std::make_unique<Impl>(settings_, sink)),
      on_transition_(std::move(on_transition)) {
  impl_->state_gauge->Set(0);
}

CircuitBreaker::~CircuitBreaker() = default;

Result<BreakerPermit> CircuitBreaker::TryAcquire() {
  Pending pending;
  Result<BreakerPermit> out = Error(ErrorCode::kInternal, "unreachable");
  {
    std::lock_guard lock(impl_->mu);
    auto& m = *impl_;
    const TimePoint now = clock_.Now();
    if (m.state == BreakerState::kOpen && now >= m.open_until) {
      m.MoveTo(settings_, BreakerState::kHalfOpen, now, {}, pending);
    }
    if (m.state == BreakerState::kHalfOpen && settings_.max_wait_in_half_open.count() > 0 &&
        now - m.half_open_since >= settings_.max_wait_in_half_open) {
      m.MoveTo(settings_, BreakerState::kOpen, now, {}, pending);
    }
    switch (m.state) {
      case BreakerState::kClosed:
      case BreakerState::kDisabled:
        out = BreakerPermit(this, now, m.generation);
        break;
      case BreakerState::kHalfOpen:
        if (m.trial_permits_left > 0) {
          --m.trial_permits_left;
          out = BreakerPermit(this, now, m.generation);
          break;
        }
        m.not_permitted->Add();
        out = Error(ErrorCode::kUnavailable,
                    "circuit breaker for " + settings_.name + " is half-open: trial calls busy")
                  .WithRetryAfter(std::chrono::seconds(1));
        break;
      case BreakerState::kOpen:
        m.not_permitted->Add();
        out = Error(ErrorCode::kUnavailable, "circuit breaker for " + settings_.name + " is open")
                  .WithRetryAfter(CeilSeconds(m.open_until - now));
        break;
      case BreakerState::kForcedOpen:
        m.not_permitted->Add();
        out = Error(ErrorCode::kUnavailable,
                    "circuit breaker for " + settings_.name + " is forced open")
                  .WithRetryAfter(CeilSeconds(settings_.wait_in_open));
        break;
    }
  }
  Report(pending, on_transition_);
  return out;
}

void CircuitBreaker::Release(const BreakerPermit& permit) {
  std::lock_guard lock(impl_->mu);
  if (impl_->state == BreakerState::kHalfOpen && permit.generation_ == impl_->generation) {
    ++impl_->trial_permits_left;
  }
}

void CircuitBreaker::OnRecord(const BreakerPermit& permit, CallOutcome outcome) {
  Pending pending;
  {
    std::lock_guard lock(impl_->mu);
    auto& m = *impl_;
    const TimePoint now = clock_.Now();
    const bool slow = now - permit.started_ > settings_.slow_call_duration;
    const bool failed = outcome == CallOutcome::kFailure;
    if (outcome == CallOutcome::kIgnored) {
      m.ignored->Add();
    } else {
      (failed ? (slow ? m.slow_failure : m.failure) : (slow ? m.slow_success : m.success))->Add();
    }
    const bool current = permit.generation_ == m.generation;
    if (current && outcome == CallOutcome::kIgnored && m.state == BreakerState::kHalfOpen) {
      ++m.trial_permits_left;
    }
    if (current && outcome != CallOutcome::kIgnored) {
      const bool trial = m.state == BreakerState::kHalfOpen;
      if (trial || m.state == BreakerState::kClosed) {
        SlidingWindow& w = trial ? m.trial : m.window;
        w.Add(now, failed, slow);
        const Rates r = Evaluate(w.Totals(now), MinimumCalls(settings_, trial));
        if (Trips(settings_, r)) {
          m.MoveTo(settings_, BreakerState::kOpen, now, r, pending);
        } else if (trial && r.evaluated) {
          m.MoveTo(settings_, BreakerState::kClosed, now, r, pending);
        }
      }
    }
  }
  Report(pending, on_transition_);
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(impl_->mu);
  return impl_->state;
}

CircuitBreaker::Snapshot CircuitBreaker::Read() const {
  std::lock_guard lock(impl_->mu);
  auto& m = *impl_;
  const TimePoint now = clock_.Now();
  const bool trial = m.state == BreakerState::kHalfOpen;
  const WindowTotals t = trial ? m.trial.Totals(now) : m.window.Totals(now);
  const Rates r = Evaluate(t, MinimumCalls(settings_, trial));
  return {.state = m.state,
          .calls = t.calls,
          .failed = t.failed,
          .slow = t.slow,
          .failure_rate = r.failure,
          .slow_rate = r.slow};
}

namespace {
template <typename ImplT>
void Manual(ImplT& impl, const CircuitBreakerSettings& s, BreakerState to, const Clock& clock,
            const BreakerTransitionCallback& cb) {
  Pending pending;
  {
    std::lock_guard lock(impl.mu);
    if (impl.state != to) {
      impl.MoveTo(s, to, clock.Now(), {}, pending);
    }
  }
  Report(pending, cb);
}
}  // namespace

void CircuitBreaker::TransitionToDisabled() {
  Manual(*impl_, settings_, BreakerState::kDisabled, clock_, on_transition_);
}
void CircuitBreaker::TransitionToForcedOpen() {
  Manual(*impl_, settings_, BreakerState::kForcedOpen, clock_, on_transition_);
}
void CircuitBreaker::TransitionToClosed() {
  Manual(*impl_, settings_, BreakerState::kClosed, clock_, on_transition_);
}

}  // namespace keel::resilience
