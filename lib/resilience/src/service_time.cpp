#include "keel/resilience/service_time.hpp"

#include <chrono>
#include <mutex>

namespace keel::resilience {

std::size_t ServiceTimeTable::Home(const void* key) noexcept {
  // Fibonacci hashing of the address (its low bits are alignment zeros).
  const auto bits = reinterpret_cast<std::uintptr_t>(key) >> 4;
  return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> 32) & (kSlots - 1);
}

ServiceTimeTable::Entry* ServiceTimeTable::Find(const void* key, bool add) const {
  // Insert-only linear probing: a key, once stored in a slot, never moves, so the first empty
  // slot on the probe path proves the key absent from the array.
  const std::size_t home = Home(key);
  for (std::size_t i = 0; i < kSlots; ++i) {
    Slot& slot = slots_[(home + i) & (kSlots - 1)];
    const void* k = slot.key.load(std::memory_order_acquire);
    if (k == key) {
      return &slot.entry;
    }
    if (k == nullptr) {
      if (!add) {
        return nullptr;
      }
      if (slot.key.compare_exchange_strong(k, key, std::memory_order_acq_rel) || k == key) {
        return &slot.entry;  // claimed it, or another thread just added the same key here
      }
      // Another key took this slot: keep probing.
    }
  }
  {
    std::shared_lock lock(spill_mutex_);
    const auto it = spill_.find(key);
    if (it != spill_.end() || !add) {
      return it == spill_.end() ? nullptr : it->second.get();
    }
  }
  std::unique_lock lock(spill_mutex_);
  auto& entry = spill_[key];
  if (!entry) {
    entry = std::make_unique<Entry>();
  }
  return entry.get();
}

ServiceTimeTable::Entry& ServiceTimeTable::Resolve(const void* key) {
  return *Find(key, /*add=*/true);
}

std::optional<Duration> ServiceTimeTable::Typical(const void* key) const {
  const Entry* e = Find(key, /*add=*/false);
  return e == nullptr ? std::nullopt : Typical(*e);
}

std::optional<Duration> ServiceTimeTable::Typical(const Entry& e) const noexcept {
  if (e.count.load(std::memory_order_relaxed) < settings_.min_samples) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(e.average_nanos.load(std::memory_order_relaxed));
}

void ServiceTimeTable::Record(const void* key, Duration d) {
  Record(Resolve(key), d);
}

void ServiceTimeTable::Record(Entry& e, Duration d) const noexcept {
  const auto sample = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  // The first sample seeds the average; afterwards a lock-free EWMA update (a lost race only
  // loses one sample's weight).
  const bool first = e.count.fetch_add(1, std::memory_order_relaxed) == 0;
  std::int64_t old = e.average_nanos.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    next = first ? sample
                 : static_cast<std::int64_t>(settings_.alpha * static_cast<double>(sample) +
                                             (1 - settings_.alpha) * static_cast<double>(old));
  } while (!e.average_nanos.compare_exchange_weak(old, next, std::memory_order_relaxed));
}

}  // namespace keel::resilience
