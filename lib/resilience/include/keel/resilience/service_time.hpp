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
//   // On a hot path, resolve the route once and use its entry for both:
//   keel::resilience::ServiceTimeTable::Entry& e = times.Resolve(route_key);
//   times.Typical(e); ... times.Record(e, took);
//
// Keys are opaque stable addresses (the route's options); the table grows by one entry per route
// and never shrinks. Thread safety: every member is safe from any thread. The first kSlots keys
// live in an insert-only open-addressed array: finding or adding one is a few atomic loads (a
// compare-and-swap to add), no lock. Further keys (a service with hundreds of routes) spill into
// a map behind a shared lock. Updating an entry is lock-free.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
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
  static constexpr std::size_t kSlots = 256;  // a power of two

  struct Entry {
    std::atomic<std::int64_t> average_nanos{0};
    std::atomic<std::uint32_t> count{0};
  };

  explicit ServiceTimeTable(ServiceTimeSettings settings) : settings_(settings) {}

  [[nodiscard]] std::optional<Duration> Typical(const void* key) const;
  void Record(const void* key, Duration d);

  // The key's entry, added if new; the reference stays valid for the table's lifetime.
  [[nodiscard]] Entry& Resolve(const void* key);
  [[nodiscard]] std::optional<Duration> Typical(const Entry& e) const noexcept;
  void Record(Entry& e, Duration d) const noexcept;

 private:
  struct Slot {
    std::atomic<const void*> key{nullptr};
    Entry entry;
  };
  [[nodiscard]] static std::size_t Home(const void* key) noexcept;
  // The key's entry, or null; with `add`, claims a free slot (or a spill entry) for it.
  [[nodiscard]] Entry* Find(const void* key, bool add) const;

  ServiceTimeSettings settings_;
  mutable std::array<Slot, kSlots> slots_{};
  mutable std::shared_mutex spill_mutex_;
  mutable std::unordered_map<const void*, std::unique_ptr<Entry>> spill_;
};

}  // namespace keel::resilience
