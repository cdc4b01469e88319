#include "keel/cache/invalidation_bus.hpp"

#include <vector>

namespace keel::cache {

void LocalInvalidationBus::Publish(const InvalidationEvent& event) {
  std::vector<std::shared_ptr<const Handler>> handlers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, handler] : handlers_) {
      handlers.push_back(handler);
    }
  }
  // Outside the lock: a handler takes its cache's shard locks.
  for (const auto& handler : handlers) {
    (*handler)(event);
  }
}

std::uint64_t LocalInvalidationBus::Subscribe(Handler handler) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  handlers_.emplace(id, std::make_shared<const Handler>(std::move(handler)));
  return id;
}

void LocalInvalidationBus::Unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  handlers_.erase(id);
}

}  // namespace keel::cache
