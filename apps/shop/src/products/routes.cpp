#include "src/products/routes.hpp"

#include <keel/http/json_body.hpp>
#include <keel/http/problem.hpp>
#include <memory>

#include "src/common/etag.hpp"
#include "src/common/http_helpers.hpp"
#include "src/common/overload_policy.hpp"
#include "src/common/query_params.hpp"
#include "src/products/list_params.hpp"

namespace shop::products {

namespace {

using keel::http::Request;
using keel::http::RequestContext;
using keel::http::Response;
using Awaitable = boost::asio::awaitable<Response>;

constexpr std::uint64_t kMaxJsonBody = 16 * 1024;

std::string ProductNotFound(std::int64_t id) {
  return "no product with id " + std::to_string(id);
}

// If-None-Match (weak comparison, RFC 9110 §13.1.2) names the current version; a malformed field
// never matches.
bool NotModified(const Request& request, std::string_view etag) {
  const auto field = CombinedHeader(request, "if-none-match");
  if (!field) {
    return false;
  }
  const auto tags = ParseEntityTags(*field);
  return tags && WeakMatch(*tags, etag);
}

// How a cached read was answered, for clients and tests (hit | miss | stale).
void SetCacheStatus(Response& response, const ProductCache& cache,
                    keel::cache::CacheStatus status) {
  if (cache.enabled()) {
    response.SetHeader("X-Cache", keel::cache::CacheStatusName(status));
  }
}

ReadContext Read(RequestContext& ctx, keel::cache::CacheStatus& status) {
  return {.deadline = ctx.deadline(), .stages = &ctx.stages(), .status = &status};
}

class Handlers {
 public:
  Handlers(ProductService& service, ProductCache& cache, RouteSettings settings)
      : service_(service),
        cache_(cache),
        cache_control_("public, max-age=" + std::to_string(settings.max_age.count())) {}

  Awaitable Get(Request& request, RequestContext& ctx) {
    const std::int64_t id = request.PathParamInt("id");
    keel::cache::CacheStatus status = keel::cache::CacheStatus::kNone;
    const ReadContext read = Read(ctx, status);
    auto product = co_await cache_.Get(id, read);
    if (!product) {
      if (product.error().code() == keel::ErrorCode::kNotFound) {
        Response missing = keel::http::ProblemResponse(404, ProductNotFound(id), ctx.request_id());
        SetCacheStatus(missing, cache_, status);
        co_return missing;
      }
      co_return keel::http::ErrorResponse(product.error(), ctx.request_id());
    }
    const CachedProduct& cached = **product;  // JSON and ETag rendered once, when loaded
    Response response =
        NotModified(request, cached.etag) ? Response(304) : Response::Json(200, cached.json);
    response.SetHeader("ETag", cached.etag);
    response.SetHeader("Cache-Control", cache_control_);
    SetCacheStatus(response, cache_, status);
    co_return response;
  }

  Awaitable List(Request& request, RequestContext& ctx) {
    FieldErrors errors;
    const auto params = QueryParams::Parse(request.query(), errors);
    const ListQuery query = ParseListQuery(params, service_.signer(), errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    const std::string_view cursor = params.Find("cursor").value_or(std::string_view());
    keel::cache::CacheStatus status = keel::cache::CacheStatus::kNone;
    const ReadContext read = Read(ctx, status);
    auto page = co_await cache_.List(query, cursor, read);
    if (!page) {
      co_return keel::http::ErrorResponse(page.error(), ctx.request_id());
    }
    Response response = Response::Json(200, PageJson(**page, query.fields));
    SetCacheStatus(response, cache_, status);
    co_return response;
  }

  Awaitable Batch(Request& request, RequestContext& ctx) {
    auto json = keel::http::ParseJsonBody(request);
    if (!json) {
      co_return keel::http::ErrorResponse(json.error(), ctx.request_id());
    }
    FieldErrors errors;
    const auto ids = ParseBatchIds(*json, errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    auto result = co_await service_.Batch(ids, DbCall(ctx));
    if (!result) {
      co_return keel::http::ErrorResponse(result.error(), ctx.request_id());
    }
    co_return Response::Json(200, BatchJson(*result));
  }

  Awaitable Patch(Request& request, RequestContext& ctx) {
    const std::int64_t id = request.PathParamInt("id");
    const auto content_type = request.Header("content-type");
    if (!content_type || !IsPatchMediaType(*content_type)) {
      co_return keel::http::ProblemResponse(
          415, "send the patch as application/merge-patch+json (or application/json)",
          ctx.request_id());
    }
    const auto if_match = CombinedHeader(request, "if-match");
    if (!if_match) {
      co_return keel::http::ProblemResponse(
          428, "If-Match is required: send the ETag of the version you are changing",
          ctx.request_id());
    }
    FieldErrors errors;
    const auto tags = ParseEntityTags(*if_match);
    if (!tags) {
      AddFieldError(errors, "If-Match", "must be * or a list of entity tags like \"p1-v1\"");
    }
    auto json = keel::http::ParseJson(request.body());
    if (!json) {
      co_return keel::http::ErrorResponse(json.error(), ctx.request_id());
    }
    const ProductPatch patch = ParseProductPatch(*json, errors);
    if (!errors.empty()) {
      co_return ValidationProblem(errors, ctx.request_id());
    }
    const VersionCondition condition = ConditionFromIfMatch(*tags, id);
    auto product = co_await service_.Patch(id, patch, condition, DbCall(ctx));
    // The write has committed (or failed, or its outcome is unknown after a timeout): drop what
    // may show the old version either way, so this client and every later one read the write.
    cache_.Invalidate(id);
    if (!product) {
      co_return keel::http::ErrorResponse(product.error(), ctx.request_id());
    }
    Response response = Response::Json(200, ProductJson(*product));
    response.SetHeader("ETag", ProductETag(id, product->version));
    co_return response;
  }

 private:
  // Bodies are built outside the coroutines: GCC 12 mis-compiles a JsonWriter (it has an array
  // member) living in a coroutine frame.
  static std::string PageJson(const Page& page, FieldMask fields) {
    std::string body;
    body.reserve(64 + page.items.size() * 192);
    JsonWriter w(body);
    w.BeginObject();
    w.Key("items");
    w.BeginArray();
    for (const auto& product : page.items) {
      WriteProduct(w, product, fields);
    }
    w.EndArray();
    w.Key("next_cursor");
    page.next_cursor ? w.String(*page.next_cursor) : w.Null();
    w.EndObject();
    return body;
  }

  static std::string BatchJson(const BatchResult& result) {
    std::string body;
    body.reserve(32 + result.items.size() * 192);
    JsonWriter w(body);
    w.BeginObject();
    w.Key("items");
    w.BeginArray();
    for (const auto& product : result.items) {
      WriteProduct(w, product);
    }
    w.EndArray();
    w.Key("missing");
    w.BeginArray();
    for (const std::int64_t id : result.missing) {
      w.Int(id);
    }
    w.EndArray();
    w.EndObject();
    return body;
  }

  ProductService& service_;
  ProductCache& cache_;
  std::string cache_control_;
};

}  // namespace

void AddRoutes(keel::http::RouteGroup& v1, ProductService& service, ProductCache& cache,
               RouteSettings settings) {
  auto h = std::make_shared<Handlers>(service, cache, settings);
  // Each product route makes exactly one database call (max_queries flags any regression).
  // Budgets and admission classes: src/common/overload_policy.hpp.
  const keel::http::RouteOptions point_read{
      .max_body_bytes = 0, .max_queries = 1, .budget = kPointReadBudget};
  const keel::http::RouteOptions page_read{
      .max_body_bytes = 0, .max_queries = 1, .budget = kPageReadBudget};
  const keel::http::RouteOptions batch{.max_body_bytes = kMaxJsonBody,
                                       .max_queries = 1,
                                       .budget = kPageReadBudget,
                                       .priority = keel::Priority::kSheddable};
  const keel::http::RouteOptions write{.max_body_bytes = kMaxJsonBody,
                                       .max_queries = 1,
                                       .budget = kWriteBudget,
                                       .priority = keel::Priority::kCritical};
  v1.Get(
      "/products", [h](Request& r, RequestContext& c) { return h->List(r, c); }, page_read);
  v1.Get(
      "/products/{id:int}", [h](Request& r, RequestContext& c) { return h->Get(r, c); },
      point_read);
  v1.Post(
      "/products/batch", [h](Request& r, RequestContext& c) { return h->Batch(r, c); }, batch);
  v1.Patch(
      "/products/{id:int}", [h](Request& r, RequestContext& c) { return h->Patch(r, c); }, write);
}

}  // namespace shop::products
