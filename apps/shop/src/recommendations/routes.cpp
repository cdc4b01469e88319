#include "src/recommendations/routes.hpp"

#include <keel/http/problem.hpp>
#include <keel/resilience/http/fallback_response.hpp>
#include <memory>

#include "src/common/http_helpers.hpp"
#include "src/common/json_writer.hpp"

namespace shop::recommendations {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using Awaitable = boost::asio::awaitable<Response>;

// The provider may take up to deps.recommendations.timeout (default 150 ms); the budget leaves
// room after it for the fallback query, so a failing provider still gets an answer in time.
constexpr std::chrono::milliseconds kBudget{400};

std::string RecommendationsJson(const Recommendations& r) {
  std::string body;
  body.reserve(64 + r.items.size() * 192);
  JsonWriter w(body);
  w.BeginObject();
  w.Key("product_id");
  w.Int(r.product_id);
  w.Key("source");
  w.String(SourceName(r.source));
  w.Key("items");
  w.BeginArray();
  for (const auto& product : r.items) {
    products::WriteProduct(w, product);
  }
  w.EndArray();
  w.EndObject();
  return body;
}

class Handlers {
 public:
  Handlers(RecommendationService& service, keel::resilience::FallbackCounter* fallbacks)
      : service_(service), fallbacks_(fallbacks) {}

  Awaitable Get(Request& request, RequestContext& ctx) {
    const std::int64_t id = request.PathParamInt("id");
    auto recs = co_await service_.For(id, DbCall(ctx));
    if (!recs) {
      co_return keel::http::ErrorResponse(recs.error(), ctx.request_id());
    }
    if (!*recs) {
      co_return keel::http::ProblemResponse(404, "no product with id " + std::to_string(id),
                                            ctx.request_id());
    }
    Response response = Response::Json(200, RecommendationsJson(**recs));
    if (!(*recs)->degraded_reason.empty()) {
      if (fallbacks_ != nullptr) {
        keel::resilience::MarkDegraded(response, *fallbacks_, (*recs)->degraded_reason);
      } else {
        response.SetHeader("X-Degraded", (*recs)->degraded_reason);
      }
      response.SetHeader("Cache-Control", "no-store");  // never keep a fallback as the answer
    }
    co_return response;
  }

 private:
  RecommendationService& service_;
  keel::resilience::FallbackCounter* fallbacks_;
};

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, RecommendationService& service,
               keel::resilience::FallbackCounter* fallbacks) {
  auto h = std::make_shared<Handlers>(service, fallbacks);
  // The product, then the provider's products or the fallback: two queries. A widget that
  // degrades gracefully: sheddable under overload (src/common/overload_policy.hpp).
  const keel::http::RouteOptions options{.max_body_bytes = 0,
                                         .max_queries = 2,
                                         .budget = kBudget,
                                         .priority = keel::Priority::kSheddable};
  v1.Get(
      "/products/{id:int}/recommendations",
      [h](Request& r, RequestContext& c) { return h->Get(r, c); }, options);
}

}  // namespace shop::recommendations
