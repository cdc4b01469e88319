#include "src/recommendations/provider.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <keel/http/json_body.hpp>
#include <string>

namespace shop::recommendations {

namespace {

keel::Error Malformed(std::string_view what) {
  return keel::Error(keel::ErrorCode::kUnavailable,
                     "recommendations: malformed provider answer: " + std::string(what));
}

}  // namespace

keel::Result<std::vector<std::int64_t>> ParseProviderResponse(std::string_view body,
                                                              std::int64_t product_id) {
  auto json = keel::http::ParseJson(body);
  if (!json) {
    return Malformed(json.error().message());
  }
  const auto* object = json->if_object();
  if (object == nullptr) {
    return Malformed("not a JSON object");
  }
  const auto* for_id = object->if_contains("product_id");
  if (for_id == nullptr || !for_id->is_int64() || for_id->get_int64() != product_id) {
    return Malformed("product_id is not " + std::to_string(product_id));
  }
  const auto* list = object->if_contains("recommendations");
  if (list == nullptr || !list->is_array()) {
    return Malformed("recommendations is not an array");
  }
  std::vector<std::int64_t> ids;
  for (const auto& v : list->get_array()) {
    if (!v.is_int64() || v.get_int64() <= 0) {
      return Malformed("recommendations must hold positive integer ids");
    }
    const std::int64_t id = v.get_int64();
    if (ids.size() < kMaxItems && id != product_id &&
        std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
  return ids;
}

boost::asio::awaitable<keel::Result<std::vector<std::int64_t>>> Provider::Recommend(
    std::int64_t product_id, keel::resilience::CallOptions options) {
  // An idempotent GET: DependencyClient hedges it when deps.recommendations.hedge.enabled.
  const keel::http::ClientRequest request{.target =
                                              "/recommendations/" + std::to_string(product_id)};
  auto response = co_await client_.Call(request, options);
  if (!response) {
    co_return std::move(response).error();
  }
  if (response->status != 200) {
    co_return keel::Error(keel::ErrorCode::kUnavailable,
                          "recommendations: provider answered " + std::to_string(response->status));
  }
  co_return ParseProviderResponse(response->body, product_id);
}

}  // namespace shop::recommendations
