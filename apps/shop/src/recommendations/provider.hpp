// The recommendation provider: its wire format and the call to it.
//
// The provider is a third party (fake-upstream in tests and benchmarks) reached through a
// keel::resilience::DependencyClient ("recommendations": bulkhead → breaker → hedging), so a slow
// or dead provider costs a request at most deps.recommendations.timeout. Wire format
// (docs/dependencies.md "keel-shop's providers"):
//
//   GET <url>/recommendations/<product id>
//   200 application/json  {"product_id": 42, "recommendations": [17, 3, 99]}
//
// `recommendations` are product ids, best first. Anything else — another status, a body that is
// not that object, ids that are not positive integers, another product_id — is a provider
// failure (kUnavailable): the caller falls back. Ids past kMaxItems are ignored.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <keel/core/error.hpp>
#include <keel/resilience/http/dependency_client.hpp>
#include <string_view>
#include <vector>

namespace shop::recommendations {

// Most products a recommendation list holds (provider answer or fallback).
inline constexpr std::size_t kMaxItems = 10;

// The provider's ids for `product_id`, best first, at most kMaxItems, duplicates removed.
[[nodiscard]] keel::Result<std::vector<std::int64_t>> ParseProviderResponse(
    std::string_view body, std::int64_t product_id);

class Provider {
 public:
  // `client` must outlive the provider.
  explicit Provider(keel::resilience::DependencyClient& client) noexcept : client_(client) {}

  // The provider's recommendation ids; its errors (kUnavailable, kDeadlineExceeded, kOverloaded,
  // kCancelled) or kUnavailable for an answer that breaks the wire format.
  [[nodiscard]] boost::asio::awaitable<keel::Result<std::vector<std::int64_t>>> Recommend(
      std::int64_t product_id, keel::resilience::CallOptions options);

 private:
  keel::resilience::DependencyClient& client_;
};

}  // namespace shop::recommendations
