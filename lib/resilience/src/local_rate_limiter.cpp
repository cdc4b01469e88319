#include "keel/resilience/local_rate_limiter.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace keel::resilience {

namespace {
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
}  // namespace

struct LocalRateLimiter::Shard {
  struct Node {
    TimePoint tat{};
    Node* newer = nullptr;
    Node* older = nullptr;
    const std::string* key = nullptr;
  };

  std::mutex mutex;
  std::unordered_map<std::string, Node, KeyHash, std::equal_to<>> map;
  Node* newest = nullptr;
  Node* oldest = nullptr;
  std::size_t capacity = 1;

  void Unlink(Node& n) noexcept {
    (n.newer != nullptr ? n.newer->older : newest) = n.older;
    (n.older != nullptr ? n.older->newer : oldest) = n.newer;
    n.newer = n.older = nullptr;
  }
  void PushNewest(Node& n) noexcept {
    n.older = newest;
    n.newer = nullptr;
    (newest != nullptr ? newest->newer : oldest) = &n;
    newest = &n;
  }
  // Erases the oldest key; true if it was idle (nothing was lost).
  bool EraseOldest(TimePoint now) {
    Node* n = oldest;
    const bool idle = n->tat <= now;
    Unlink(*n);
    map.erase(*n->key);
    return idle;
  }
};

LocalRateLimiter::LocalRateLimiter(RateQuota quota, LocalRateLimiterSettings settings,
                                   const Clock& clock, Gauge* keys_gauge)
    : quota_(quota), gcra_(quota), clock_(clock), keys_gauge_(keys_gauge) {
  const std::size_t max_keys = std::max<std::size_t>(1, settings.max_keys);
  // Never more shards than keys, so shard capacities sum to at most max_keys.
  const std::size_t n = std::clamp<std::size_t>(settings.shards, 1, max_keys);
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->capacity = max_keys / n;
  }
}

LocalRateLimiter::~LocalRateLimiter() {
  if (keys_gauge_ != nullptr) {
    keys_gauge_->Add(-static_cast<double>(size_.load()));
  }
}

LocalRateLimiter::Shard& LocalRateLimiter::ShardFor(std::string_view key) const noexcept {
  // Re-mix the hash so the shard choice is independent of the bucket choice inside the shard.
  const std::uint64_t h = KeyHash{}(key)*0x9E3779B97F4A7C15ULL;
  return *shards_[(h >> 32) % shards_.size()];
}

RateDecision LocalRateLimiter::AcquireNow(std::string_view key, std::uint32_t quantity) {
  const TimePoint now = clock_.Now();
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mutex);
  int removed = 0;
  // Amortised idle eviction: each call drops up to two idle keys from the LRU end.
  for (int i = 0; i < 2 && shard.oldest != nullptr && shard.oldest->tat <= now; ++i) {
    shard.EraseOldest(now);
    ++removed;
  }
  RateDecision d;
  if (auto it = shard.map.find(key); it != shard.map.end()) {
    Shard::Node& node = it->second;
    std::optional<TimePoint> tat = node.tat;
    d = gcra_.Apply(tat, now, quantity);
    node.tat = *tat;
    shard.Unlink(node);
    shard.PushNewest(node);
  } else {
    std::optional<TimePoint> tat;
    d = gcra_.Apply(tat, now, quantity);
    if (tat) {
      if (shard.map.size() >= shard.capacity) {
        if (!shard.EraseOldest(now)) {
          active_evictions_.fetch_add(1, std::memory_order_relaxed);
        }
        ++removed;
      }
      const auto pos = shard.map.try_emplace(std::string(key)).first;
      pos->second.tat = *tat;
      pos->second.key = &pos->first;
      shard.PushNewest(pos->second);
      --removed;
    }
  }
  if (removed != 0) {
    size_.fetch_sub(removed, std::memory_order_relaxed);
    if (keys_gauge_ != nullptr) {
      keys_gauge_->Add(-removed);
    }
  }
  return d;
}

boost::asio::awaitable<Result<RateDecision>> LocalRateLimiter::Acquire(std::string_view key,
                                                                       std::uint32_t quantity,
                                                                       Deadline) {
  co_return AcquireNow(key, quantity);
}

}  // namespace keel::resilience
