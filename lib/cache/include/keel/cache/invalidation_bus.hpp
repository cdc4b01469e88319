// keel/cache/invalidation_bus.hpp — invalidation events between cache instances.
//
// A write path publishes what it changed after its transaction commits; every subscribed cache
// (in this process now; in every instance once a Redis pub/sub bus implements this interface)
// drops the affected entries. LocalInvalidationBus delivers synchronously inside Publish.
//
//   keel::cache::LocalInvalidationBus bus;
//   products_cache.Subscribe(bus);                       // a Cache<K, V> listens for its name
//   bus.Publish({.cache = "products", .kind = InvalidationKind::kKey, .target = "42"});
//   bus.Publish({.cache = "", .kind = InvalidationKind::kTag, .target = "product:42"});  // all
//   caches
//
// Thread safety: Publish, Subscribe and Unsubscribe from any thread. Handlers run on the
// publishing thread and must not call Subscribe/Unsubscribe of the same bus.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace keel::cache {

enum class InvalidationKind {
  kKey,        // target: the key's text form (see Cache::Subscribe)
  kTag,        // target: the tag
  kNamespace,  // target: the namespace whose version is bumped
  kAll,        // target ignored: everything
};

struct InvalidationEvent {
  std::string cache;  // the cache's CacheSettings::name; empty: every cache
  InvalidationKind kind = InvalidationKind::kKey;
  std::string target;
};

class InvalidationBus {
 public:
  using Handler = std::function<void(const InvalidationEvent&)>;
  virtual ~InvalidationBus() = default;
  virtual void Publish(const InvalidationEvent& event) = 0;
  // Returns an id for Unsubscribe.
  virtual std::uint64_t Subscribe(Handler handler) = 0;
  virtual void Unsubscribe(std::uint64_t id) = 0;
};

class LocalInvalidationBus final : public InvalidationBus {
 public:
  void Publish(const InvalidationEvent& event) override;
  std::uint64_t Subscribe(Handler handler) override;
  void Unsubscribe(std::uint64_t id) override;

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<const Handler>> handlers_;
  std::uint64_t next_id_ = 1;
};

}  // namespace keel::cache
