#include "keel/cache/eviction_policy.hpp"

#include <algorithm>

#include "lru_policy.hpp"
#include "s3fifo_policy.hpp"
#include "tinylfu_policy.hpp"

namespace keel::cache {

std::string_view PolicyName(PolicyKind kind) noexcept {
  switch (kind) {
    case PolicyKind::kTinyLfu:
      return "tinylfu";
    case PolicyKind::kS3Fifo:
      return "s3fifo";
    case PolicyKind::kLru:
      return "lru";
  }
  return "unknown";
}

std::unique_ptr<EvictionPolicy> MakeEvictionPolicy(const PolicySettings& settings) {
  switch (settings.kind) {
    case PolicyKind::kS3Fifo:
      return std::make_unique<detail::S3FifoPolicy>(settings.max_weight);
    case PolicyKind::kLru:
      return std::make_unique<detail::LruPolicy>(settings.max_weight);
    case PolicyKind::kTinyLfu:
      break;
  }
  const std::size_t expected =
      settings.expected_entries != 0
          ? settings.expected_entries
          : static_cast<std::size_t>(std::min<std::uint64_t>(settings.max_weight, 4096));
  return std::make_unique<detail::TinyLfuPolicy>(settings.max_weight, expected, settings.seed);
}

}  // namespace keel::cache
