#include "keel/cache/cache.hpp"

namespace keel::cache {

std::string_view CacheStatusName(CacheStatus status) noexcept {
  switch (status) {
    case CacheStatus::kHit:
    case CacheStatus::kNegativeHit:
      return "hit";
    case CacheStatus::kStale:
      return "stale";
    case CacheStatus::kMiss:
      return "miss";
    case CacheStatus::kNone:
      break;
  }
  return "none";
}

}  // namespace keel::cache
