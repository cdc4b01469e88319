// keel/resilience/service_time.hpp — each route's typical service time, for deadline-aware
// admission.
//
// A request whose remaining deadline is shorter than what its route usually takes would only
// fail later with a 504 after holding a slot; admission refuses it up front instead. "Usually"
// is an exponentially weighted moving average of the route's recent successful handler
// durations, trusted once it has `min_samples` samples (a new route, or one slow first call, must
// not refuse anything).
//
//   keel::resilience::ServiceTimeTable times({.alpha = 0.1, .min_samples = 10});
//   times.Record(route_key, 12ms);
//   std::optional<keel::Duration> typical = times.Typical(route_key);
//
// Keys are opaque stable addresses (the route's options); the table grows by one entry per route
// and never shrinks. Thread safety: every member is safe from any thread; lookups take a shared
// lock, updates are lock-free on an existing entry.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "keel/core/clock.hpp"

namespace keel::resilience {

struct ServiceTimeSettings {
  double alpha = 0.1;  // weight of a new sample
  std::uint32_t min_samples = 10;
};

class ServiceTimeTable {
 public:
  explicit ServiceTimeTable(ServiceTimeSettings settings) : settings_(settings) {}

  [[nodiscard]] std::optional<Duration> Typical(const void* key) const;
  void Record(const void* key, Duration d);

 private:
  struct Entry {
    std::atomic<std::int64_t> average_nanos{0};
    std::atomic<std::uint32_t> count{0};
  };
  [[nodiscard]] Entry* Find(const void* key) const;

  ServiceTimeSettings settings_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<const void*, std::unique_ptr<Entry>> entries_;
};

}  // namespace keel::resilience
