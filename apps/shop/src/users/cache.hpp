// The read cache of user summaries (GET /v1/users/{id}/summary), keyed by user id; an unknown
// user is cached as "not found" for negative_ttl.
//
// Summaries change when orders are written: a write path calls Invalidate(user_id) after its
// transaction commits; writes that do not are visible after at most cache.summaries_ttl.
// With `enabled` false every call goes straight to the service.
// Thread safety: any I/O thread.
#pragma once

#include <keel/cache/cache.hpp>
#include <keel/core/clock.hpp>
#include <keel/core/metrics.hpp>
#include <keel/core/stage_account.hpp>
#include <memory>

#include "src/users/service.hpp"

namespace shop::users {

using SummaryPtr = std::shared_ptr<const Summary>;

class SummaryCache {
 public:
  // `service`, `clock` and `sink` (may be null) must outlive the cache and its loads.
  SummaryCache(UserService& service, bool enabled, keel::cache::CacheSettings settings,
               const keel::Clock& clock, keel::MetricSink* sink);

  // The summary; kNotFound (cached) for an unknown user; the service's errors. The time spent
  // goes to stages' `cache` stage; *status (may be null) tells how it was answered.
  Task<SummaryPtr> Get(std::int64_t user_id, keel::Deadline deadline, keel::StageAccount* stages,
                       keel::cache::CacheStatus* status);
  // After a write that changes the user's summary committed.
  void Invalidate(std::int64_t user_id);

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

 private:
  UserService& service_;
  bool enabled_;
  keel::cache::Cache<std::int64_t, SummaryPtr> cache_;
};

}  // namespace shop::users
