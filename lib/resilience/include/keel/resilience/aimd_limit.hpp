// keel/resilience/aimd_limit.hpp — additive increase, multiplicative decrease (loss based).
//
// Netflix concurrency-limits' AIMDLimit: a drop (a request that timed out or was refused
// downstream) or an RTT above `timeout` multiplies the limit by `backoff_ratio`; otherwise, when
// at least half the limit is in use, the limit grows by one. Latency below the timeout is not
// looked at, so this suits clients and dependencies that fail loudly more than a server.
//
//   keel::resilience::AimdLimit limit({.initial_limit = 20, .backoff_ratio = 0.9});
//
// Thread safety: none (see concurrency_limit.hpp).
#pragma once

#include <chrono>

#include "keel/resilience/concurrency_limit.hpp"

namespace keel::resilience {

struct AimdSettings {
  int initial_limit = 20;
  int min_limit = 20;
  int max_limit = 200;
  double backoff_ratio = 0.9;  // in [0.5, 1)
  Duration timeout = std::chrono::seconds(5);
};

class AimdLimit final : public ConcurrencyLimit {
 public:
  explicit AimdLimit(AimdSettings settings) noexcept;
  [[nodiscard]] int limit() const noexcept override { return limit_; }
  void OnSample(const LimitSample& sample) noexcept override;

 private:
  AimdSettings settings_;
  int limit_ = 1;
};

}  // namespace keel::resilience
