#include "keel/resilience/service_time.hpp"

#include <chrono>
#include <mutex>

namespace keel::resilience {

ServiceTimeTable::Entry* ServiceTimeTable::Find(const void* key) const {
  std::shared_lock lock(mutex_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second.get();
}

std::optional<Duration> ServiceTimeTable::Typical(const void* key) const {
  const Entry* e = Find(key);
  if (e == nullptr || e->count.load(std::memory_order_relaxed) < settings_.min_samples) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(e->average_nanos.load(std::memory_order_relaxed));
}

void ServiceTimeTable::Record(const void* key, Duration d) {
  Entry* e = Find(key);
  if (e == nullptr) {
    std::unique_lock lock(mutex_);
    auto& slot = entries_[key];
    if (!slot) {
      slot = std::make_unique<Entry>();
    }
    e = slot.get();
  }
  const auto sample = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  // The first sample seeds the average; afterwards a lock-free EWMA update (a lost race only
  // loses one sample's weight).
  const bool first = e->count.fetch_add(1, std::memory_order_relaxed) == 0;
  std::int64_t old = e->average_nanos.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    next = first ? sample
                 : static_cast<std::int64_t>(settings_.alpha * static_cast<double>(sample) +
                                             (1 - settings_.alpha) * static_cast<double>(old));
  } while (!e->average_nanos.compare_exchange_weak(old, next, std::memory_order_relaxed));
}

}  // namespace keel::resilience
